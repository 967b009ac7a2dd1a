/**
 * The applier on small hand-written Terraform JSON against a started emulator: what it does not understand (a
 * resource type, an argument, a nested block's argument, a meta-argument, another region) stops the apply by name
 * before anything is created; references and escapes resolve as Terraform resolves them; a creation AWS would refuse
 * stops the apply with AWS's reason and the resource's address.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEmulator, type TestEmulator } from '../../test/support/emulator.js';
import { functionPackage } from '../../test/support/function-package.js';
import { ApplyError, applyStack } from './apply.js';
import { type TerraformJson, UnsupportedConfigurationError } from './terraform-json.js';

let emulator: TestEmulator;
let stackDir: string;
let serial = 0;

beforeAll(async () => {
  emulator = await startTestEmulator({ httpApi: { port: 0 } });
  stackDir = mkdtempSync(join(tmpdir(), 'svctests-apply-'));
  writeFileSync(join(stackDir, 'fn.zip'), functionPackage('export const handler = async () => ({ statusCode: 200, body: process.env.GREETING });'));
});
afterAll(async () => {
  await emulator.close();
  rmSync(stackDir, { recursive: true, force: true });
});

const apply = (json: TerraformJson) => applyStack(json, { emulator, stackDir });
/** A name no other test uses (the emulator is shared). */
const unique = (base: string) => `${base}-${++serial}`;

const LAMBDA_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the apply to fail');
}

describe('applyStack: what it does not understand is refused by name, before anything is created', () => {
  it('lists every unknown resource type and data source', async () => {
    const queue = unique('kept-out');
    const error = await refusal(
      apply({
        resource: {
          aws_sqs_queue: { q: { name: queue } },
          aws_s3_bucket_notification: { n: { bucket: 'b' } },
          aws_kinesis_stream: { k: { name: 'k' } },
        },
        data: { aws_vpc: { v: {} } },
      }),
    );
    expect(error).toBeInstanceOf(UnsupportedConfigurationError);
    expect(error.message).toBe(
      'not understood by the local applier: resource type aws_s3_bucket_notification, resource type aws_kinesis_stream, data source aws_vpc',
    );
    expect(emulator.sqs.queueByName(queue)).toBeUndefined();
  });

  it('names an argument a resource type does not know', async () => {
    const queue = unique('fifo');
    const error = await refusal(apply({ resource: { aws_sqs_queue: { q: { name: queue, fifo_queue: true } } } }));
    expect(error).toBeInstanceOf(ApplyError);
    expect(error).toMatchObject({ address: 'aws_sqs_queue.q' });
    expect(error.message).toBe('aws_sqs_queue.q: argument "fifo_queue" is not understood by the local applier');
    expect(emulator.sqs.queueByName(queue)).toBeUndefined();
  });

  it.each([
    ['as a block', { allow_origins: ['https://a.example'], allow_private_network: true }],
    ['as a one-element list of blocks', [{ allow_origins: ['https://a.example'], allow_private_network: true }]],
  ])('names an argument of a nested block it does not know (%s)', async (_name, cors) => {
    const error = await refusal(
      apply({ resource: { aws_apigatewayv2_api: { api: { name: 'x', protocol_type: 'HTTP', cors_configuration: cors as never } } } }),
    );
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.message).toMatch(
      /^aws_apigatewayv2_api\.api: argument "cors_configuration(\.0)?\.allow_private_network" is not understood by the local applier$/,
    );
  });

  it('names an argument of the wrong type', async () => {
    const error = await refusal(apply({ resource: { aws_sqs_queue: { q: { name: unique('typed'), visibility_timeout_seconds: 'thirty' } } } }));
    expect(error.message).toMatch(/^aws_sqs_queue\.q: argument "visibility_timeout_seconds": /);
  });

  it.each(['count', 'for_each'])('refuses the meta-argument %s', async (meta) => {
    const queue = unique(meta);
    const error = await refusal(apply({ resource: { aws_sqs_queue: { q: { name: queue, [meta]: meta === 'count' ? 2 : { a: 1 } } } } }));
    expect(error).toBeInstanceOf(UnsupportedConfigurationError);
    expect(error.message).toBe(`aws_sqs_queue.q: the meta-argument "${meta}" is not understood by the local applier`);
    expect(emulator.sqs.queueByName(queue)).toBeUndefined();
  });

  it("refuses a stack for another region than the emulator's", async () => {
    const queue = unique('elsewhere');
    const error = await refusal(apply({ provider: { aws: [{ region: 'eu-west-1' }] }, resource: { aws_sqs_queue: { q: { name: queue } } } }));
    expect(error).toBeInstanceOf(UnsupportedConfigurationError);
    expect(error.message).toBe('the stack is for eu-west-1; the emulator runs us-east-1 (LOCAL_AWS_REGION)');
    expect(emulator.sqs.queueByName(queue)).toBeUndefined();
  });

  it.each([
    ['a block', { aws: { region: 'eu-west-1' } }, 'the stack is for eu-west-1; the emulator runs us-east-1 (LOCAL_AWS_REGION)'],
    [
      'a second, aliased configuration',
      { aws: [{ region: 'us-east-1' }, { alias: 'west', region: 'eu-west-1' }] },
      'provider "aws" with alias "west" is not understood by the local applier',
    ],
    ['another provider', { aws: [{ region: 'us-east-1' }], google: [{ project: 'p' }] }, 'provider "google" is not understood by the local applier (only aws)'],
  ])('refuses a provider written as %s that it cannot honour', async (_name, provider, message) => {
    const queue = unique('provider');
    const error = await refusal(apply({ provider: provider as never, resource: { aws_sqs_queue: { q: { name: queue } } } }));
    expect(error).toBeInstanceOf(UnsupportedConfigurationError);
    expect(error.message).toBe(message);
    expect(emulator.sqs.queueByName(queue)).toBeUndefined();
  });

  it('refuses expressions other than references, and unknown outputs arguments, before creating anything', async () => {
    const queue = unique('expr');
    const error = await refusal(apply({ resource: { aws_sqs_queue: { q: { name: queue }, r: { name: '${upper(aws_sqs_queue.q.name)}' } } } }));
    expect(error).toBeInstanceOf(UnsupportedConfigurationError);
    expect(error.message).toMatch(/aws_sqs_queue\.r: the expression \$\{upper\(aws_sqs_queue\.q\.name\)\} is not understood/);
    expect(emulator.sqs.queueByName(queue)).toBeUndefined();
    const output = await refusal(apply({ resource: { aws_sqs_queue: { q: { name: queue } } }, output: { u: { value: 'x', ephemeral: true } } }));
    expect(output.message).toMatch(/output u: argument "ephemeral" is not understood/);
    expect(emulator.sqs.queueByName(queue)).toBeUndefined();
  });
});

