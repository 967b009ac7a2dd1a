import { CredentialsExpiredError, RefreshingCredentials } from './credentials.js';
import { FakeClock } from './fake-clock.test-support.js';
import type { CredentialSource, RealtimeCredentials } from './types.js';

const HOUR = 3_600_000;

function scriptedSource(clock: FakeClock, lifetimeMs: number, script: Array<'ok' | 'fail'> = []) {
  let calls = 0;
  const source: CredentialSource & { calls: () => number } = {
    calls: () => calls,
    async fetch(): Promise<RealtimeCredentials> {
      const outcome = script[calls] ?? 'ok';
      calls += 1;
      if (outcome === 'fail') throw new Error(`refresh ${calls} failed`);
      return { accessKeyId: `AKID${calls}`, secretAccessKey: 's', sessionToken: 't', region: 'eu-west-1', expiration: new Date(clock.now() + lifetimeMs) };
    },
  };
  return source;
}

describe('RefreshingCredentials', () => {
  it('refreshes hour-long credentials 5 minutes before they expire', async () => {
    const clock = new FakeClock();
    const source = scriptedSource(clock, HOUR);
    const creds = new RefreshingCredentials(source, { clock });
    await creds.refresh();
    expect(clock.pending()).toEqual([HOUR - 5 * 60_000]);
    await clock.advance(HOUR - 5 * 60_000 - 1);
    expect(source.calls()).toBe(1);
    await clock.advance(1);
    expect(source.calls()).toBe(2);
    expect(creds.current()?.accessKeyId).toBe('AKID2');
  });

  it('refreshes short-lived credentials at 80% of their lifetime', async () => {
    const clock = new FakeClock();
    const creds = new RefreshingCredentials(scriptedSource(clock, 60_000), { clock });
    await creds.refresh();
    expect(clock.pending()).toEqual([48_000]);
  });

  it('keeps the old credentials when a refresh fails, and retries with growing backoff', async () => {
    const clock = new FakeClock();
    const failures: Array<number | undefined> = [];
    const source = scriptedSource(clock, HOUR, ['ok', 'fail', 'fail', 'fail', 'ok']);
    const creds = new RefreshingCredentials(source, {
      clock,
      random: () => 1,
      retryMinMs: 1000,
      retryMaxMs: 30_000,
      onRefreshFailed: (_e, delay) => failures.push(delay),
    });
    await creds.refresh();
    await clock.advance(HOUR - 5 * 60_000);
    expect(creds.current()?.accessKeyId).toBe('AKID1');
    expect(failures).toEqual([1000]);
    await clock.advance(1000);
    await clock.advance(2000);
    expect(failures).toEqual([1000, 2000, 4000]);
    expect(creds.current()?.accessKeyId).toBe('AKID1');
    await clock.advance(4000);
    expect(creds.current()?.accessKeyId).toBe('AKID5');
  });

  it('caps the backoff', async () => {
    const clock = new FakeClock();
    const delays: Array<number | undefined> = [];
    const creds = new RefreshingCredentials(scriptedSource(clock, HOUR, ['ok', ...Array(10).fill('fail')]), {
      clock,
      random: () => 1,
      retryMaxMs: 8000,
      onRefreshFailed: (_e, d) => delays.push(d),
    });
    await creds.refresh();
    await clock.advance(HOUR - 5 * 60_000);
    for (let i = 0; i < 6; i += 1) await clock.advance(8000);
    expect(Math.max(...delays.map((d) => d ?? 0))).toBe(8000);
  });

  describe('ensureFresh (called by the SDK before every connection attempt)', () => {
    it('returns the cached credentials while they are fresh, without fetching', async () => {
      const clock = new FakeClock();
      const source = scriptedSource(clock, HOUR);
      const creds = new RefreshingCredentials(source, { clock });
      await creds.refresh();
      await clock.advance(10 * 60_000);
      expect((await creds.ensureFresh()).accessKeyId).toBe('AKID1');
      expect(source.calls()).toBe(1);
    });

    it('fetches when the credentials are about to expire', async () => {
      const clock = new FakeClock();
      const source = scriptedSource(clock, 60_000);
      const creds = new RefreshingCredentials(source, { clock });
      await creds.refresh();
      creds.stop(); // no proactive refresh: only ensureFresh acts
      await clock.advance(59_000);
      expect((await creds.ensureFresh()).accessKeyId).toBe('AKID2');
    });

    it('falls back to still-valid old credentials when the refresh fails, and fails clearly once they expired', async () => {
      const clock = new FakeClock();
      const creds = new RefreshingCredentials(scriptedSource(clock, 60_000, ['ok', 'fail', 'fail']), { clock });
      await creds.refresh();
      creds.stop();
      await clock.advance(45_000);
      expect((await creds.ensureFresh()).accessKeyId).toBe('AKID1');
      await clock.advance(20_000);
      await expect(creds.ensureFresh()).rejects.toThrow(CredentialsExpiredError);
    });

    it('shares one fetch between concurrent callers', async () => {
      const clock = new FakeClock();
      const source = scriptedSource(clock, HOUR);
      const creds = new RefreshingCredentials(source, { clock });
      await Promise.all([creds.ensureFresh(), creds.ensureFresh(), creds.ensureFresh()]);
      expect(source.calls()).toBe(1);
    });
  });

  describe('permanent failures', () => {
    it('schedules no retry when the source says retrying cannot help, exposes why, and clears it on the next success', async () => {
      const clock = new FakeClock();
      let outcome: 'ok' | 'refused' = 'ok';
      const failures: Array<[unknown, number | undefined]> = [];
      const refused = Object.assign(new Error('the token has expired'), { permanent: true });
      const creds = new RefreshingCredentials(
        {
          async fetch() {
            if (outcome === 'refused') throw refused;
            return { accessKeyId: 'A', secretAccessKey: 's', sessionToken: 't', region: 'eu-west-1', expiration: new Date(clock.now() + HOUR) };
          },
        },
        { clock, onRefreshFailed: (error, retryInMs) => failures.push([error, retryInMs]) },
      );
      await creds.refresh();
      outcome = 'refused';
      await expect(creds.refresh()).rejects.toBe(refused);
      expect(failures).toEqual([[refused, undefined]]);
      expect(creds.rejection).toBe(refused);
      expect(clock.pending()).toEqual([HOUR - 5 * 60_000]); // only the refresh planned by the last success
      outcome = 'ok';
      await creds.refresh();
      expect(creds.rejection).toBeUndefined();
    });

    it('retries transient failures of a refresh with backoff while credentials are in hand (no rejection)', async () => {
      const clock = new FakeClock();
      const creds = new RefreshingCredentials(scriptedSource(clock, HOUR, ['ok', 'fail']), { clock, random: () => 0 });
      await creds.refresh();
      await expect(creds.refresh()).rejects.toThrow('refresh 2 failed');
      expect(creds.rejection).toBeUndefined();
      expect(clock.pending()).toEqual([1000]);
    });

    it('a failed first refresh rejects and keeps nothing running: no retry in the background, the next call tries again', async () => {
      const clock = new FakeClock();
      const source = scriptedSource(clock, HOUR, ['fail', 'ok']);
      const failures: Array<number | undefined> = [];
      const creds = new RefreshingCredentials(source, { clock, onRefreshFailed: (_e, retryInMs) => failures.push(retryInMs) });
      await expect(creds.refresh()).rejects.toThrow('refresh 1 failed');
      expect(failures).toEqual([undefined]);
      expect(clock.pending()).toEqual([]);
      await clock.advance(10 * 60_000);
      expect(source.calls()).toBe(1);
      // The caller's own retry works, and from then on the refresh keeps itself going.
      expect((await creds.refresh()).accessKeyId).toBe('AKID2');
      expect(clock.pending()).toEqual([HOUR - 5 * 60_000]);
    });
  });
});
