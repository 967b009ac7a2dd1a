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

function setup(options: { discard?: (clientId: string) => Promise<void>; maxSessions?: number } = {}) {
  const clock = new FakeClock();
  const log = testLog();
  const connected = new Set<string>();
  const discarded: string[] = [];
  const store: SessionStore = {
    isConnected: (clientId) => connected.has(clientId),
    discard: options.discard ?? (async (clientId) => void discarded.push(clientId)),
  };
  const sessions = new PersistentSessions({ store, expirySeconds: 3600, maxSessions: options.maxSessions ?? 1000, logger: log.logger, timers: clock });
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

  it('keeps at most maxSessions sessions of absent clients: the one that waited longest expires early, and it is logged', async () => {
    const { clock, log, discarded, sessions } = setup({ maxSessions: 2 });
    sessions.disconnected('a');
    sessions.disconnected('b');
    sessions.disconnected('c');
    await flush();
    expect(discarded).toEqual(['a']);
    expect(sessions.expiring).toEqual(['b', 'c']);
    expect(clock.pending).toBe(2);
    expect(log.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('expired early'), clientId: 'a', limit: 2 }));
  });
});