describe('applyStack: references, escapes, outputs', () => {
  it('creates resources in dependency order, resolving references, keeping $${ literal, and resolves outputs', async () => {
    const main = unique('main');
    const role = unique('role');
    const applied = await apply({
      data: { aws_caller_identity: { me: {} }, aws_region: { here: {} } },
      resource: {
        aws_sqs_queue: {
          main: { name: main, visibility_timeout_seconds: 60, redrive_policy: '{"deadLetterTargetArn":"${aws_sqs_queue.dlq.arn}","maxReceiveCount":4}' },
          dlq: { name: `${main}-dlq`, message_retention_seconds: 1_209_600 },
        },
        aws_iam_role: { worker: { name: role, assume_role_policy: LAMBDA_TRUST } },
        aws_iam_role_policy: {
          worker: {
            role: '${aws_iam_role.worker.name}',
            name: 'send',
            policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '${aws_sqs_queue.main.arn}' },
                { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:${data.aws_caller_identity.me.account_id}:client/$${iot:ClientId}' },
              ],
            }),
          },
        },
      },
      output: {
        queue_url: { value: '${aws_sqs_queue.main.url}' },
        where: { value: '${data.aws_region.here.name}/${data.aws_caller_identity.me.account_id}' },
        literal: { value: '$${not.a.reference}' },
      },
    });
    const queue = emulator.sqs.queueByName(main)!;
    const dlq = emulator.sqs.queueByName(`${main}-dlq`)!;
    expect(queue.attributes).toMatchObject({ visibilityTimeoutSeconds: 60, redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 4 } });
    expect(dlq.attributes.messageRetentionSeconds).toBe(1_209_600);
    expect(applied.outputs).toEqual({ queue_url: queue.url, where: 'us-east-1/000000000000', literal: '${not.a.reference}' });
    const [document] = emulator.account.roleByName(role)!.policies;
    expect(document).toEqual({
      name: 'send',
      document: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queue.arn },
          { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:000000000000:client/${iot:ClientId}' },
        ],
      },
    });
    const order = [...applied.resources.keys()];
    expect(order.indexOf('aws_sqs_queue.dlq')).toBeLessThan(order.indexOf('aws_sqs_queue.main'));
    expect(order.indexOf('aws_iam_role.worker')).toBeLessThan(order.indexOf('aws_iam_role_policy.worker'));
    expect(applied.ofType('aws_sqs_queue').map((r) => r.attributes.url)).toEqual([dlq.url, queue.url]);
  });

  it('creates a customer managed policy and attaches it to a role; an attachment of a policy that does not exist stops the apply', async () => {
    const role = unique('managed-role');
    const policy = unique('managed');
    const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*' }] };
    const applied = await apply({
      resource: {
        aws_iam_role: { r: { name: role, assume_role_policy: LAMBDA_TRUST } },
        aws_iam_policy: { p: { name: policy, path: '/app/', policy: JSON.stringify(document) } },
        aws_iam_role_policy_attachment: { a: { role: '${aws_iam_role.r.name}', policy_arn: '${aws_iam_policy.p.arn}' } },
      },
      output: { arn: { value: '${aws_iam_policy.p.arn}' } },
    });
    expect(applied.outputs.arn).toBe(`arn:aws:iam::000000000000:policy/app/${policy}`);
    expect(emulator.account.managedPolicy(`arn:aws:iam::000000000000:policy/app/${policy}`)?.document).toEqual(document);
    expect(emulator.account.attachedRolePolicies(role).map((p) => p.arn)).toEqual([`arn:aws:iam::000000000000:policy/app/${policy}`]);

    const error = await refusal(
      apply({
        resource: {
          aws_iam_role: { r: { name: unique('orphan-role'), assume_role_policy: LAMBDA_TRUST } },
          aws_iam_role_policy_attachment: { a: { role: '${aws_iam_role.r.name}', policy_arn: 'arn:aws:iam::000000000000:policy/missing' } },
        },
      }),
    );
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.message).toBe(
      'aws_iam_role_policy_attachment.a: NoSuchEntity: Policy arn:aws:iam::000000000000:policy/missing does not exist or is not attachable.',
    );
  });

  it('stops at an attribute a resource does not report, naming both', async () => {
    const error = await refusal(apply({ resource: { aws_sqs_queue: { a: { name: unique('a') }, b: { name: '${aws_sqs_queue.a.colour}' } } } }));
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.message).toBe('aws_sqs_queue.b: aws_sqs_queue.a has no attribute "colour" in the local applier');
  });
});

