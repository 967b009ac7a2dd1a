import { TopicScheme } from '../../core/topics.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import { RoundTripRecorder, recordingPublisher, recordingQueue, rejectionOf } from '../../test/support/recording.js';
import type { Caller } from '../shared/caller.js';
import {
  IdempotencyKeyReusedError,
  PayloadTooLargeError,
  PublishFailedError,
  RoomNotFoundError,
  TooManyRequestsError,
  ValidationError,
} from '../shared/errors.js';
import { unlimited } from '../shared/ports.js';
import { MAX_TEXT_LENGTH, type PostMessageDependencies, postRoomMessage, roomHistory } from './core.js';

const topics = new TopicScheme({ app: 'app', stage: 'test' });
const alice: Caller = { userId: 'alice', kind: 'app', displayName: 'Alice' };
const bob: Caller = { userId: 'bob', kind: 'app', displayName: 'Bob' };
const carol: Caller = { userId: 'carol', kind: 'app', displayName: 'Carol' };
const SENT_AT = '2030-01-01T00:00:00.123Z';

async function setup(members: string[], overrides: Partial<PostMessageDependencies> = {}) {
  const store = new MemoryRoomStore();
  await store.createRoom({ roomId: 'general', name: 'General', createdBy: 'alice', createdAt: '2030-01-01T00:00:00.000Z' });
  for (const m of members) await store.addMember('general', m, 'alice');
  let n = 0;
  const publisher = recordingPublisher();
  const fanoutQueue = recordingQueue();
  const deps: PostMessageDependencies = {
    store,
    publisher,
    fanoutQueue,
    rateLimiter: unlimited,
    clock: { now: () => new Date(SENT_AT) },
    newMessageId: () => `m${++n}`,
    topics,
    historyTtlSeconds: 30 * 86_400,
    directFanoutMax: 50,
    publishConcurrency: 8,
    ...overrides,
  };
  return { store, publisher, fanoutQueue, deps };
}

const post = (deps: PostMessageDependencies, caller: Caller, body: unknown, idempotencyKey?: string, roomId = 'general') =>
  postRoomMessage({ caller, roomId, body, idempotencyKey }, deps);

