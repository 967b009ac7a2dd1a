/**
 * The applier's EventBridge, managed policy and queue policy handlers: a small configuration in the JSON `npm run synth`
 * writes, applied to the emulator, then used with the SDK; arguments and documents AWS (or the emulator) would refuse
 * stop the apply with the reason.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import { applyStack } from '../apply.js';
import type { TerraformJson, TerraformObject } from '../terraform-json.js';

const { region, accountId } = LOCAL_DEPLOYMENT;
let emulator: TestEmulator;
beforeEach(async () => {
  emulator = await startTestEmulator();
});
afterEach(async () => emulator.close());

const putEvents = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '${aws_cloudwatch_event_bus.bus.arn}' }] };
const queuePolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: '${aws_sqs_queue.dlq.arn}',
      Condition: { ArnEquals: { 'aws:SourceArn': '${aws_cloudwatch_event_rule.rule.arn}' } },
    },
  ],
};

function config(overrides: Record<string, Record<string, TerraformObject>> = {}): TerraformJson {
  const resource: Record<string, Record<string, TerraformObject>> = {
    aws_cloudwatch_event_bus: { bus: { name: 'app-events' } },
    aws_cloudwatch_event_rule: {
      rule: {
        name: 'app-notifications',
        event_bus_name: '${aws_cloudwatch_event_bus.bus.name}',
        event_pattern: '{"detail-type":["Realtime Notification"]}',
        state: 'ENABLED',
      },
    },
    aws_cloudwatch_event_target: {
      target: {
        rule: '${aws_cloudwatch_event_rule.rule.name}',
        event_bus_name: '${aws_cloudwatch_event_bus.bus.name}',
        target_id: 'notify',
        arn: `arn:aws:lambda:${region}:${accountId}:function:app-notify`,
        retry_policy: { maximum_retry_attempts: 4, maximum_event_age_in_seconds: 600 },
        dead_letter_config: { arn: '${aws_sqs_queue.dlq.arn}' },
      },
    },
    aws_sqs_queue: { dlq: { name: 'app-notify-failures' } },
    aws_sqs_queue_policy: { dlq: { queue_url: '${aws_sqs_queue.dlq.url}', policy: JSON.stringify(queuePolicy) } },
    aws_iam_policy: { producer: { name: 'app-notification-producer', policy: JSON.stringify(putEvents) } },
    aws_iam_role: {
      producer: {
        name: 'app-producer',
        assume_role_policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      },
    },
    aws_iam_role_policy_attachment: { producer: { role: '${aws_iam_role.producer.name}', policy_arn: '${aws_iam_policy.producer.arn}' } },
  };
  for (const [type, blocks] of Object.entries(overrides)) resource[type] = { ...resource[type], ...blocks };
  return { resource };
}

/** Applies on a fresh emulator (a configuration is applied once, as `terraform apply` creates each resource once). */
async function apply(json: TerraformJson) {
  await emulator.close();
  emulator = await startTestEmulator();
  return applyStack(json, { emulator, stackDir: '/nonexistent' });
}

