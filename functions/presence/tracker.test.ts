import type { LifecycleEvent } from '../../core/contracts/lifecycle.js';
import { TopicScheme } from '../../core/topics.js';
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import { PublishFailedError, UpstreamError } from '../shared/errors.js';
import type { Publisher } from '../shared/ports.js';
import { MemoryPresenceStore } from './memory-presence-store.test-support.js';
import { eventsByUser, notifyRoomsOfUser, recordLifecycleEvent, recordLifecycleEventsOfUser } from './tracker.js';

const topics = new TopicScheme({ app: 'app', stage: 'test' });
const T = Date.UTC(2030, 0, 1, 12);
const clock = { now: () => new Date(T + 1000) };
const event = (eventType: LifecycleEvent['eventType'], clientId: string, versionNumber = 1, timestamp = T): LifecycleEvent => ({
  clientId,
  eventType,
  versionNumber,
  timestamp,
});

describe('recordLifecycleEvent', () => {
  it("maps client ids to users: <app>.<stage>.<user>[.<tab>], Cognito users' <app>.<stage>.<identity id>; ignores any other", async () => {
    const presence = new MemoryPresenceStore();
    const record = (clientId: string) => recordLifecycleEvent(event('connected', clientId), { presence, topics, clock });
    expect(await record('app.test.alice')).toEqual({ outcome: 'recorded', userId: 'alice', online: true, changed: true });
    expect(await record('app.test.alice.tab1')).toEqual({ outcome: 'recorded', userId: 'alice', online: true, changed: false });
    expect(await record('app.test.us-east-1:0f3c7d2a-1b2c-4d5e-8f90-123456789abc')).toMatchObject({
      outcome: 'recorded',
      userId: 'us-east-1:0f3c7d2a-1b2c-4d5e-8f90-123456789abc',
    });
    // A bare identity id is no client id of the stage (Cognito users connect within the stage's prefix too).
    for (const other of [
      'us-east-1:0f3c7d2a-1b2c-4d5e-8f90-123456789abc',
      'app.prod.alice',
      'other.test.alice',
      'app.test.',
      'app.test.alice.tab.more',
      'app.test.al+ce',
      'iot-console-123',
      'app.test',
    ]) {
      expect(await record(other)).toEqual({ outcome: 'ignored', clientId: other });
    }
    expect([...presence.items.keys()].sort()).toEqual(['alice', 'us-east-1:0f3c7d2a-1b2c-4d5e-8f90-123456789abc']);
  });

  it('reports a change only when the first connection opens and the last one closes', async () => {
    const deps = { presence: new MemoryPresenceStore(), topics, clock };
    const steps: Array<[LifecycleEvent, boolean, boolean]> = [
      [event('connected', 'app.test.bob.a'), true, true],
      [event('connected', 'app.test.bob.b'), true, false],
      [event('disconnected', 'app.test.bob.a'), true, false],
      [event('disconnected', 'app.test.bob.b'), false, true],
    ];
    for (const [e, online, changed] of steps) expect(await recordLifecycleEvent(e, deps)).toEqual({ outcome: 'recorded', userId: 'bob', online, changed });
    expect(await recordLifecycleEvent(event('disconnected', 'app.test.bob.b'), deps)).toEqual({ outcome: 'stale', userId: 'bob' });
  });

  it('reports exactly one change when the last two tabs close at once (the losing write reads again)', async () => {
    const presence = new MemoryPresenceStore();
    const deps = { presence, topics, clock };
    await recordLifecycleEvent(event('connected', 'app.test.carl.a'), deps);
    await recordLifecycleEvent(event('connected', 'app.test.carl.b'), deps);
    const outcomes = await Promise.all([
      recordLifecycleEvent(event('disconnected', 'app.test.carl.a'), deps),
      recordLifecycleEvent(event('disconnected', 'app.test.carl.b'), deps),
    ]);
    expect(presence.conflicts).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o.outcome === 'recorded' && o.changed)).toHaveLength(1);
    // Whichever write came first still saw the other tab open; the second saw none.
    expect(outcomes.map((o) => o.outcome === 'recorded' && o.online).sort()).toEqual([false, true]);
    expect(outcomes.find((o) => o.outcome === 'recorded' && o.changed)).toMatchObject({ online: false });
  });

  it('gives up with a retryable error when the item keeps changing underneath', async () => {
    const presence = new MemoryPresenceStore();
    presence.put = async () => false;
    const noWait = async () => undefined;
    await expect(recordLifecycleEvent(event('connected', 'app.test.dan'), { presence, topics, clock, backoff: noWait })).rejects.toMatchObject({
      name: 'UpstreamError',
      retryable: true,
    });
    await expect(recordLifecycleEvent(event('connected', 'app.test.dan'), { presence, topics, clock, backoff: noWait })).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('recordLifecycleEventsOfUser (a burst of one user at once)', () => {
  it('records the whole burst with one read and one write, and answers for the burst as a whole', async () => {
    const presence = new MemoryPresenceStore();
    let writes = 0;
    const put = presence.put.bind(presence);
    presence.put = async (...args) => {
      writes += 1;
      return put(...args);
    };
    const deps = { presence, topics, clock };
    const burst = [
      event('connected', 'app.test.fay.a', 1),
      event('connected', 'app.test.fay.b', 1),
      event('disconnected', 'app.test.fay.a', 1),
      event('disconnected', 'app.test.fay.b', 1),
      event('connected', 'app.test.fay.a', 2),
    ];
    expect(await recordLifecycleEventsOfUser('fay', burst, deps)).toEqual({ outcome: 'recorded', userId: 'fay', online: true, changed: true });
    expect(writes).toBe(1);
    // Online before, online after: no change to tell, whatever happened in between.
    expect(await recordLifecycleEventsOfUser('fay', [event('disconnected', 'app.test.fay.a', 2), event('connected', 'app.test.fay.a', 3)], deps)).toEqual({
      outcome: 'recorded',
      userId: 'fay',
      online: true,
      changed: false,
    });
    // Nothing newer than what is recorded: stale, no write.
    expect(await recordLifecycleEventsOfUser('fay', [event('connected', 'app.test.fay.a', 1), event('disconnected', 'app.test.fay.b', 1)], deps)).toEqual({
      outcome: 'stale',
      userId: 'fay',
    });
    expect(writes).toBe(2);
  });

  it('waits longer before each new attempt after a concurrent write', async () => {
    const presence = new MemoryPresenceStore();
    presence.put = async () => false;
    const waits: number[] = [];
    await expect(
      recordLifecycleEventsOfUser('gus', [event('connected', 'app.test.gus')], {
        presence,
        topics,
        clock,
        backoff: async (attempt) => void waits.push(attempt),
      }),
    ).rejects.toMatchObject({ name: 'UpstreamError', retryable: true });
    expect(waits).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('groups a batch by user, keeping their order, and sets apart client ids of no user of this stage', () => {
    const batch = [
      event('connected', 'app.test.a.t1', 1),
      event('connected', 'app.prod.a', 1),
      event('connected', 'app.test.b'),
      event('disconnected', 'app.test.a.t1', 1),
    ];
    const { byUser, ignored } = eventsByUser(batch, topics);
    expect([...byUser.entries()]).toEqual([
      ['a', [batch[0], batch[3]]],
      ['b', [batch[2]]],
    ]);
    expect(ignored).toEqual([batch[1]]);
  });
});

describe('notifyRoomsOfUser', () => {
  function setup() {
    const rooms = new MemoryRoomStore();
    const published: Array<{ topic: string; payload: unknown; qos: number }> = [];
    const publisher: Publisher = {
      publish: async (topic, payload, qos) => {
        if (topic.includes('/users/broken/')) throw new PublishFailedError('throttled', true);
        published.push({ topic, payload, qos });
      },
    };
    return { rooms, published, deps: { rooms, publisher, topics, publishConcurrency: 4, maxNotifications: 1000 } };
  }

  it("tells every other member of each of the user's rooms in their inbox of that room, at QoS 0", async () => {
    const { rooms, published, deps } = setup();
    await rooms.createRoom({ roomId: 'general', name: 'General', createdBy: 'alice', createdAt: '2030-01-01T00:00:00.000Z' });
    await rooms.addMember('general', 'bob', 'alice');
    await rooms.createRoom({ roomId: 'ops', name: 'Ops', createdBy: 'carol', createdAt: '2030-01-01T00:00:00.000Z' });
    await rooms.addMember('ops', 'alice', 'carol');
    await rooms.createRoom({ roomId: 'elsewhere', name: 'Elsewhere', createdBy: 'dave', createdAt: '2030-01-01T00:00:00.000Z' });
    expect(await notifyRoomsOfUser('alice', false, deps)).toEqual({ rooms: 2, notified: 2, failed: 0, truncated: false });
    expect(published.sort((a, b) => a.topic.localeCompare(b.topic))).toEqual([
      { topic: 'app/test/users/bob/rooms/general', payload: { type: 'presence', roomId: 'general', userId: 'alice', online: false }, qos: 0 },
      { topic: 'app/test/users/carol/rooms/ops', payload: { type: 'presence', roomId: 'ops', userId: 'alice', online: false }, qos: 0 },
    ]);
  });

  it('pages through rooms and members, counts failed publishes, and stops at the budget', async () => {
    const { rooms, published, deps } = setup();
    for (let r = 0; r < 3; r += 1) {
      await rooms.createRoom({ roomId: `r${r}`, name: 'R', createdBy: 'alice', createdAt: '2030-01-01T00:00:00.000Z' });
      for (let m = 0; m < 150; m += 1) await rooms.addMember(`r${r}`, `m${String(m).padStart(3, '0')}`, 'alice');
    }
    await rooms.addMember('r0', 'broken', 'alice');
    expect(await notifyRoomsOfUser('alice', true, deps)).toEqual({ rooms: 3, notified: 450, failed: 1, truncated: false });
    expect(new Set(published.map((p) => p.topic)).size).toBe(450);
    published.length = 0;
    expect(await notifyRoomsOfUser('alice', true, { ...deps, maxNotifications: 200 })).toEqual({ rooms: 2, notified: 199, failed: 1, truncated: true });
    expect(published).toHaveLength(199);
    published.length = 0;
    expect(await notifyRoomsOfUser('alice', true, { ...deps, maxNotifications: 0 })).toMatchObject({ notified: 0, truncated: true });
    expect(published).toEqual([]);
  });

  it('tells nobody when the user is in no room or alone in their rooms', async () => {
    const { rooms, published, deps } = setup();
    expect(await notifyRoomsOfUser('nobody', true, deps)).toEqual({ rooms: 0, notified: 0, failed: 0, truncated: false });
    await rooms.createRoom({ roomId: 'solo', name: 'Solo', createdBy: 'erin', createdAt: '2030-01-01T00:00:00.000Z' });
    expect(await notifyRoomsOfUser('erin', true, deps)).toEqual({ rooms: 1, notified: 0, failed: 0, truncated: false });
    expect(published).toEqual([]);
  });
});
