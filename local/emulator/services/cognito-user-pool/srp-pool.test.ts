/** The worker pool runs the same SRP code as the main thread (bundled from srp-worker.ts) and sheds load at its bound. */

import { formatSrpTimestamp } from './srp.js';
import { answerPasswordVerifier, startSrpClient } from './srp-client.test-support.js';
import { runSrpJob } from './srp-jobs.js';
import { SrpPoolBusyError, SrpWorkerPool } from './srp-pool.js';

const POOL_ID = 'us-east-1_Pool1';
let pool: SrpWorkerPool;
afterEach(async () => pool.close());

describe('SRP worker pool', () => {
  it('computes verifiers, password checks, challenges and claims that agree with the client and the inline code', async () => {
    pool = new SrpWorkerPool({ workers: 1, maxQueued: 4 });
    const stored = await pool.run({ kind: 'verifier', poolName: 'Pool1', username: 'dana', password: 'Correct-horse-1' });
    expect(stored.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(await pool.run({ kind: 'password', poolName: 'Pool1', username: 'dana', password: 'Correct-horse-1', ...stored })).toBe(true);
    expect(await pool.run({ kind: 'password', poolName: 'Pool1', username: 'dana', password: 'wrong', ...stored })).toBe(false);
    expect(runSrpJob({ kind: 'password', poolName: 'Pool1', username: 'dana', password: 'Correct-horse-1', ...stored })).toBe(true);

    const client = startSrpClient();
    const { b, B } = await pool.run({ kind: 'challenge', verifier: stored.verifier });
    const secretBlock = Buffer.alloc(16, 7).toString('base64');
    const now = new Date();
    const answer = answerPasswordVerifier(
      client,
      POOL_ID,
      'Correct-horse-1',
      { SALT: stored.salt, SRP_B: B, SECRET_BLOCK: secretBlock, USER_ID_FOR_SRP: 'dana' },
      now,
    );
    const claim = {
      kind: 'claim' as const,
      A: client.srpA,
      b,
      B,
      verifier: stored.verifier,
      poolName: 'Pool1',
      userIdForSrp: 'dana',
      secretBlock,
      timestamp: formatSrpTimestamp(now),
      signature: answer.PASSWORD_CLAIM_SIGNATURE,
    };
    expect(await pool.run(claim)).toBe(true);
    expect(await pool.run({ ...claim, signature: Buffer.alloc(32).toString('base64') })).toBe(false);
  });

  it('refuses a job at once when every worker is busy and the queue is full, and keeps serving afterwards', async () => {
    pool = new SrpWorkerPool({ workers: 1, maxQueued: 2 });
    const verifier = (await pool.run({ kind: 'verifier', poolName: 'P', username: 'u', password: 'p' })).verifier;
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => pool.run({ kind: 'challenge', verifier })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([
      expect.any(SrpPoolBusyError),
      expect.any(SrpPoolBusyError),
      expect.any(SrpPoolBusyError),
    ]);
    expect(pool.queued).toBe(0);
    await expect(pool.run({ kind: 'challenge', verifier })).resolves.toEqual({ b: expect.any(String), B: expect.any(String) });
  });

  it('refuses bad bounds, and work after close', async () => {
    expect(() => new SrpWorkerPool({ workers: 0, maxQueued: 1 })).toThrow('at least one worker');
    pool = new SrpWorkerPool({ workers: 1, maxQueued: 0 });
    await pool.close();
    await expect(pool.run({ kind: 'challenge', verifier: 'ab' })).rejects.toThrow('closed');
  });
});