describe('postRoomMessage', () => {
  it("stores the message with the sender's display name and publishes it with QoS 1 to every member's inbox", async () => {
    const { store, publisher, fanoutQueue, deps } = await setup(['bob']);
    const out = await post(deps, alice, { text: '  hello  ' });
    expect(out).toMatchObject({ replayed: false, response: { statusCode: 202, body: { messageId: 'm1', roomId: 'general', sentAt: SENT_AT } } });
    const payload = { type: 'message', messageId: 'm1', roomId: 'general', from: 'alice', fromName: 'Alice', text: 'hello', sentAt: SENT_AT };
    expect(publisher.published.sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: 'app/test/users/alice/rooms/general', qos: 1, payload },
      { topic: 'app/test/users/bob/rooms/general', qos: 1, payload },
    ]);
    expect(fanoutQueue.tasks).toEqual([]);
    const kept = store.messages.get('general')![0]!;
    expect(kept.message).toEqual({ messageId: 'm1', roomId: 'general', from: 'alice', fromName: 'Alice', text: 'hello', sentAt: SENT_AT });
    expect(kept.expiresAt).toBe(Math.floor(Date.parse(SENT_AT) / 1000) + 30 * 86_400);
  });

  it('gives non-members the same 404 for a room they are not in and for one that does not exist, and stores nothing', async () => {
    const { store, publisher, deps } = await setup(['bob']);
    const foreign = await rejectionOf(post(deps, carol, { text: 'x' }));
    const missing = await rejectionOf(post(deps, carol, { text: 'x' }, undefined, 'general-x'));
    expect(foreign).toBeInstanceOf(RoomNotFoundError);
    expect(missing).toBeInstanceOf(RoomNotFoundError);
    expect(missing.message.replace('general-x', 'general')).toBe(foreign.message);
    expect(publisher.published).toEqual([]);
    expect(store.messages.size).toBe(0);
  });

  it('stops delivering to a removed member on the very next message', async () => {
    const { store, publisher, deps } = await setup(['bob']);
    await post(deps, alice, { text: 'one' });
    await store.removeMember('general', 'bob', 'alice');
    await post(deps, alice, { text: 'two' });
    expect(publisher.to('bob').map((p) => (p as { text: string }).text)).toEqual(['one']);
    await expect(post(deps, bob, { text: 'still here?' })).rejects.toBeInstanceOf(RoomNotFoundError);
  });

  it.each([
    ['a body that is not an object', 'text'],
    ['a missing text', {}],
    ['a text that is not a string', { text: 42 }],
    ['a blank text', { text: '   ' }],
  ])('answers 400 to %s, before any store read', async (_name, body) => {
    const recorder = new RoundTripRecorder();
    const { deps } = await setup([]);
    await expect(post({ ...deps, store: recorder.wrap(deps.store, 'store') }, alice, body)).rejects.toThrow(ValidationError);
    expect(recorder.calls).toEqual([]);
  });

  it('answers 413 to a text over the limit, and accepts one at the limit', async () => {
    const { deps } = await setup([]);
    await expect(post(deps, alice, { text: 'x'.repeat(MAX_TEXT_LENGTH + 1) })).rejects.toThrow(PayloadTooLargeError);
    await expect(post(deps, alice, { text: 'x'.repeat(MAX_TEXT_LENGTH) })).resolves.toMatchObject({ response: { body: { messageId: 'm1' } } });
  });

  it('hands members it could not reach to the fan-out queue instead of losing them', async () => {
    const { fanoutQueue, deps } = await setup(['bob', 'carol'], { publisher: recordingPublisher(new Set(['carol'])) });
    const out = await post(deps, alice, { text: 'x' });
    expect(out.delivery).toEqual({ members: 3, direct: 2, queued: 1 });
    expect(fanoutQueue.tasks).toEqual([{ message: expect.objectContaining({ messageId: 'm1' }), recipients: ['carol'] }]);
  });

  it('hands a room above the direct threshold to the queue in batches of 100, every member exactly once', async () => {
    const members = Array.from({ length: 250 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    const { publisher, fanoutQueue, deps } = await setup(members);
    const out = await post(deps, alice, { text: 'x' });
    expect(out.delivery).toEqual({ members: 251, direct: 0, queued: 251 });
    expect(publisher.published).toEqual([]);
    expect(fanoutQueue.tasks.map((t) => t.recipients.length)).toEqual([100, 100, 51]);
    expect(new Set(fanoutQueue.tasks.flatMap((t) => t.recipients)).size).toBe(251);
  });

  it('fails (for a retry) when even the queue cannot take the undelivered members', async () => {
    const { deps } = await setup(['bob'], {
      publisher: recordingPublisher(new Set(['bob'])),
      fanoutQueue: { send: () => Promise.reject(new PublishFailedError('queue down', true)) },
    });
    await expect(post(deps, alice, { text: 'x' })).rejects.toThrow('queue down');
  });

  it('makes at most two sequential store round trips before publishing, the rate limit counted alongside the first', async () => {
    const recorder = new RoundTripRecorder();
    const { deps } = await setup(['bob', 'carol']);
    await post(
      { ...deps, store: recorder.wrap(deps.store, 'store'), rateLimiter: recorder.rateLimiter(unlimited), publisher: recorder.publisher(deps.publisher) },
      bob,
      { text: 'x' },
      'key-1',
    );
    expect(recorder.sequentialBeforePublish()).toEqual({ depth: 2, chain: ['store.openRoom', 'store.putMessage'] });
    expect(recorder.calls.map((c) => c.name).sort()).toEqual(['rateLimiter.consume', 'store.openRoom', 'store.putMessage']);
  });

  it('looks the sender up only when they are not on the first page of a large room', async () => {
    const members = Array.from({ length: 120 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    const recorder = new RoundTripRecorder();
    const { deps } = await setup(members);
    const store = recorder.wrap(deps.store, 'store');
    const last: Caller = { userId: 'u119', kind: 'app', displayName: 'U119' };
    await post({ ...deps, store, publisher: recorder.publisher(deps.publisher) }, last, { text: 'x' });
    expect(recorder.calls.map((c) => c.name)).toEqual(['store.openRoom', 'store.getMembership', 'store.putMessage', 'store.listMembers']);
  });

  it('refuses a sender over their rate limit with 429, and stores nothing', async () => {
    const { store, deps } = await setup(['bob'], { rateLimiter: memoryRateLimiter(1) });
    await post(deps, alice, { text: 'one' });
    await expect(post(deps, alice, { text: 'two' })).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(store.messages.get('general')).toHaveLength(1);
  });
});

describe('postRoomMessage with an Idempotency-Key', () => {
  it('stores one message for a key and answers a retry with the first response, delivering the same message again', async () => {
    const { store, publisher, deps } = await setup(['bob']);
    const first = await post(deps, alice, { text: 'once' }, 'k1');
    const retry = await post(deps, alice, { text: 'once' }, 'k1');
    expect(retry).toMatchObject({ replayed: true, response: first.response });
    expect(store.messages.get('general')).toHaveLength(1);
    // Members de-duplicate by messageId: the copy the retry delivers carries the first one's id and time.
    expect(new Set(publisher.to('bob').map((p) => (p as { messageId: string }).messageId))).toEqual(new Set(['m1']));
  });

  it('answers 422 to the same key with another text, and keeps keys of different users apart', async () => {
    const { store, deps } = await setup(['bob']);
    await post(deps, alice, { text: 'once' }, 'k1');
    await expect(post(deps, alice, { text: 'twice' }, 'k1')).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(post(deps, bob, { text: 'once' }, 'k1')).resolves.toMatchObject({ replayed: false });
    expect(store.messages.get('general')!.map((m) => m.message.from)).toEqual(['alice', 'bob']);
  });

  it('yields one message for concurrent duplicates', async () => {
    const { store, deps } = await setup(['bob']);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => post(deps, alice, { text: 'burst' }, 'k-burst')));
    expect(store.messages.get('general')).toHaveLength(1);
    expect(new Set(outcomes.map((o) => JSON.stringify(o.response)))).toEqual(new Set([JSON.stringify(outcomes[0]!.response)]));
    expect(outcomes.filter((o) => !o.replayed)).toHaveLength(1);
  });
});

describe('roomHistory', () => {
  it('pages history oldest first for members, and answers 404 to non-members', async () => {
    const { deps } = await setup(['bob']);
    for (const text of ['a', 'b', 'c', 'd', 'e']) await post(deps, alice, { text });
    const newest = await roomHistory(bob, 'general', { limit: 2 }, deps);
    expect(newest.messages.map((m) => m.text)).toEqual(['d', 'e']);
    const older = await roomHistory(bob, 'general', { limit: 2, before: newest.nextCursor! }, deps);
    expect(older.messages.map((m) => m.text)).toEqual(['b', 'c']);
    const oldest = await roomHistory(bob, 'general', { limit: 2, before: older.nextCursor! }, deps);
    expect(oldest).toEqual({ messages: [expect.objectContaining({ text: 'a', from: 'alice', fromName: 'Alice' })] });
    await expect(roomHistory(carol, 'general', { limit: 2 }, deps)).rejects.toThrow(RoomNotFoundError);
    await expect(roomHistory(carol, 'nope', { limit: 2 }, deps)).rejects.toThrow(RoomNotFoundError);
  });
});
