/**
 * The Realtime construct in a user's own CDK Terrain stack, with their own roles let in by its grant helpers: the
 * notifications ingress it creates (bus, rule, target with retry policy and dead-letter queue, permissions) and the
 * documents the grants attach, evaluated with core/policy as AWS would evaluate them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IamRole } from '@cdktn/provider-aws/lib/iam-role/index.js';
import { AwsProvider } from '@cdktn/provider-aws/lib/provider/index.js';
import { TerraformStack, Testing } from 'cdktn';
import { NOTIFICATION_DETAIL_TYPE } from '../../core/contracts/notifications.js';
import { notificationRule } from '../../core/event-rules.js';
import type { PolicyDocument } from '../../core/policy/document.js';
import { evaluatePolicies, type NamedPolicy } from '../../core/policy/evaluator.js';
import { compileEventPattern, matchesEventPattern } from '../../local/emulator/services/events/pattern.js';
import { Realtime } from '../constructs/realtime.js';
import { builtFunctions, resolveForAws, TEST_ACCOUNT, type TerraformJson, testConfig } from './synthesized.js';

const BUS_ARN = `arn:aws:events:eu-west-1:${TEST_ACCOUNT}:event-bus/iot-realtime-test-events`;
const RULE_ARN = `arn:aws:events:eu-west-1:${TEST_ACCOUNT}:rule/iot-realtime-test-events/iot-realtime-test-notifications`;
const DLQ_ARN = `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-notify-failures`;
const topic = (name: string) => `arn:aws:iot:eu-west-1:${TEST_ACCOUNT}:topic/iot-realtime/test/${name}`;

let json: TerraformJson;
let realtime: Realtime;
const resources = (type: string): Array<Record<string, unknown> & { __id: string }> =>
  Object.entries(json.resource[type] ?? {}).map(([id, r]) => ({ __id: id, ...r }));
/** A document as AWS would receive it: Terraform's escapes and the references of this stack resolved to test values. */
const documentOf = (raw: unknown): PolicyDocument =>
  JSON.parse(
    resolveForAws(String(raw))
      .replace(/\$\{aws_cloudwatch_event_rule\.[^.]+\.arn\}/g, RULE_ARN)
      .replace(/\$\{aws_sqs_queue\.realtime_notifications_failures[^.]*\.arn\}/g, DLQ_ARN),
  ) as PolicyDocument;

beforeAll(async () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'user-stack');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  realtime = new Realtime(stack, 'realtime', testConfig(await builtFunctions()));
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
  const orders = new IamRole(stack, 'orders-role', { name: 'orders-service', assumeRolePolicy: trust });
  const reports = new IamRole(stack, 'reports-role', { name: 'reports-service', assumeRolePolicy: trust });
  realtime.grantNotify(orders);
  realtime.grantPublish(reports, 'notifications');
  const outdir = Testing.fullSynth(stack);
  json = JSON.parse(readFileSync(join(outdir, 'stacks', 'user-stack', 'cdk.tf.json'), 'utf8')) as TerraformJson;
}, 180_000);

