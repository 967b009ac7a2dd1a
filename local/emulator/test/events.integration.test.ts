/**
 * The emulator's EventBridge with the AWS SDK v3 EventBridgeClient, unchanged: PutEvents (SigV4, IAM on the bus,
 * per-entry results), TestEventPattern, and delivery to a real function running in the emulator's Lambda service,
 * invoked as events.amazonaws.com for the rule (its resource-based policy decides), with undeliverable events in the
 * target's dead-letter queue under the queue policy EventBridge needs ("Granting permissions to the dead-letter queue").
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, type ReceiveMessageCommandOutput, SQSClient } from '@aws-sdk/client-sqs';
import { strToU8, zipSync } from 'fflate';
import { policy } from '../../../core/policy/document.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import type { EventRule } from '../services/events/service.js';

const { region, accountId } = LOCAL_DEPLOYMENT;
let emulator: TestEmulator;
let dir: string;
let rule: EventRule;
let orphanRule: EventRule;
const received = () =>
  readFileSync(join(dir, 'events.jsonl'), { encoding: 'utf8', flag: 'a+' })
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { id: string; source: string; 'detail-type': string; detail: Record<string, unknown>; account: string });

const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = adminCredentials) =>
  new EventBridgeClient({ region, endpoint: emulator.url, credentials });

async function until<T>(read: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'events-it-'));
  emulator = await startTestEmulator({ lambda: { codeDir: join(dir, 'code') } });
  const role = {
    name: 'events-it-fn',
    arn: `arn:aws:iam::${accountId}:role/events-it-fn`,
    trust: policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    policies: [],
    maxSessionDurationSeconds: 3600,
  };
  emulator.account.createRole(role);
  // A real function: it appends each event it gets to a file.
  const zip = zipSync({
    'index.mjs': strToU8(
      "import { appendFileSync } from 'node:fs';\nexport const handler = async (event) => { appendFileSync(process.env.OUT, JSON.stringify(event) + '\\n'); };\n",
    ),
  });
  for (const name of ['events-it-target', 'events-it-unreachable'])
    emulator.lambda.createFunction({
      functionName: name,
      roleArn: role.arn,
      handler: 'index.handler',
      runtime: 'nodejs22.x',
      timeoutSeconds: 5,
      memoryMb: 128,
      environment: { OUT: join(dir, 'events.jsonl') },
      zip,
    });
  const bus = emulator.events.createEventBus('events-it-bus');
  rule = emulator.events.putRule({
    name: 'orders-shipped',
    busName: bus.name,
    pattern: JSON.stringify({ source: ['com.example.orders'], 'detail-type': ['Order Shipped'], detail: { weight: [{ numeric: ['>', 0] }] } }),
    enabled: true,
  });
  const dlq = emulator.sqs.createQueue({ name: 'events-it-dlq', attributes: {} });
  emulator.events.putTarget(rule, {
    id: 'target',
    arn: emulator.lambda.functionArn('events-it-target'),
    retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60 },
    deadLetterArn: dlq.arn,
  });
  emulator.lambda.addPermission('events-it-target', {
    statementId: 'AllowEventBridge',
    action: 'lambda:InvokeFunction',
    principal: 'events.amazonaws.com',
    sourceArn: rule.arn,
  });
  // A second rule whose target's policy does not allow it: its events go straight to the dead-letter queue.
  orphanRule = emulator.events.putRule({
    name: 'orders-cancelled',
    busName: bus.name,
    pattern: JSON.stringify({ 'detail-type': ['Order Cancelled'] }),
    enabled: true,
  });
  emulator.events.putTarget(orphanRule, { id: 'unreachable', arn: emulator.lambda.functionArn('events-it-unreachable'), deadLetterArn: dlq.arn });
  dlq.policy = policy({
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: dlq.arn,
    Condition: { ArnEquals: { 'aws:SourceArn': orphanRule.arn } },
  });
});

afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

const shipped = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  EventBusName: 'events-it-bus',
  Source: 'com.example.orders',
  DetailType: 'Order Shipped',
  Detail: JSON.stringify(detail),
  ...extra,
});

describe('PutEvents', () => {
  it('takes events with the SDK and delivers those the rule matches to its function, as EventBridge events', async () => {
    const result = await client().send(
      new PutEventsCommand({
        Entries: [shipped({ orderId: 'o-1', weight: 3 }), shipped({ orderId: 'o-2', weight: 0 }), shipped({ orderId: 'o-3', weight: 7 })],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    expect(result.Entries).toHaveLength(3);
    const ids = result.Entries!.map((e) => e.EventId);
    await until(() => (received().length >= 2 ? true : undefined));
    await emulator.lambda.idle();
    // o-2 weighs 0: the numeric pattern refuses it. (EventBridge does not promise an order; the test sorts.)
    expect(
      received()
        .map((e) => e.detail.orderId)
        .sort(),
    ).toEqual(['o-1', 'o-3']);
    expect(received().find((e) => e.detail.orderId === 'o-1')).toMatchObject({
      version: '0',
      id: ids[0],
      'detail-type': 'Order Shipped',
      source: 'com.example.orders',
      account: accountId,
      region,
      resources: [],
      detail: { orderId: 'o-1', weight: 3 },
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  });

  it('answers each entry in order: an EventId, or the error EventBridge gives it', async () => {
    const result = await client().send(
      new PutEventsCommand({
        Entries: [
          shipped({ weight: 1 }),
          { EventBusName: 'events-it-bus', DetailType: 'Order Shipped', Detail: '{}' },
          shipped({}, { Detail: '{"weight": ' }),
          shipped({}, { Detail: '[1, 2]' }),
          shipped({ weight: 1 }, { Source: 'aws.s3' }),
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(4);
    expect(result.Entries).toEqual([
      { EventId: expect.any(String) },
      { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
    ]);
  });

  it('refuses a request of more than 10 entries, over 256 KB, or to a bus that does not exist', async () => {
    await expect(client().send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => shipped({ weight: 1 })) }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(client().send(new PutEventsCommand({ Entries: [shipped({ blob: 'x'.repeat(300 * 1024) })] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    await expect(client().send(new PutEventsCommand({ Entries: [shipped({ weight: 1 }, { EventBusName: 'no-such-bus' })] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('refuses a principal without events:PutEvents on the bus (AccessDeniedException), and lets one with it put events', async () => {
    const make = (name: string, resource: string) => {
      const r = {
        name,
        arn: `arn:aws:iam::${accountId}:role/${name}`,
        trust: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }),
        policies: [{ name: 'put', document: policy({ Effect: 'Allow', Action: 'events:PutEvents', Resource: resource }) }],
        maxSessionDurationSeconds: 3600,
      };
      emulator.account.createRole(r);
      const session = emulator.account.startRoleSession(r, 'producer', new Date(Date.now() + 3_600_000));
      return { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken! };
    };
    const otherBus = make('events-it-other-bus', emulator.events.busArn('another-bus'));
    const thisBus = make('events-it-this-bus', emulator.events.busArn('events-it-bus'));
    const before = emulator.denials().length;
    await expect(client(otherBus).send(new PutEventsCommand({ Entries: [shipped({ weight: 1 })] }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        'is not authorized to perform: events:PutEvents on resource: arn:aws:events:us-east-1:000000000000:event-bus/events-it-bus',
      ),
    });
    expect(emulator.denials().length).toBe(before + 1);
    expect((await client(thisBus).send(new PutEventsCommand({ Entries: [shipped({ weight: 1 })] }))).FailedEntryCount).toBe(0);
    await expect(
      new EventBridgeClient({ region, endpoint: emulator.url, credentials: { accessKeyId: adminCredentials.accessKeyId, secretAccessKey: 'wrong' } }).send(
        new PutEventsCommand({ Entries: [shipped({ weight: 1 })] }),
      ),
    ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
  });
});

describe('dead-letter queue', () => {
  it("sends an event whose target's policy does not allow the rule straight to the DLQ, with EventBridge's attributes", async () => {
    const result = await client().send(
      new PutEventsCommand({
        Entries: [{ EventBusName: 'events-it-bus', Source: 'com.example.orders', DetailType: 'Order Cancelled', Detail: '{"orderId":"o-9"}' }],
      }),
    );
    const sqs = new SQSClient({ region, endpoint: emulator.url, credentials: adminCredentials });
    const queueUrl = emulator.sqs.queueByName('events-it-dlq')!.url;
    let messages: ReceiveMessageCommandOutput['Messages'];
    const deadline = Date.now() + 5000;
    do {
      messages = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }))).Messages;
    } while (!messages?.length && Date.now() < deadline);
    const dead = messages?.[0];
    expect(JSON.parse(dead!.Body!)).toMatchObject({ id: result.Entries![0]!.EventId, detail: { orderId: 'o-9' } });
    const attributes = Object.fromEntries(Object.entries(dead!.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]));
    expect(attributes).toEqual({
      RULE_ARN: orphanRule.arn,
      TARGET_ARN: emulator.lambda.functionArn('events-it-unreachable'),
      ERROR_CODE: 'NO_PERMISSIONS',
      ERROR_MESSAGE: expect.stringContaining('events.amazonaws.com is not authorized to perform: lambda:InvokeFunction'),
      RETRY_ATTEMPTS: '0',
    });
    expect(dead!.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    expect(received().some((e) => e.detail.orderId === 'o-9')).toBe(false);
  });

  it("drops (and logs) an undeliverable event when the queue's policy does not allow EventBridge for that rule", async () => {
    emulator.lambda.addPermission('events-it-unreachable', {
      statementId: 'Other',
      action: 'lambda:InvokeFunction',
      principal: 'events.amazonaws.com',
      sourceArn: `${rule.arn}-other`,
    });
    const other = emulator.events.putRule({ name: 'orders-returned', busName: 'events-it-bus', pattern: '{"detail-type":["Order Returned"]}', enabled: true });
    emulator.events.putTarget(other, {
      id: 'unreachable',
      arn: emulator.lambda.functionArn('events-it-unreachable'),
      deadLetterArn: emulator.sqs.queueByName('events-it-dlq')!.arn,
    });
    await client().send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'events-it-bus', Source: 'com.example.orders', DetailType: 'Order Returned', Detail: '{}' }] }),
    );
    await until(() => emulator.logs.find((e) => e.message === 'event dropped: the dead-letter queue refused it'));
    expect(
      emulator.sqs
        .queueByName('events-it-dlq')!
        .peek()
        .some((m) => m.body.includes('Order Returned')),
    ).toBe(false);
  });
});

describe('TestEventPattern', () => {
  const event = JSON.stringify({
    id: 'e1',
    account: accountId,
    source: 'com.example.orders',
    time: '2026-01-01T00:00:00Z',
    region,
    resources: [],
    'detail-type': 'Order Shipped',
    detail: { weight: 3, carrier: 'UPS' },
  });

  it('answers with the same matcher the rules use', async () => {
    const test = (pattern: unknown) => client().send(new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: event }));
    expect((await test({ detail: { carrier: [{ 'equals-ignore-case': 'ups' }] } })).Result).toBe(true);
    expect((await test({ detail: { weight: [{ numeric: ['>', 5] }] } })).Result).toBe(false);
  });

  it('refuses an invalid pattern (an operator that is not emulated, by name) and an event without the mandatory fields', async () => {
    await expect(client().send(new TestEventPatternCommand({ EventPattern: '{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}', Event: event }))).rejects.toMatchObject(
      { name: 'InvalidEventPatternException', message: expect.stringContaining('"cidr"') },
    );
    await expect(client().send(new TestEventPatternCommand({ EventPattern: '{"source":["x"]}', Event: '{"source":"x"}' }))).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringContaining('missing id, account, time, region, resources, detail-type'),
    });
  });
});
