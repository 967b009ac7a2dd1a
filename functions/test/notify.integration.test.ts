/**
 * Notifications end to end on the applied stack: an event put on the app's bus with the AWS SDK's EventBridgeClient
 * (or packages/realtime-server) goes through the bus's rule to the notify function, which publishes it to the right
 * inbox and no other; the job worker announces finished jobs the same way; a failing target is retried and lands in
 * the dead-letter queue; a role without events:PutEvents on the bus is refused.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { ReceiveMessageCommand, type ReceiveMessageCommandOutput, SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeNotifier, IotNotifier, NotifyFailedError } from '@iot-realtime/realtime-server';
import { publisherPolicy } from '../../core/access/service-policies.js';
import { JOB_COMPLETED_NOTIFICATION } from '../../core/contracts/jobs.js';
import { NOTIFICATION_DETAIL_TYPE, type Notification } from '../../core/contracts/notifications.js';
import { eventBusName, eventRuleArn, notificationFailuresQueueName, notificationRule } from '../../core/event-rules.js';
import { policy } from '../../core/policy/document.js';
import { TopicScheme } from '../../core/topics.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, appSubscriber, appToken } from '../../test/support/local-api.js';
import { producerPolicy, roleSession } from '../../test/support/local-roles.js';
import { sleep, type TestClient } from '../../test/support/mqtt.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const { region, accountId } = LOCAL_DEPLOYMENT;
const BUS = eventBusName(LOCAL_DEPLOYMENT);
let stack: LocalStack;
const api = apiClient(() => stack);
const open: TestClient[] = [];

beforeAll(async () => {
  // Lambda's asynchronous retries and the jobs queue's redelivery shortened to 200 ms (local knob).
  stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [], logger: memoryLogger(), functionLogLevel: 'SILENT', jobRetryDelayMs: 200 });
}, 120_000);
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => stack.close());

/** A user's MQTT connection with credentials from POST /credentials, subscribed to their own subtree and broadcast. */
async function subscriber(userId: string): Promise<TestClient> {
  const { client } = await appSubscriber(stack, api, await appToken(api, userId));
  open.push(client);
  await client.client.subscribeAsync([topics.userFilter(userId), topics.broadcast()], { qos: 1 });
  return client;
}

const events = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = LOCAL_ADMIN_CREDENTIALS) =>
  new EventBridgeClient({ region, endpoint: stack.emulator.url, credentials });
const entry = (detail: unknown, source = 'com.example.billing') => ({
  EventBusName: BUS,
  Source: source,
  DetailType: NOTIFICATION_DETAIL_TYPE,
  Detail: JSON.stringify(detail),
});
const parse = (m: { payload: string }) => JSON.parse(m.payload) as Notification;
const isNotification = (m: { payload: string }) => (JSON.parse(m.payload) as { type?: unknown }).type === 'notification';
/** The next notification on `topic` (presence notices in room inboxes are skipped). */
const nextNotification = async (client: TestClient, topic: string, timeoutMs = 5000) => parse(await client.next(topic, timeoutMs, isNotification));
/** Notifications a client got (presence notices aside). */
const notificationsOf = (client: TestClient) => client.messages.filter(isNotification);

async function deadLetters(count: number, timeoutMs = 15_000): Promise<NonNullable<ReceiveMessageCommandOutput['Messages']>> {
  const sqs = new SQSClient({ region, endpoint: stack.emulator.url, credentials: LOCAL_ADMIN_CREDENTIALS });
  const queueUrl = stack.emulator.sqs.queueByName(notificationFailuresQueueName(LOCAL_DEPLOYMENT))!.url;
  const found: NonNullable<ReceiveMessageCommandOutput['Messages']> = [];
  const deadline = Date.now() + timeoutMs;
  while (found.length < count && Date.now() < deadline) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    found.push(...(out.Messages ?? []));
  }
  return found;
}

