/**
 * Jobs in memory for unit tests of the jobs functions, held to the same behaviour as the DynamoDB store by one contract
 * suite (functions/jobs/job-store.contract.ts): a finished job never changes, the newest come first.
 */
import type { JobRecord } from '../../core/contracts/jobs.js';
import { isFinished, type JobChange, type JobChangeOutcome, type JobDefinition, type JobStore } from '../../functions/jobs/job-store.js';

export class MemoryJobStore implements JobStore {
  /** By `<userId>|<jobId>`. */
  readonly jobs = new Map<string, JobRecord & { userId: string }>();

  async queued(job: JobDefinition): Promise<void> {
    const key = `${job.userId}|${job.jobId}`;
    if (this.jobs.has(key)) throw new Error(`job ${job.jobId} exists already`);
    this.jobs.set(key, {
      userId: job.userId,
      jobId: job.jobId,
      kind: job.kind,
      steps: job.steps,
      stepMs: job.stepMs,
      status: 'queued',
      step: 0,
      progress: 0,
      requestedAt: job.requestedAt,
      updatedAt: job.requestedAt,
      ...(job.retryOf !== undefined ? { retryOf: job.retryOf } : {}),
    });
  }

  async forget(userId: string, jobId: string): Promise<void> {
    this.jobs.delete(`${userId}|${jobId}`);
  }

  async record(job: JobDefinition, change: JobChange): Promise<JobChangeOutcome> {
    const key = `${job.userId}|${job.jobId}`;
    const current = this.jobs.get(key);
    if (current && isFinished(current.status)) return { recorded: false, finished: strip(current) };
    const { at, ...rest } = change;
    this.jobs.set(key, {
      ...(current ?? { userId: job.userId, jobId: job.jobId }),
      kind: job.kind,
      steps: job.steps,
      stepMs: job.stepMs,
      requestedAt: job.requestedAt,
      ...rest,
      updatedAt: at,
    } as JobRecord & { userId: string });
    return { recorded: true };
  }

  async recent(userId: string, limit: number): Promise<JobRecord[]> {
    return [...this.jobs.values()]
      .filter((j) => j.userId === userId)
      .sort((a, b) => (a.jobId < b.jobId ? 1 : a.jobId > b.jobId ? -1 : 0))
      .slice(0, limit)
      .map(strip);
  }
}

function strip(job: JobRecord & { userId: string }): JobRecord {
  const { userId: _userId, ...record } = job;
  return { ...record };
}
