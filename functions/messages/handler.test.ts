import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { TopicScheme } from '../../core/topics.js';
import { baseEnv, context, fakeCaller, httpEvent, silentLogger, unitTestAws } from '../../test/fixtures/events.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import { IotDataPublisher, SqsFanoutQueue } from '../shared/aws-adapters.js';
import { memoryMetrics } from '../shared/metrics.js';
import { createMessagesHandler } from './handler.js';

const iotData = mockClient(IoTDataPlaneClient);
const sqs = mockClient(SQSClient);
const store = new MemoryRoomStore();
await store.createRoom({ roomId: 'general', name: 'General', createdBy: 'alice', createdAt: '2030-01-01T00:00:00.000Z' });
await store.addMember('general', 'bob', 'alice');
await store.createRoom({ roomId: 'ops', name: 'Ops', createdBy: 'alice', createdAt: '2030-01-01T00:00:00.000Z' });
let ids = 0;
const limiter = memoryRateLimiter(8);
const metrics = memoryMetrics();
const handler = createMessagesHandler({
  rateLimiter: limiter,
  metrics,
  logger: silentLogger(),
  resolveCaller: fakeCaller,
  store,
  publisher: new IotDataPublisher(new IoTDataPlaneClient(unitTestAws)),
  fanoutQueue: new SqsFanoutQueue(new SQSClient(unitTestAws), baseEnv.FANOUT_QUEUE_URL),
  clock: { now: () => new Date('2030-01-01T00:00:00Z') },
  newMessageId: () => `m-${++ids}`,
  topics: new TopicScheme({ app: 'app', stage: 'test' }),
  historyTtlSeconds: 86_400,
  directFanoutMax: 50,
  publishConcurrency: 4,
});

const post = (body: string, headers: Record<string, string> = { authorization: 'Bearer alice' }, roomId = 'general') =>
  handler(httpEvent({ path: `/rooms/${roomId}/messages`, routeKey: 'POST /rooms/{roomId}/messages', pathParameters: { roomId }, headers, body }), context);

beforeEach(() => {
  iotData.reset();
  sqs.reset();
  limiter.consumed.length = 0;
  for (const key of Object.keys(metrics.totals)) delete metrics.totals[key as keyof typeof metrics.totals];
});

