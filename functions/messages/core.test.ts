import type { FanoutTask } from '../../core/contracts/fanout.js';
import { TopicScheme } from '../../core/topics.js';
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import type { Caller } from '../shared/caller.js';
import { ForbiddenError, PayloadTooLargeError, PublishFailedError, ValidationError } from '../shared/errors.js';
import type { FanoutQueue, Publisher } from '../shared/ports.js';
import { MAX_TEXT_LENGTH, type PostMessageDependencies, postRoomMessage, roomHistory } from './core.js';

const topics = new TopicScheme({ app: 'app', stage: 'test' });
const alice: Caller = { userId: 'alice', kind: 'app' };
const bob: Caller = { userId: 'bob', kind: 'app' };
const carol: Caller = { userId: 'carol', kind: 'app' };

function recordingPublisher(failFor: ReadonlySet<string> = new Set()): Publisher & { published: Array<{ topic: string; payload: unknown; qos: number }> } {
  const published: Array<{ topic: string; payload: unknown; qos: number }> = [];
  return {
    published,
    async publish(topic, payload, qos) {
      if ([...failFor].some((u) => topic.includes(`/users/${u}/`))) throw new PublishFailedError('throttled', true);
      published.push({ topic, payload, qos });
    },
  };
}

function recordingQueue(): FanoutQueue & { tasks: FanoutTask[] } {
  const tasks: FanoutTask[] = [];
  return { tasks, send: async (t) => void tasks.push(...t) };
}

async function setup(members: string[], overrides: Partial<PostMessageDependencies> = {}) {
  const store = new MemoryRoomStore();
  await store.createRoom({ roomId: 'general', name: 'General', createdBy: 'alice', createdAt: '' });
  for (const m of members) await store.putMember('general', m, 'member');
  let n = 0;
  const publisher = recordingPublisher();
  const fanoutQueue = recordingQueue();
  const deps: PostMessageDependencies = {
    store,
    publisher,
    fanoutQueue,
    clock: { now: () => new Date('2030-01-01T00:00:00.123Z') },
    newMessageId: () => `m${++n}`,
    topics,
    historyTtlSeconds: 30 * 86_400,
    directFanoutMax: 50,
    publishConcurrency: 8,
    ...overrides,
  };
  return { store, publisher, fanoutQueue, deps };
}

describe('postRoomMessage', () => {
  it("stores the message and publishes it with QoS 1 to every member's inbox, never to a shared topic", async () => {
    const { store, publisher, fanoutQueue, deps } = await setup(['bob']);
    const out = await postRoomMessage({ caller: alice, roomId: 'general', body: { text: '  hello  ' } }, deps);
    expect(out.accepted).toEqual({ messageId: 'm1', roomId: 'general', sentAt: '2030-01-01T00:00:00.123Z' });
    const payload = { type: 'message', messageId: 'm1', roomId: 'general', from: 'alice', text: 'hello', sentAt: '2030-01-01T00:00:00.123Z' };
    expect(publisher.published.sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: 'app/test/users/alice/rooms/general', qos: 1, payload },
      { topic: 'app/test/users/bob/rooms/general', qos: 1, payload },
    ]);
    expect(fanoutQueue.tasks).toEqual([]);
    const kept = store.messages.get('general')![0]!;
    expect(kept.message).toEqual({ messageId: 'm1', roomId: 'general', from: 'alice', text: 'hello', sentAt: '2030-01-01T00:00:00.123Z' });
    expect(kept.expiresAt).toBe(Math.floor(Date.parse('2030-01-01T00:00:00.123Z') / 1000) + 30 * 86_400);
  });

  it('refuses non-members with 403 before looking at the body, and stores nothing', async () => {
    const { store, publisher, deps } = await setup(['bob']);
    await expect(postRoomMessage({ caller: carol, roomId: 'general', body: null }, deps)).rejects.toThrow(ForbiddenError);
    await expect(postRoomMessage({ caller: carol, roomId: 'nope', body: { text: 'x' } }, deps)).rejects.toThrow(ForbiddenError);
    expect(publisher.published).toEqual([]);
    expect(store.messages.size).toBe(0);
  });

  it('stops delivering to a removed member on the very next message', async () => {
    const { store, publisher, deps } = await setup(['bob']);
    await postRoomMessage({ caller: alice, roomId: 'general', body: { text: 'one' } }, deps);
    await store.removeMember('general', 'bob');
    await postRoomMessage({ caller: alice, roomId: 'general', body: { text: 'two' } }, deps);
    expect(publisher.published.filter((p) => p.topic.includes('/users/bob/')).map((p) => (p.payload as { text: string }).text)).toEqual(['one']);
  });

  it.each([
    ['a body that is not an object', 'text'],
    ['a missing text', {}],
    ['a text that is not a string', { text: 42 }],
    ['a blank text', { text: '   ' }],
  ])('answers 400 to %s', async (_name, body) => {
    const { deps } = await setup([]);
    await expect(postRoomMessage({ caller: alice, roomId: 'general', body }, deps)).rejects.toThrow(ValidationError);
  });

  it('answers 413 to a text over the limit, and accepts one at the limit', async () => {
    const { deps } = await setup([]);
    await expect(postRoomMessage({ caller: alice, roomId: 'general', body: { text: 'x'.repeat(MAX_TEXT_LENGTH + 1) } }, deps)).rejects.toThrow(
      PayloadTooLargeError,
    );
    await expect(postRoomMessage({ caller: alice, roomId: 'general', body: { text: 'x'.repeat(MAX_TEXT_LENGTH) } }, deps)).resolves.toMatchObject({
      accepted: { messageId: 'm1' },
    });
  });

  it('hands members it could not reach to the fan-out queue instead of losing them', async () => {
    const { fanoutQueue, deps } = await setup(['bob', 'carol'], { publisher: recordingPublisher(new Set(['carol'])) });
    const out = await postRoomMessage({ caller: alice, roomId: 'general', body: { text: 'x' } }, deps);
    expect(out.delivery).toEqual({ members: 3, direct: 2, queued: 1 });
    expect(fanoutQueue.tasks).toEqual([{ message: expect.objectContaining({ messageId: 'm1' }), recipients: ['carol'] }]);
  });

  it('hands a room above the direct threshold to the queue in batches of 100, every member exactly once', async () => {
    const members = Array.from({ length: 250 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    const { publisher, fanoutQueue, deps } = await setup(members);
    const out = await postRoomMessage({ caller: alice, roomId: 'general', body: { text: 'x' } }, deps);
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
    await expect(postRoomMessage({ caller: alice, roomId: 'general', body: { text: 'x' } }, deps)).rejects.toThrow('queue down');
  });
});

describe('roomHistory', () => {
  it('pages history oldest first for members, and refuses non-members', async () => {
    const { deps } = await setup(['bob']);
    for (const text of ['a', 'b', 'c', 'd', 'e']) await postRoomMessage({ caller: alice, roomId: 'general', body: { text } }, deps);
    const newest = await roomHistory(bob, 'general', { limit: 2 }, deps);
    expect(newest.messages.map((m) => m.text)).toEqual(['d', 'e']);
    const older = await roomHistory(bob, 'general', { limit: 2, before: newest.nextCursor! }, deps);
    expect(older.messages.map((m) => m.text)).toEqual(['b', 'c']);
    const oldest = await roomHistory(bob, 'general', { limit: 2, before: older.nextCursor! }, deps);
    expect(oldest).toEqual({ messages: [expect.objectContaining({ text: 'a', from: 'alice' })] });
    await expect(roomHistory(carol, 'general', { limit: 2 }, deps)).rejects.toThrow(ForbiddenError);
  });
});