describe("applyStack: AWS's refusals, with the resource's address", () => {
  it("stops at a function AWS would refuse (a reserved variable), with Lambda's error and the address", async () => {
    const role = unique('fn-role');
    const name = unique('reserved-env');
    const error = await refusal(
      apply({
        resource: {
          aws_iam_role: { r: { name: role, assume_role_policy: LAMBDA_TRUST } },
          aws_lambda_function: {
            f: {
              function_name: name,
              role: '${aws_iam_role.r.arn}',
              runtime: 'nodejs22.x',
              handler: 'index.handler',
              filename: 'fn.zip',
              environment: { variables: { AWS_REGION: 'eu-west-1' } },
            },
          },
        },
      }),
    );
    expect(error).toBeInstanceOf(ApplyError);
    expect(error).toMatchObject({ address: 'aws_lambda_function.f' });
    expect(error.message).toMatch(/^aws_lambda_function\.f: InvalidParameterValueException: .*Reserved keys used in this request: AWS_REGION$/);
    expect(emulator.lambda.getFunction(name)).toBeUndefined();
  });

  it('refuses a trust policy naming a role this stack creates only later (IAM: "Invalid principal in policy")', async () => {
    const first = unique('trusting');
    const second = unique('trusted');
    const trust = (arn: string) =>
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: arn }, Action: 'sts:AssumeRole' }] });
    const stack = (dependsOn: boolean): TerraformJson => ({
      resource: {
        aws_iam_role: {
          a: { name: first, assume_role_policy: trust(`arn:aws:iam::000000000000:role/${second}`), ...(dependsOn ? { depends_on: ['aws_iam_role.b'] } : {}) },
          b: { name: second, assume_role_policy: LAMBDA_TRUST },
        },
      },
    });
    const error = await refusal(apply(stack(false)));
    expect(error.message).toMatch(/^aws_iam_role\.a: MalformedPolicyDocument: Invalid principal in policy/);
    expect(emulator.account.roleByName(first)).toBeUndefined();
  });

  it('applies a function with its package, configuration and a permission; the API invokes it', async () => {
    const name = unique('greeter');
    const applied = await apply({
      resource: {
        aws_iam_role: { r: { name: unique('greeter-role'), assume_role_policy: LAMBDA_TRUST } },
        aws_lambda_function: {
          f: {
            function_name: name,
            role: '${aws_iam_role.r.arn}',
            runtime: 'nodejs22.x',
            handler: 'index.handler',
            filename: 'fn.zip',
            timeout: 7,
            memory_size: 256,
            environment: [{ variables: { GREETING: 'hello' } }],
          },
        },
        aws_apigatewayv2_api: { api: { name: 'a', protocol_type: 'HTTP' } },
        aws_apigatewayv2_stage: { s: { api_id: '${aws_apigatewayv2_api.api.id}', name: '$default', auto_deploy: true } },
        aws_apigatewayv2_integration: {
          i: {
            api_id: '${aws_apigatewayv2_api.api.id}',
            integration_type: 'AWS_PROXY',
            integration_uri: '${aws_lambda_function.f.invoke_arn}',
            payload_format_version: '2.0',
          },
        },
        aws_apigatewayv2_route: {
          r: { api_id: '${aws_apigatewayv2_api.api.id}', route_key: 'GET /hello', target: 'integrations/${aws_apigatewayv2_integration.i.id}' },
        },
        aws_lambda_permission: {
          p: {
            statement_id: 'api',
            action: 'lambda:InvokeFunction',
            function_name: '${aws_lambda_function.f.function_name}',
            principal: 'apigateway.amazonaws.com',
            source_arn: '${aws_apigatewayv2_api.api.execution_arn}/*/*',
          },
        },
      },
    });
    expect(emulator.lambda.getFunction(name)).toMatchObject({ timeoutSeconds: 7, memoryMb: 256, environment: { GREETING: 'hello' }, runtime: 'nodejs22.x' });
    expect(applied.resources.get('aws_lambda_function.f')!.attributes).toMatchObject({
      arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
      invoke_arn: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${name}/invocations`,
    });
    const response = await fetch(`${emulator.httpApi!.url}/hello`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });
});

describe('applyStack: topic rules, event source mappings and reserved concurrency', () => {
  const IOT_TRUST = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  const sendTo = (queueArn: string) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn }] });
  const waitFor = async (check: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  /** A queue, a role IoT may assume that may send to it (or not), and a rule `SELECT * FROM '<topic>'` with the given action blocks. */
  function ruleStack(topic: string, action: Record<string, unknown>, options: { mayRoleSend?: boolean } = {}): TerraformJson {
    return {
      resource: {
        aws_sqs_queue: { q: { name: unique('rule-target') }, failures: { name: unique('rule-failures') } },
        aws_iam_role: { iot: { name: unique('iot-rule'), assume_role_policy: IOT_TRUST } },
        aws_iam_role_policy: {
          send: {
            role: '${aws_iam_role.iot.id}',
            name: unique('send'),
            policy: options.mayRoleSend === false ? sendTo('${aws_sqs_queue.failures.arn}') : sendTo('${aws_sqs_queue.q.arn}'),
          },
          failures: { role: '${aws_iam_role.iot.id}', name: unique('send-failures'), policy: sendTo('${aws_sqs_queue.failures.arn}') },
        },
        aws_iot_topic_rule: {
          r: {
            name: unique('rule').replace(/-/g, '_'),
            enabled: true,
            sql: `SELECT * FROM '${topic}'`,
            sql_version: '2016-03-23',
            ...action,
            error_action: { sqs: { queue_url: '${aws_sqs_queue.failures.url}', role_arn: '${aws_iam_role.iot.arn}', use_base64: false } },
            depends_on: ['aws_iam_role_policy.send', 'aws_iam_role_policy.failures'],
          },
        },
      },
    };
  }
  const sqsAction = { sqs: [{ queue_url: '${aws_sqs_queue.q.url}', role_arn: '${aws_iam_role.iot.arn}', use_base64: false }] };

  it("applies a topic rule's SQS action: what the rule selects is sent to the queue as the body, as IoT with the rule's role", async () => {
    const topic = unique('sensors/sqs');
    const applied = await apply(ruleStack(topic, sqsAction));
    const queue = emulator.sqs.queueByName(String(applied.resources.get('aws_sqs_queue.q')!.attributes.name))!;
    await emulator.broker.publish({ topic, payload: Buffer.from('{"t":21}'), qos: 0, retain: false });
    await waitFor(() => queue.depth === 1);
    expect(queue.peek().map((m) => m.body)).toEqual(['{"t":21}']);
  });

  it("sends what the rule's role may not send to the error action's queue, with the reason", async () => {
    const topic = unique('sensors/denied');
    const applied = await apply(ruleStack(topic, sqsAction, { mayRoleSend: false }));
    const queue = emulator.sqs.queueByName(String(applied.resources.get('aws_sqs_queue.q')!.attributes.name))!;
    const failures = emulator.sqs.queueByName(String(applied.resources.get('aws_sqs_queue.failures')!.attributes.name))!;
    await emulator.broker.publish({ topic, payload: Buffer.from('{"t":22}'), qos: 0, retain: false });
    await waitFor(() => failures.depth === 1);
    expect(queue.depth).toBe(0);
    const message = JSON.parse(failures.peek()[0]!.body) as { failures: Array<Record<string, string>> };
    expect(message.failures).toEqual([
      { failedAction: 'SqsAction', failedResource: queue.url, errorMessage: expect.stringMatching(/may not sqs:SendMessage/) },
    ]);
  });

  it('refuses a rule with two actions, or none, and an action type it does not emulate by name', async () => {
    const both = await refusal(apply(ruleStack(unique('t'), { ...sqsAction, lambda: [{ function_arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' }] })));
    expect(both.message).toMatch(/^aws_iot_topic_rule\.r: the local rules engine runs rules with exactly one action/);
    const none = await refusal(apply(ruleStack(unique('t'), {})));
    expect(none.message).toMatch(/exactly one action/);
    const other = await refusal(apply(ruleStack(unique('t'), { dynamodb: [{ table_name: 't' }] })));
    expect(other.message).toMatch(/dynamodb/);
  });

  function mappingStack(mapping: Record<string, unknown>, fn: Record<string, unknown> = {}): TerraformJson {
    return {
      resource: {
        aws_sqs_queue: { q: { name: unique('esm'), visibility_timeout_seconds: 30 } },
        aws_iam_role: { r: { name: unique('esm-role'), assume_role_policy: LAMBDA_TRUST } },
        aws_iam_role_policy: {
          p: {
            role: '${aws_iam_role.r.id}',
            name: unique('consume'),
            policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: '*' }],
            }),
          },
        },
        aws_lambda_function: {
          f: { function_name: unique('esm-fn'), role: '${aws_iam_role.r.arn}', runtime: 'nodejs22.x', handler: 'index.handler', filename: 'fn.zip', ...fn },
        },
        aws_lambda_event_source_mapping: {
          m: {
            event_source_arn: '${aws_sqs_queue.q.arn}',
            function_name: '${aws_lambda_function.f.arn}',
            function_response_types: ['ReportBatchItemFailures'],
            depends_on: ['aws_iam_role_policy.p'],
            ...mapping,
          },
        },
      },
    };
  }

  it('applies a mapping with a batching window and a maximum concurrency, and refuses batches over 10 without a window as Lambda does', async () => {
    const applied = await apply(mappingStack({ batch_size: 100, maximum_batching_window_in_seconds: 1, scaling_config: { maximum_concurrency: 2 } }));
    expect(applied.resources.get('aws_lambda_event_source_mapping.m')!.attributes).toMatchObject({ state: 'Enabled', uuid: expect.any(String) });
    const refused = await refusal(apply(mappingStack({ batch_size: 100 })));
    expect(refused.message).toBe(
      'aws_lambda_event_source_mapping.m: InvalidParameterValueException: Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10',
    );
    const tooLong = await refusal(apply(mappingStack({ batch_size: 10, maximum_batching_window_in_seconds: 301 })));
    expect(tooLong.message).toMatch(/MaximumBatchingWindowInSeconds must be 0-300/);
    const tooFew = await refusal(apply(mappingStack({ scaling_config: { maximum_concurrency: 1 } })));
    expect(tooFew.message).toMatch(/MaximumConcurrency must be 2-1000/);
  });

  it("applies a function's reserved concurrency (-1 is unreserved) and refuses one beyond the account's", async () => {
    const reservedApply = await apply(mappingStack({}, { reserved_concurrent_executions: 3 }));
    const reservedName = String(reservedApply.resources.get('aws_lambda_function.f')!.args.function_name);
    expect(emulator.lambda.getFunction(reservedName)?.reservedConcurrency).toBe(3);
    const unreservedApply = await apply(mappingStack({}, { reserved_concurrent_executions: -1 }));
    expect(
      emulator.lambda.getFunction(String(unreservedApply.resources.get('aws_lambda_function.f')!.args.function_name))?.reservedConcurrency,
    ).toBeUndefined();
    const refused = await refusal(apply(mappingStack({}, { reserved_concurrent_executions: 100_000 })));
    expect(refused.message).toMatch(/^aws_lambda_function\.f: InvalidParameterValueException: ReservedConcurrentExecutions must be an integer from 0/);
  });
});