describe('POST /rooms/{roomId}/messages', () => {
  it("publishes with QoS 1 to each member's inbox through the data plane and answers 202", async () => {
    iotData.on(PublishCommand).resolves({});
    const res = await post('{"text":"hi"}');
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body!) as { messageId: string };
    expect(body).toEqual({ messageId: body.messageId, roomId: 'general', sentAt: '2030-01-01T00:00:00.000Z' });
    const inputs = iotData.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.topic).sort()).toEqual(['app/test/users/alice/rooms/general', 'app/test/users/bob/rooms/general']);
    expect(inputs.every((i) => i.qos === 1)).toBe(true);
    expect(JSON.parse(new TextDecoder().decode(inputs[0]!.payload as Uint8Array))).toMatchObject({
      messageId: body.messageId,
      from: 'alice',
      fromName: 'Alice',
      text: 'hi',
    });
  });

  it('hands the inboxes IoT throttled to the fan-out queue and still answers 202', async () => {
    iotData.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }));
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }], Failed: [] });
    expect((await post('{"text":"hi"}')).statusCode).toBe(202);
    const entries = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input.Entries!;
    expect(JSON.parse(entries[0]!.MessageBody!).recipients.sort()).toEqual(['alice', 'bob']);
  });

  it('answers 503 with Retry-After when neither IoT nor the queue can take the message', async () => {
    iotData.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }));
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('slow'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const res = await post('{"text":"hi"}');
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '1' });
    expect(JSON.parse(res.body!)).toEqual({ error: 'service_unavailable', message: 'could not hand the message to the fan-out queue; please retry shortly' });
  });

  it('answers 401 without a token, 404 to non-members (as for a room that does not exist), 400/415/413 for bad input, without publishing', async () => {
    expect((await post('{"text":"hi"}', {})).statusCode).toBe(401);
    const foreign = await post('{"text":"hi"}', { authorization: 'Bearer bob' }, 'ops');
    const missing = await post('{"text":"hi"}', { authorization: 'Bearer bob' }, 'opz');
    expect([foreign.statusCode, missing.statusCode]).toEqual([404, 404]);
    expect(JSON.parse(missing.body!).message.replace('opz', 'ops')).toBe(JSON.parse(foreign.body!).message);
    expect((await post('{"text":"hi"}', { authorization: 'Bearer alice' }, 'gen#')).statusCode).toBe(400);
    expect((await post('{"text":')).statusCode).toBe(400);
    expect((await post('{"text":"hi"}', { authorization: 'Bearer alice', 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await post(JSON.stringify({ text: 'x'.repeat(17_000) }))).statusCode).toBe(413);
    expect(iotData.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('never leaks internals in error bodies', async () => {
    iotData.on(PublishCommand).rejects(new Error('socket hang up at 10.0.0.1:443 secret=abc'));
    sqs.on(SendMessageBatchCommand).rejects(new Error('connect ECONNREFUSED 10.0.0.2:443'));
    const res = await post('{"text":"hi"}');
    expect(res.statusCode).toBeGreaterThanOrEqual(500);
    expect(res.body).not.toContain('10.0.0');
    expect(res.body).not.toContain('stack');
  });

  it('answers 429 with Retry-After once the sender is over their limit, without publishing', async () => {
    iotData.on(PublishCommand).resolves({});
    for (let i = 0; i < 8; i += 1) expect((await post('{"text":"hi"}')).statusCode).toBe(202);
    iotData.reset();
    const refused = await post('{"text":"hi"}');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '42' });
    expect(JSON.parse(refused.body!)).toEqual({ error: 'too_many_requests', message: 'too many requests: at most 8' });
    // A malformed body is refused before anything is read or counted.
    expect((await post('{"text":')).statusCode).toBe(400);
    expect(iotData.commandCalls(PublishCommand)).toHaveLength(0);
    // bob has his own count.
    iotData.on(PublishCommand).resolves({});
    expect((await post('{"text":"hi"}', { authorization: 'Bearer bob' })).statusCode).toBe(202);
    expect(metrics.totals.RateLimited).toBe(1);
  });

  it('counts the fan-out size of each message', async () => {
    iotData.on(PublishCommand).resolves({});
    await post('{"text":"one"}');
    await post('{"text":"two"}');
    expect(metrics.totals.FanoutRecipients).toBe(4);
  });

  it('answers a retry with the same Idempotency-Key with the same status and body, marked as a replay', async () => {
    iotData.on(PublishCommand).resolves({});
    const headers = { authorization: 'Bearer alice', 'idempotency-key': '"8e03978e-40d5-43e8-bc93-6894a57f9324"' };
    const first = await post('{"text":"exactly once"}', headers);
    const again = await post('{"text":"exactly once"}', { ...headers, 'idempotency-key': '8e03978e-40d5-43e8-bc93-6894a57f9324' });
    expect(first.statusCode).toBe(202);
    expect([again.statusCode, again.body]).toEqual([202, first.body]);
    expect(again.headers).toMatchObject({ 'idempotent-replayed': 'true' });
    expect(first.headers?.['idempotent-replayed']).toBeUndefined();
    expect(store.messages.get('general')!.filter((m) => m.message.text === 'exactly once')).toHaveLength(1);
    const reused = await post('{"text":"something else"}', headers);
    expect(reused.statusCode).toBe(422);
    expect(JSON.parse(reused.body!)).toMatchObject({ error: 'idempotency_key_reused' });
  });

  it.each([
    ['that is empty', ''],
    ['that is too long', 'k'.repeat(129)],
    ['with spaces', 'two words'],
    ['with a comma (two header values)', 'a,b'],
    ['with a control character', 'a\u0001b'],
  ])('answers 400 naming the header to an Idempotency-Key %s, storing nothing', async (_name, key) => {
    const before = store.messages.get('general')?.length ?? 0;
    const res = await post('{"text":"hi"}', { authorization: 'Bearer alice', 'idempotency-key': key });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).message).toMatch(/^the idempotency-key header /);
    expect(store.messages.get('general')?.length ?? 0).toBe(before);
  });
});
