/**
 * The port to each user's jobs as kept for the page (core/store/tables.ts JOBS_TABLE; DynamoDB in dynamo-job-store.ts,
 * in memory for unit tests): written as a job is queued and as it runs, read by GET /jobs. One contract suite
 * (job-store.contract.ts) holds both implementations to the same behaviour.
 */
import type { JobRecord } from '../../core/contracts/jobs.js';

/** What a job was asked to do: known from POST /jobs on, and carried by its queue message. */
export interface JobDefinition {
  userId: string;
  jobId: string;
  kind: string;
  steps: number;
  stepMs: number;
  requestedAt: string;
  retryOf?: string;
}

/** A step of a running job, or its outcome. */
export interface JobChange {
  status: 'running' | 'succeeded' | 'failed';
  step: number;
  progress: number;
  /** ISO 8601, server clock. */
  at: string;
  result?: { summary: string };
  /** A sentence for people: why it failed. */
  error?: string;
}

export type JobChangeOutcome =
  /** Recorded. */
  | { recorded: true }
  /** The job had finished already (a redelivered queue message): nothing changed; this is how it ended. */
  | { recorded: false; finished: JobRecord };

export interface JobStore {
  /** Records the job as queued, before its message is sent (so the worker always finds it). */
  queued(job: JobDefinition): Promise<void>;
  /** Forgets a job whose message could not be queued: its request failed, nothing will run. */
  forget(userId: string, jobId: string): Promise<void>;
  /** Records a step or the outcome, unless the job has finished already (a finished job never changes). */
  record(job: JobDefinition, change: JobChange): Promise<JobChangeOutcome>;
  /** The user's newest `limit` jobs, newest first. */
  recent(userId: string, limit: number): Promise<JobRecord[]>;
}

/** How long a job is kept after its last change (DynamoDB TTL): the page shows the newest few anyway. */
export const JOB_RECORD_TTL_SECONDS = 7 * 24 * 3600;

/** Whether a job is done, either way. */
export const isFinished = (status: JobRecord['status']): boolean => status === 'succeeded' || status === 'failed';