describe('the Realtime construct in a user stack', () => {
  it('creates the whole backend under its own path (outputs keep their plain names): functions, API, IoT rule, and the notifications ingress', () => {
    expect(resources('aws_lambda_function').map((f) => f.function_name)).toContain('iot-realtime-test-notify');
    expect(resources('aws_apigatewayv2_api')).toHaveLength(1);
    expect(resources('aws_iot_topic_rule')).toHaveLength(1);
    expect(resources('aws_cloudwatch_event_bus')).toEqual([expect.objectContaining({ name: 'iot-realtime-test-events' })]);
    expect(Object.keys(json.output)).toEqual(expect.arrayContaining(['event_bus_name', 'event_bus_arn', 'notification_producer_policy_arn']));
  });

  it("declares core's notification rule on the app's bus: the pattern matches notification events and nothing else", () => {
    const [rule] = resources('aws_cloudwatch_event_rule');
    expect(rule).toMatchObject({
      name: 'iot-realtime-test-notifications',
      state: 'ENABLED',
      event_bus_name: expect.stringContaining('aws_cloudwatch_event_bus.'),
    });
    expect(JSON.parse(String(rule!.event_pattern))).toEqual(notificationRule({ app: 'iot-realtime', stage: 'test' }).pattern);
    const pattern = compileEventPattern(String(rule!.event_pattern));
    const event = (detailType: string) => ({ 'detail-type': detailType, source: 'x', detail: { to: { kind: 'user', userId: 'u' }, type: 't' } });
    expect(matchesEventPattern(pattern, event(NOTIFICATION_DETAIL_TYPE))).toBe(true);
    expect(matchesEventPattern(pattern, event('Something Else'))).toBe(false);
  });

  it('targets the notify function with a retry policy and the dead-letter queue, which only EventBridge for that rule may write to', () => {
    const [target] = resources('aws_cloudwatch_event_target');
    const notify = resources('aws_lambda_function').find((f) => f.function_name === 'iot-realtime-test-notify')!;
    const queue = resources('aws_sqs_queue').find((q) => q.name === 'iot-realtime-test-notify-failures')!;
    expect(target).toMatchObject({
      target_id: 'notify',
      arn: `\${aws_lambda_function.${notify.__id}.arn}`,
      retry_policy: { maximum_retry_attempts: 8, maximum_event_age_in_seconds: 3600 },
      dead_letter_config: { arn: `\${aws_sqs_queue.${queue.__id}.arn}` },
    });
    const [queuePolicy] = resources('aws_sqs_queue_policy');
    expect(queuePolicy!.queue_url).toBe(`\${aws_sqs_queue.${queue.__id}.url}`);
    const document: NamedPolicy = { name: 'queue policy', document: documentOf(queuePolicy!.policy) };
    const send = (service: string, sourceArn: string) =>
      evaluatePolicies([document], {
        action: 'sqs:SendMessage',
        resource: DLQ_ARN,
        principal: { type: 'Service', id: service },
        context: { 'aws:SourceArn': sourceArn },
      }).allowed;
    expect(send('events.amazonaws.com', RULE_ARN)).toBe(true);
    expect(send('events.amazonaws.com', `${RULE_ARN}-other`)).toBe(false);
    expect(send('sns.amazonaws.com', RULE_ARN)).toBe(false);
  });

  it('lets EventBridge invoke the notify function for that rule only, and sends its own failures to the same queue', () => {
    const permission = resources('aws_lambda_permission').find((p) => p.principal === 'events.amazonaws.com');
    expect(permission).toMatchObject({ action: 'lambda:InvokeFunction', source_arn: expect.stringMatching(/^\$\{aws_cloudwatch_event_rule\.[^.]+\.arn\}$/) });
    const notify = resources('aws_lambda_function').find((f) => f.function_name === 'iot-realtime-test-notify')!;
    const queue = resources('aws_sqs_queue').find((q) => q.name === 'iot-realtime-test-notify-failures')!;
    const async = resources('aws_lambda_function_event_invoke_config').find((c) => c.function_name === `\${aws_lambda_function.${notify.__id}.function_name}`);
    expect(async).toMatchObject({ maximum_retry_attempts: 2, destination_config: { on_failure: { destination: `\${aws_sqs_queue.${queue.__id}.arn}` } } });
  });
});

describe('grants for the user’s own functions', () => {
  const attachedTo = (roleName: string) => {
    const role = resources('aws_iam_role').find((r) => r.name === roleName)!;
    return { role, attachments: resources('aws_iam_role_policy_attachment').filter((a) => a.role === `\${aws_iam_role.${role.__id}.name}`) };
  };

  it('grantNotify attaches the managed producer policy: events:PutEvents on the app bus, nothing else', () => {
    const { attachments } = attachedTo('orders-service');
    expect(attachments).toHaveLength(1);
    const [policy] = resources('aws_iam_policy');
    expect(attachments[0]!.policy_arn).toBe(`\${aws_iam_policy.${policy!.__id}.arn}`);
    const document: NamedPolicy = { name: String(policy!.name), document: documentOf(policy!.policy) };
    const can = (action: string, resource: string) => evaluatePolicies([document], { action, resource }).allowed;
    expect(can('events:PutEvents', BUS_ARN)).toBe(true);
    expect(can('events:PutEvents', `arn:aws:events:eu-west-1:${TEST_ACCOUNT}:event-bus/default`)).toBe(false);
    expect(can('events:PutRule', BUS_ARN)).toBe(false);
    expect(can('iot:Publish', topic('broadcast'))).toBe(false);
    // Nothing is granted to the role that was not asked.
    expect(attachedTo('reports-service').attachments).toEqual([]);
  });

  it("grantPublish('notifications') lets a role publish to users' notifications topics only", () => {
    const { role } = attachedTo('reports-service');
    const policies = resources('aws_iam_role_policy')
      .filter((p) => p.role === `\${aws_iam_role.${role.__id}.name}`)
      .map((p) => ({ name: String(p.name), document: documentOf(p.policy) }));
    expect(policies.map((p) => p.name)).toEqual(['iot-realtime-test-publish-notifications']);
    const publish = (name: string) => evaluatePolicies(policies, { action: 'iot:Publish', resource: topic(name) }).allowed;
    expect(publish('users/alice/notifications')).toBe(true);
    expect(publish('users/eu-west-1:0f3c1d2e-0000-4000-8000-000000000001/notifications')).toBe(true);
    expect(publish('users/alice/rooms/general')).toBe(false);
    expect(publish('users/alice/jobs/j1')).toBe(false);
    expect(publish('broadcast')).toBe(false);
    expect(
      evaluatePolicies(policies, { action: 'iot:Subscribe', resource: `arn:aws:iot:eu-west-1:${TEST_ACCOUNT}:topicfilter/iot-realtime/test/#` }).allowed,
    ).toBe(false);
    expect(evaluatePolicies(policies, { action: 'events:PutEvents', resource: BUS_ARN }).allowed).toBe(false);
  });

  it('grantPublish refuses to grant nothing', () => {
    const role = { name: 'x', node: { id: 'x' } } as unknown as IamRole;
    expect(() => realtime.grantPublish(role)).toThrow(/name at least one family of topics \(inboxes, jobs, notifications, broadcast\)/);
  });
});
