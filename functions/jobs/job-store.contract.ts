/**
 * The behaviour every JobStore must have, run against the DynamoDB store on dynalite
 * (dynamo-job-store.integration.test.ts) and the in-memory one the unit tests use (memory-job-store.test.ts).
 */
import { newSortableId } from '../../core/ids.js';
import type { JobDefinition, JobStore } from './job-store.js';

export function jobStoreContract(name: string, setup: () => { store: JobStore }): void {
  describe(`JobStore contract: ${name}`, () => {
    let store: JobStore;
    beforeAll(() => {
      store = setup().store;
    });
    let seq = 0;
    const user = () => `user-${name.replace(/\W/g, '')}-${++seq}`;
    const T0 = Date.UTC(2030, 0, 1);
    const job = (userId: string, n: number, extra: Partial<JobDefinition> = {}): JobDefinition => ({
      userId,
      jobId: newSortableId(T0 + n * 1000),
      kind: 'report',
      steps: 5,
      stepMs: 300,
      requestedAt: new Date(T0 + n * 1000).toISOString(),
      ...extra,
    });
    const at = (n: number) => new Date(T0 + n * 1000).toISOString();

    it('keeps a job from queued through its steps to its outcome, and lists the newest first', async () => {
      const alice = user();
      const first = job(alice, 1, { retryOf: 'earlier' });
      const second = job(alice, 2);
      await store.queued(first);
      await store.queued(second);
      expect(await store.recent(alice, 10)).toEqual([
        expect.objectContaining({ jobId: second.jobId, status: 'queued', step: 0, progress: 0 }),
        {
          jobId: first.jobId,
          kind: 'report',
          steps: 5,
          stepMs: 300,
          status: 'queued',
          step: 0,
          progress: 0,
          requestedAt: at(1),
          updatedAt: at(1),
          retryOf: 'earlier',
        },
      ]);
      await expect(store.record(first, { status: 'running', step: 2, progress: 40, at: at(3) })).resolves.toEqual({ recorded: true });
      await expect(store.record(first, { status: 'failed', step: 3, progress: 60, at: at(4), error: 'a row could not be read' })).resolves.toEqual({
        recorded: true,
      });
      await store.record(second, { status: 'succeeded', step: 5, progress: 100, at: at(5), result: { summary: 'done' } });
      const [newest, older] = await store.recent(alice, 10);
      expect(newest).toMatchObject({ status: 'succeeded', result: { summary: 'done' }, updatedAt: at(5) });
      expect(older).toEqual({
        jobId: first.jobId,
        kind: 'report',
        steps: 5,
        stepMs: 300,
        status: 'failed',
        step: 3,
        progress: 60,
        requestedAt: at(1),
        updatedAt: at(4),
        error: 'a row could not be read',
        retryOf: 'earlier',
      });
      expect(await store.recent(alice, 1)).toEqual([newest]);
      expect(await store.recent(user(), 10)).toEqual([]);
    });

    it('never changes a finished job: a redelivered message learns how it ended', async () => {
      const bob = user();
      const j = job(bob, 1);
      await store.queued(j);
      await store.record(j, { status: 'succeeded', step: 5, progress: 100, at: at(2), result: { summary: 'done' } });
      const again = await store.record(j, { status: 'running', step: 0, progress: 0, at: at(9) });
      expect(again).toEqual({ recorded: false, finished: expect.objectContaining({ jobId: j.jobId, status: 'succeeded', updatedAt: at(2) }) });
      await expect(store.record(j, { status: 'failed', step: 1, progress: 20, at: at(9), error: 'x' })).resolves.toMatchObject({ recorded: false });
      expect((await store.recent(bob, 1))[0]).toMatchObject({ status: 'succeeded', result: { summary: 'done' } });
    });

    it('records a job whose queued record is missing whole, and forgets a job that was never queued', async () => {
      const carol = user();
      const j = job(carol, 1, { kind: 'import' });
      await store.record(j, { status: 'running', step: 1, progress: 20, at: at(2) });
      expect(await store.recent(carol, 5)).toEqual([
        { jobId: j.jobId, kind: 'import', steps: 5, stepMs: 300, status: 'running', step: 1, progress: 20, requestedAt: at(1), updatedAt: at(2) },
      ]);
      const gone = job(carol, 3);
      await store.queued(gone);
      await store.forget(carol, gone.jobId);
      expect((await store.recent(carol, 5)).map((r) => r.jobId)).toEqual([j.jobId]);
    });
  });
}