describe('EventBridge, managed policies and queue policies in the applier', () => {
  it('creates the bus, the rule with its target (retry policy, DLQ), the queue policy, and attaches the managed policy', async () => {
    const applied = await apply(config());
    const rule = emulator.events.rule('app-events', 'app-notifications')!;
    expect(rule.arn).toBe(`arn:aws:events:${region}:${accountId}:rule/app-events/app-notifications`);
    expect(applied.resources.get('aws_cloudwatch_event_rule.rule')!.attributes.id).toBe('app-events/app-notifications');
    expect(rule.targets.get('notify')).toEqual({
      id: 'notify',
      arn: `arn:aws:lambda:${region}:${accountId}:function:app-notify`,
      retryPolicy: { maximumRetryAttempts: 4, maximumEventAgeSeconds: 600 },
      deadLetterArn: `arn:aws:sqs:${region}:${accountId}:app-notify-failures`,
    });
    expect(emulator.sqs.queueByName('app-notify-failures')!.policy?.Statement[0]).toMatchObject({
      Condition: { ArnEquals: { 'aws:SourceArn': rule.arn } },
    });
    // The attached managed policy is what lets a session of the role put events on the bus, and nothing else.
    const role = emulator.account.roleByName('app-producer')!;
    const session = emulator.account.startRoleSession(role, 'producer', new Date(Date.now() + 3_600_000));
    const client = new EventBridgeClient({
      region,
      endpoint: emulator.url,
      credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken! },
    });
    const entry = { Source: 'com.example', DetailType: 'Other', Detail: '{}' };
    expect((await client.send(new PutEventsCommand({ Entries: [{ ...entry, EventBusName: 'app-events' }] }))).FailedEntryCount).toBe(0);
    await expect(client.send(new PutEventsCommand({ Entries: [entry] }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('refuses by name the arguments it does not emulate (input transformers, schedules)', async () => {
    await expect(
      apply(config({ aws_cloudwatch_event_target: { target: { ...config().resource!.aws_cloudwatch_event_target!.target!, input: '{}' } } })),
    ).rejects.toThrow(/aws_cloudwatch_event_target.target: argument "input" is not understood by the local applier/);
    await expect(
      apply(
        config({ aws_cloudwatch_event_rule: { rule: { ...config().resource!.aws_cloudwatch_event_rule!.rule!, schedule_expression: 'rate(5 minutes)' } } }),
      ),
    ).rejects.toThrow(/argument "schedule_expression" is not understood/);
  });

  it('refuses what EventBridge refuses: a pattern it cannot parse, a retry policy out of range, a target that is not a function', async () => {
    const rule = config().resource!.aws_cloudwatch_event_rule!.rule!;
    const target = config().resource!.aws_cloudwatch_event_target!.target!;
    await expect(apply(config({ aws_cloudwatch_event_rule: { rule: { ...rule, event_pattern: '{"source":[{"cidr":"10.0.0.0/8"}]}' } } }))).rejects.toThrow(
      /InvalidEventPatternException: .*"cidr"/,
    );
    await expect(apply(config({ aws_cloudwatch_event_target: { target: { ...target, retry_policy: { maximum_retry_attempts: 186 } } } }))).rejects.toThrow(
      /MaximumRetryAttempts must be 0-185/,
    );
    await expect(
      apply(config({ aws_cloudwatch_event_target: { target: { ...target, arn: `arn:aws:sqs:${region}:${accountId}:somewhere` } } })),
    ).rejects.toThrow(/only Lambda function targets are emulated/);
  });

  it('refuses a queue policy statement it would not evaluate (a Deny, an AWS principal) and an attachment of a policy the stack does not create', async () => {
    const deny = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: '*' }] };
    await expect(apply(config({ aws_sqs_queue_policy: { dlq: { queue_url: '${aws_sqs_queue.dlq.url}', policy: JSON.stringify(deny) } } }))).rejects.toThrow(
      /InvalidAttributeValue: the local SQS evaluates queue policies with Allow statements for service principals only/,
    );
    await expect(
      apply(
        config({
          aws_iam_role_policy_attachment: { producer: { role: '${aws_iam_role.producer.name}', policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess' } },
        }),
      ),
    ).rejects.toThrow(/NoSuchEntity: Policy arn:aws:iam::aws:policy\/AdministratorAccess does not exist or is not attachable/);
  });

  it('the applied queue policy lets EventBridge send for the rule it names, and for no other rule', async () => {
    await apply(config());
    const queue = emulator.sqs.queueByName('app-notify-failures')!;
    expect(() =>
      emulator.sqs.sendAsService(
        queue.arn,
        { service: 'events.amazonaws.com', sourceArn: `arn:aws:events:${region}:${accountId}:rule/app-events/other`, sourceAccount: accountId },
        '{}',
      ),
    ).toThrow(/may not sqs:SendMessage/);
    expect(
      emulator.sqs.sendAsService(
        queue.arn,
        { service: 'events.amazonaws.com', sourceArn: emulator.events.rule('app-events', 'app-notifications')!.arn, sourceAccount: accountId },
        '{}',
      ).messageId,
    ).toEqual(expect.any(String));
  });
});
