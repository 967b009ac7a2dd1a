import type { LifecycleEvent } from '../../core/contracts/lifecycle.js';
import { applyLifecycleEvent, CONNECTED_LIFETIME_SECONDS, type Connections, DISCONNECTED_LIFETIME_SECONDS, isOnline, itemExpiry } from './connections.js';

const T = Date.UTC(2030, 0, 1, 12);
const MINUTE = 60_000;
const event = (eventType: LifecycleEvent['eventType'], versionNumber: number, timestamp = T, clientId = 'app.test.alice'): LifecycleEvent => ({
  clientId,
  eventType,
  versionNumber,
  timestamp,
});

/** Applies the events in order (stale ones change nothing) and says whether the user is online at `now`. */
function replay(events: LifecycleEvent[], now = T + MINUTE): { connections: Connections; online: boolean; applied: boolean[] } {
  let connections: Connections = {};
  const applied = events.map((e) => {
    const next = applyLifecycleEvent(connections, e, now);
    if (next) connections = next;
    return next !== undefined;
  });
  return { connections, online: isOnline(connections, now), applied };
}

describe('presence of one user from lifecycle events', () => {
  it('is online after a connect and offline after its disconnect', () => {
    expect(replay([event('connected', 1)]).online).toBe(true);
    expect(replay([event('connected', 1), event('disconnected', 1, T + 1000)]).online).toBe(false);
  });

  it('stays offline when the connect of that connection arrives after its disconnect (same version: disconnect wins)', () => {
    expect(replay([event('disconnected', 1, T + 1000), event('connected', 1)])).toMatchObject({ online: false, applied: [true, false] });
  });

  it('ignores duplicates', () => {
    expect(replay([event('connected', 1), event('connected', 1)]).applied).toEqual([true, false]);
    expect(replay([event('connected', 1), event('disconnected', 1), event('disconnected', 1)]).applied).toEqual([true, true, false]);
  });

  it("orders connections of one client id by version: a takeover's late disconnect of the old connection changes nothing", () => {
    // IoT: a new connection with the client id (version 2) disconnects the old one (version 1) as DUPLICATE_CLIENTID.
    expect(replay([event('connected', 1), event('connected', 2, T + 500), event('disconnected', 1, T + 400)])).toMatchObject({
      online: true,
      applied: [true, true, false],
    });
    // A reconnect: the old connection's events arrive after the new one's.
    expect(replay([event('connected', 3), event('disconnected', 2), event('connected', 2)])).toMatchObject({ online: true, applied: [true, false, false] });
    expect(replay([event('connected', 3), event('disconnected', 3, T + 100), event('connected', 4, T + 200)]).online).toBe(true);
  });

  it('lets timestamps decide when they are too far apart for their 2 minutes of accuracy (the version may have been reset)', () => {
    // The disconnect of version 7 was lost; after an hour away the client connects again and IoT starts at 0.
    expect(replay([event('connected', 7), event('connected', 0, T + 70 * MINUTE), event('disconnected', 0, T + 71 * MINUTE)], T + 72 * MINUTE)).toMatchObject({
      online: false,
      applied: [true, true, true],
    });
    // Within the accuracy, a lower version is older whatever the timestamps say.
    expect(replay([event('connected', 7), event('disconnected', 6, T + 3 * MINUTE)])).toMatchObject({ online: true, applied: [true, false] });
    // An old event much later than a newer version's, by timestamp, still loses to it.
    expect(replay([event('connected', 2, T + 30 * MINUTE), event('disconnected', 9, T)], T + 31 * MINUTE)).toMatchObject({
      online: true,
      applied: [true, false],
    });
  });

  it('is online while any client id of the user is connected (two tabs)', () => {
    const tab = (eventType: LifecycleEvent['eventType'], id: string, at: number) => event(eventType, 1, at, `app.test.alice.${id}`);
    const steps = [tab('connected', 'a', T), tab('connected', 'b', T + 1), tab('disconnected', 'a', T + 2), tab('disconnected', 'b', T + 3)];
    expect([1, 2, 3, 4].map((n) => replay(steps.slice(0, n)).online)).toEqual([true, true, true, false]);
  });

  it('forgets a connect whose disconnect was lost once the longest connection is over, and drops it at the next write', () => {
    const stale = replay([event('connected', 1)], T);
    expect(isOnline(stale.connections, T + (CONNECTED_LIFETIME_SECONDS - 1) * 1000)).toBe(true);
    expect(isOnline(stale.connections, T + CONNECTED_LIFETIME_SECONDS * 1000)).toBe(false);
    const later = T + (CONNECTED_LIFETIME_SECONDS + 60) * 1000;
    expect(Object.keys(applyLifecycleEvent(stale.connections, event('connected', 1, later, 'app.test.alice.b'), later)!)).toEqual(['app.test.alice.b']);
  });

  it('keeps a disconnect for an hour to order late events, and gives the item the latest expiry for TTL', () => {
    const { connections } = replay([event('connected', 1, T, 'a'), event('disconnected', 1, T + 1000, 'a'), event('connected', 1, T + 2000, 'b')], T + 2000);
    expect(connections.a!.expiresAt).toBe(Math.floor((T + 1000) / 1000) + DISCONNECTED_LIFETIME_SECONDS);
    expect(connections.b!.expiresAt).toBe(Math.floor((T + 2000) / 1000) + CONNECTED_LIFETIME_SECONDS);
    expect(itemExpiry(connections)).toBe(connections.b!.expiresAt);
    expect(itemExpiry({})).toBe(0);
  });

  it('does not let a timestamp in the future (clock skew) extend an entry beyond now + its lifetime', () => {
    const { connections } = replay([event('connected', 1, T + 3600_000)], T);
    expect(connections['app.test.alice']!.expiresAt).toBe(T / 1000 + CONNECTED_LIFETIME_SECONDS);
  });
});