describe('PutEvents -> rule -> notify -> the right inbox', () => {
  it("delivers a notification to one user's notifications topic, with EventBridge's event id, and to nobody else", async () => {
    const [alice, bob] = await Promise.all([subscriber('alice'), subscriber('bob')]);
    const started = Date.now();
    const put = await events().send(
      new PutEventsCommand({ Entries: [entry({ to: { kind: 'user', userId: 'alice' }, type: 'invoice.ready', data: { invoiceId: 'inv-7', total: 42 } })] }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const received = await nextNotification(alice, topics.userNotifications('alice'), 5000);
    expect(received).toEqual({
      type: 'notification',
      eventId: put.Entries![0]!.EventId,
      source: 'com.example.billing',
      notification: { type: 'invoice.ready', data: { invoiceId: 'inv-7', total: 42 } },
      sentAt: expect.stringMatching(/Z$/),
      audience: 'user',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    await sleep(300);
    expect(notificationsOf(bob)).toEqual([]);
    expect(notificationsOf(alice)).toEqual([]);
  });

  it("delivers a room's notification to the inbox of that room of each current member, and to no one outside it", async () => {
    // The demo data: alice and bob are in "general", carol in no room.
    const [alice, bob, carol] = await Promise.all([subscriber('alice'), subscriber('bob'), subscriber('carol')]);
    await events().send(
      new PutEventsCommand({ Entries: [entry({ to: { kind: 'room', roomId: 'general' }, type: 'deploy.finished', data: { version: '1.4.2' } })] }),
    );
    for (const [client, user] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ] as const) {
      const received = await nextNotification(client, topics.inbox(user, 'general'));
      expect(received).toMatchObject({
        type: 'notification',
        audience: 'room',
        roomId: 'general',
        notification: { type: 'deploy.finished', data: { version: '1.4.2' } },
      });
    }
    await sleep(300);
    expect(notificationsOf(carol)).toEqual([]);
  });

  it('delivers a notification for everyone on the broadcast topic', async () => {
    const carol = await subscriber('carol');
    await events().send(new PutEventsCommand({ Entries: [entry({ to: { kind: 'everyone' }, type: 'maintenance', data: null })] }));
    expect(await nextNotification(carol, topics.broadcast(), 5000)).toMatchObject({ audience: 'everyone', notification: { type: 'maintenance', data: null } });
  });

  it('leaves events the rule does not match on the bus (another detail-type, an unknown recipient kind)', async () => {
    const alice = await subscriber('alice');
    await events().send(
      new PutEventsCommand({
        Entries: [
          { ...entry({ to: { kind: 'user', userId: 'alice' }, type: 'x' }), DetailType: 'Order Placed' },
          entry({ to: { kind: 'team', teamId: 'a' }, type: 'x' }),
        ],
      }),
    );
    await sleep(800);
    await stack.idle();
    expect(notificationsOf(alice)).toEqual([]);
  });
});

describe('producers: packages/realtime-server and the managed policy', () => {
  it('notifies through EventBridge from a role with the producer policy attached; a role without it is refused', async () => {
    const alice = await subscriber('alice');
    const allowed = roleSession(stack, 'notify-it-producer', [producerPolicy(stack)]);
    const notifier = new EventBridgeNotifier<{ 'order.shipped': { orderId: string } }>({
      eventBusName: BUS,
      source: 'com.example.orders',
      client: new EventBridgeClient({ region, endpoint: stack.emulator.url, credentials: allowed }),
    });
    const { eventId } = await notifier.notify({ to: { kind: 'user', userId: 'alice' }, type: 'order.shipped', data: { orderId: 'o-1' } });
    expect(await nextNotification(alice, topics.userNotifications('alice'), 5000)).toMatchObject({ eventId, source: 'com.example.orders' });

    const refused = roleSession(stack, 'notify-it-not-a-producer', [
      {
        name: 'other-bus',
        document: policy({ Effect: 'Allow', Action: 'events:PutEvents', Resource: `arn:aws:events:${region}:${accountId}:event-bus/default` }),
      },
    ]);
    const intruder = new EventBridgeNotifier({ eventBusName: BUS, source: 'com.example.intruder', client: events(refused) });
    const failure = await intruder.notify({ to: { kind: 'user', userId: 'alice' }, type: 'spoof', data: {} }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NotifyFailedError);
    expect(failure).toMatchObject({ code: 'AccessDeniedException', retryable: false });
    await expect(events(refused).send(new PutEventsCommand({ Entries: [entry({ to: { kind: 'everyone' }, type: 'x' })] }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await sleep(300);
    expect(notificationsOf(alice)).toEqual([]);
  });

  it('notifies one user straight through the IoT data plane with a publish grant on notifications topics only', async () => {
    const alice = await subscriber('alice');
    const grant = roleSession(stack, 'notify-it-direct', [{ name: 'publish-notifications', document: publisherPolicy(LOCAL_DEPLOYMENT, 'notifications') }]);
    const iot = new IoTDataPlaneClient({ region, endpoint: stack.emulator.url, credentials: grant });
    const direct = new IotNotifier({ app: LOCAL_DEPLOYMENT.app, stage: LOCAL_DEPLOYMENT.stage, source: 'com.example.reports', client: iot });
    const sent = await direct.notify({ to: { kind: 'user', userId: 'alice' }, type: 'report.ready', data: { url: '/r/1' } });
    expect(sent.topic).toBe(topics.userNotifications('alice'));
    expect(await nextNotification(alice, sent.topic, 5000)).toMatchObject({ eventId: sent.eventId, audience: 'user', notification: { type: 'report.ready' } });
    // The same role may not publish to a room inbox.
    await expect(
      iot.send(new PublishCommand({ topic: topics.inbox('alice', 'general'), qos: 1, payload: new TextEncoder().encode('{}') })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses a notification that breaks the contract before anything is sent', async () => {
    const notifier = new EventBridgeNotifier({ eventBusName: BUS, source: 'com.example.orders', client: events() });
    await expect(notifier.notify({ to: { kind: 'user', userId: 'a/b' }, type: 'x', data: {} })).rejects.toMatchObject({
      name: 'InvalidNotificationError',
      problems: [expect.stringContaining('"to.userId" must be a user id')],
    });
    expect(() => new EventBridgeNotifier({ eventBusName: BUS, source: 'aws.s3' })).toThrow(/must be 1-256 characters and not start with "aws."/);
  });
});

describe('the job worker announces finished jobs through the bus', () => {
  it('POST /jobs: the owner gets the job.completed notification after the job events', async () => {
    const alice = await subscriber('alice');
    const res = await api('POST', '/jobs', { token: await appToken(api, 'alice'), body: { kind: 'report', steps: 2, stepMs: 10 } });
    expect(res.status).toBe(202);
    const received = await nextNotification(alice, topics.userNotifications('alice'), 10_000);
    expect(received).toMatchObject({
      source: `${LOCAL_DEPLOYMENT.app}.jobs`,
      notification: { type: JOB_COMPLETED_NOTIFICATION, data: { jobId: res.body.jobId, kind: 'report', status: 'succeeded' } },
    });
  });
});

describe('failures land in the dead-letter queue', () => {
  it('a target that fails is retried by Lambda, then its event goes to the dead-letter queue with the reason', async () => {
    const before = stack.emulator.lambda.stats(`${LOCAL_DEPLOYMENT.app}-${LOCAL_DEPLOYMENT.stage}-notify`).errors;
    // It matches the rule, but "a/b" is no user id: the function fails on every attempt.
    const put = await events().send(new PutEventsCommand({ Entries: [entry({ to: { kind: 'user', userId: 'a/b' }, type: 'broken' })] }));
    const [record] = await deadLetters(1);
    const body = JSON.parse(record!.Body!) as {
      requestContext: Record<string, unknown>;
      requestPayload: { id: string };
      responsePayload: { errorType: string; errorMessage: string };
    };
    // "Configuring destinations for asynchronous invocation": the invocation record, after the two retries.
    expect(body.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    expect(body.requestPayload.id).toBe(put.Entries![0]!.EventId);
    expect(body.responsePayload).toMatchObject({ errorType: 'ContractViolationError', errorMessage: expect.stringContaining('"to.userId"') });
    expect(stack.emulator.lambda.stats(`${LOCAL_DEPLOYMENT.app}-${LOCAL_DEPLOYMENT.stage}-notify`).errors - before).toBe(3);
  });

  it("an event EventBridge cannot hand to a target goes to the queue with EventBridge's attributes, under the stack's queue policy", async () => {
    // A second target on the stack's rule: a function whose resource-based policy does not let EventBridge in.
    const rule = stack.emulator.events.rule(BUS, `${LOCAL_DEPLOYMENT.app}-${LOCAL_DEPLOYMENT.stage}-notifications`)!;
    expect(rule.arn).toBe(eventRuleArn(LOCAL_DEPLOYMENT, notificationRule(LOCAL_DEPLOYMENT)));
    const health = stack.emulator.lambda.functionArn(`${LOCAL_DEPLOYMENT.app}-${LOCAL_DEPLOYMENT.stage}-health`);
    const dlq = stack.emulator.sqs.queueByName(notificationFailuresQueueName(LOCAL_DEPLOYMENT))!;
    stack.emulator.events.putTarget(rule, { id: 'not-allowed', arn: health, deadLetterArn: dlq.arn });
    try {
      await subscriber('dora');
      const put = await events().send(new PutEventsCommand({ Entries: [entry({ to: { kind: 'user', userId: 'dora' }, type: 'x' })] }));
      const [record] = await deadLetters(1);
      expect(JSON.parse(record!.Body!)).toMatchObject({ id: put.Entries![0]!.EventId, 'detail-type': NOTIFICATION_DETAIL_TYPE });
      expect(Object.fromEntries(Object.entries(record!.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue]))).toEqual({
        RULE_ARN: rule.arn,
        TARGET_ARN: health,
        ERROR_CODE: 'NO_PERMISSIONS',
        ERROR_MESSAGE: expect.any(String),
        RETRY_ATTEMPTS: '0',
      });
    } finally {
      rule.targets.delete('not-allowed');
    }
  });
});
