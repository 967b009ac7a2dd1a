import { type ExpiryTimers, PersistentSessions, type SessionStore } from '../sessions.js';
import { testLog } from './fakes.js';

/** A clock that only moves when the test says so. */
class FakeClock implements ExpiryTimers {
  now = 0;
  #next = 1;
  readonly #due = new Map<number, { at: number; run: () => void }>();

  schedule(run: () => void, afterMs: number): unknown {
    const id = this.#next++;
    this.#due.set(id, { at: this.now + afterMs, run });
    return id;
  }

  cancel(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  get pending(): number {
    return this.#due.size;
  }

  advance(ms: number): void {
    this.now += ms;
    for (const [id, timer] of [...this.#due].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > this.now) continue;
      this.#due.delete(id);
      timer.run();
    }
  }
}

function setup(options: { discard?: (clientId: string) => Promise<void>; maxSessions?: number; maxSessionsPerUser?: number } = {}) {
  const clock = new FakeClock();
  const log = testLog();
  const connected = new Set<string>();
  const discarded: string[] = [];
  const store: SessionStore = {
    isConnected: (clientId) => connected.has(clientId),
    discard: options.discard ?? (async (clientId) => void discarded.push(clientId)),
  };
  const sessions = new PersistentSessions({
    store,
    expirySeconds: 3600,
    maxSessions: options.maxSessions ?? 1000,
    maxSessionsPerUser: options.maxSessionsPerUser ?? 1000,
    logger: log.logger,
    timers: clock,
  });
  return { clock, log, connected, discarded, sessions };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('PersistentSessions: expiry of clean-session-0 sessions', () => {
  it('discards a session exactly when it expires, and logs it', async () => {
    const { clock, log, discarded, sessions } = setup();
    sessions.disconnected('c1');
    clock.advance(3_599_999);
    await flush();
    expect(discarded).toEqual([]);
    clock.advance(1);
    await flush();
    expect(discarded).toEqual(['c1']);
    expect(log.entries).toEqual([{ level: 'info', message: 'persistent session expired', clientId: 'c1' }]);
    expect(sessions.expiring).toEqual([]);
  });

  it('keeps a session resumed before the expiry', async () => {
    const { clock, discarded, sessions } = setup();
    sessions.disconnected('c1');
    clock.advance(1000);
    sessions.resumed('c1');
    clock.advance(7200_000);
    await flush();
    expect(discarded).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('restarts the clock on each disconnect', async () => {
    const { clock, discarded, sessions } = setup();
    sessions.disconnected('c1');
    clock.advance(3000_000);
    sessions.disconnected('c1');
    clock.advance(3000_000);
    await flush();
    expect(discarded).toEqual([]);
    expect(clock.pending).toBe(1);
    clock.advance(600_000);
    await flush();
    expect(discarded).toEqual(['c1']);
  });

  it('leaves alone a session whose client is connected when the clock runs out', async () => {
    const { clock, connected, discarded, sessions } = setup();
    sessions.disconnected('c1');
    connected.add('c1');
    clock.advance(3600_000);
    await flush();
    expect(discarded).toEqual([]);
  });

  it('logs an error when the store cannot discard the session', async () => {
    const { clock, log, sessions } = setup({ discard: async () => Promise.reject(new Error('disk on fire')) });
    sessions.disconnected('c1');
    clock.advance(3600_000);
    await flush();
    expect(log.entries).toEqual([{ level: 'error', message: 'could not expire persistent session', clientId: 'c1', error: 'Error: disk on fire' }]);
  });

  it('cancels every pending expiry on close', () => {
    const { clock, sessions } = setup();
    sessions.disconnected('c1');
    sessions.disconnected('c2');
    expect(sessions.expiring.sort()).toEqual(['c1', 'c2']);
    sessions.close();
    expect(clock.pending).toBe(0);
    expect(sessions.expiring).toEqual([]);
  });

  it('a clean-session-1 connection ends the session of its client id: it no longer counts, and no expiry runs', async () => {
    const { clock, sessions } = setup({ maxSessionsPerUser: 1 });
    expect(sessions.admit('c1', 'alice')).toEqual({ admitted: true });
    sessions.connected('c1', false);
    sessions.disconnected('c1');
    sessions.connected('c1', true);
    expect(sessions.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(sessions.admit('c2', 'alice')).toEqual({ admitted: true });
  });
});

describe('PersistentSessions: bounded without ending any session early (issue 20, "Session eviction")', () => {
  it("refuses a user's new session at their bound, keeps every session running, and never touches another user's", async () => {
    const { clock, log, discarded, sessions } = setup({ maxSessionsPerUser: 2 });
    for (const id of ['m1', 'm2']) {
      expect(sessions.admit(id, 'mallory')).toEqual({ admitted: true });
      sessions.connected(id, false);
      sessions.disconnected(id);
    }
    expect(sessions.admit('a1', 'alice')).toEqual({ admitted: true });
    sessions.connected('a1', false);
    sessions.disconnected('a1');
    const refused = sessions.admit('m3', 'mallory');
    expect(refused).toEqual({ admitted: false, reason: expect.stringContaining('LOCAL_IOT_MAX_PERSISTENT_SESSIONS_PER_USER') });
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', clientId: 'm3', user: 'mallory' }));
    // Resuming one's own session is always allowed.
    expect(sessions.admit('m1', 'mallory')).toEqual({ admitted: true });
    clock.advance(3_599_000);
    await flush();
    expect(discarded).toEqual([]);
    expect(sessions.sessionsOf('alice')).toEqual(['a1']);
    clock.advance(1000);
    await flush();
    expect(discarded.sort()).toEqual(['a1', 'm1', 'm2']);
    // Expired sessions no longer count.
    expect(sessions.admit('m3', 'mallory')).toEqual({ admitted: true });
  });

  it("refuses any new session at the broker bound, and takes over another user's client id only within the new user's bound", () => {
    const { sessions } = setup({ maxSessions: 2, maxSessionsPerUser: 1 });
    expect(sessions.admit('a', 'alice')).toEqual({ admitted: true });
    expect(sessions.admit('b', 'bob')).toEqual({ admitted: true });
    expect(sessions.admit('c', 'carol')).toEqual({ admitted: false, reason: expect.stringContaining('LOCAL_IOT_MAX_PERSISTENT_SESSIONS)') });
    // carol may take over bob's client id (the policy allowed it): the session moves, the total stays 2.
    expect(sessions.admit('b', 'carol')).toEqual({ admitted: true });
    expect(sessions.sessionsOf('bob')).toEqual([]);
    expect(sessions.sessionsOf('carol')).toEqual(['b']);
    expect(sessions.admit('a', 'carol')).toEqual({ admitted: false, reason: expect.stringContaining('PER_USER') });
  });

  it('releases the place of an admitted session whose client never registers', async () => {
    const { clock, sessions } = setup({ maxSessionsPerUser: 1 });
    expect(sessions.admit('x1', 'alice')).toEqual({ admitted: true });
    expect(sessions.admit('x2', 'alice').admitted).toBe(false);
    clock.advance(30_000);
    await flush();
    expect(sessions.admit('x2', 'alice')).toEqual({ admitted: true });
  });
});
