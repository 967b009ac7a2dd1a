/** The jobs contracts: the POST /jobs body, and the message the API function queues for the worker (SQS body). */
import * as v from 'valibot';
import { SafeId } from './ids.js';

export const JOB_KINDS = ['report', 'import'] as const;
export const MAX_JOB_STEPS = 20;
export const MAX_STEP_MS = 5000;

const integerBetween = (name: string, min: number, max: number) =>
  v.pipe(
    v.number(`must be an integer between ${min} and ${max}`),
    v.integer(`must be an integer between ${min} and ${max}`),
    v.minValue(min, `must be an integer between ${min} and ${max}`),
    v.maxValue(max, `must be an integer between ${min} and ${max}`),
    v.metadata({ name }),
  );

/**
 * POST /jobs (an `Idempotency-Key` header makes a retry return the first 202 and queue nothing). `retryOf` names the
 * earlier job this one runs again (the page's Retry of a failed job): kept with the job, so every page of the user knows
 * that job was retried.
 */
export const StartJobRequestSchema = v.object({
  kind: v.picklist(JOB_KINDS, `must be one of ${JOB_KINDS.map((k) => `"${k}"`).join(', ')}`),
  steps: v.optional(integerBetween('steps', 1, MAX_JOB_STEPS)),
  stepMs: v.optional(integerBetween('stepMs', 0, MAX_STEP_MS)),
  /** Makes the job fail at that step (demo of failure reporting); at most `steps`. */
  failAtStep: v.optional(integerBetween('failAtStep', 1, MAX_JOB_STEPS)),
  retryOf: v.optional(SafeId),
});
export type StartJobRequest = v.InferOutput<typeof StartJobRequestSchema>;

/** What a job is doing: waiting in the queue, running, or done either way. */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** GET /jobs returns the caller's newest jobs, at most this many. */
export const RECENT_JOBS = 20;

/**
 * A job as the store keeps it (core/store/tables.ts JOBS_TABLE) and GET /jobs returns it: what was asked for, where it
 * is, and its outcome. `error` is a sentence for people (why it failed), never a raw error.
 */
export const JobRecordSchema = v.object({
  jobId: v.string(),
  kind: v.string(),
  steps: v.number(),
  stepMs: v.number(),
  status: v.picklist(JOB_STATES),
  step: v.number(),
  /** 0 to 100. */
  progress: v.number(),
  /** ISO 8601, server clock. */
  requestedAt: v.string(),
  updatedAt: v.string(),
  result: v.optional(v.object({ summary: v.string() })),
  error: v.optional(v.string()),
  retryOf: v.optional(v.string()),
});
export type JobRecord = v.InferOutput<typeof JobRecordSchema>;

/** GET /jobs -> 200: the caller's newest jobs (at most RECENT_JOBS), newest first. App users only, like POST /jobs. */
export const JobListSchema = v.object({ jobs: v.array(JobRecordSchema) });
export type JobList = v.InferOutput<typeof JobListSchema>;

export const JobAcceptedSchema = v.object({ jobId: v.string(), topic: v.string() });
export type JobAccepted = v.InferOutput<typeof JobAcceptedSchema>;

/** The SQS message body between the jobs API and the worker. */
export const JobMessageSchema = v.object({
  jobId: SafeId,
  userId: v.string(),
  kind: v.string(),
  steps: v.number(),
  stepMs: v.number(),
  failAtStep: v.optional(v.number()),
  requestedAt: v.string(),
});
export type JobMessage = v.InferOutput<typeof JobMessageSchema>;

/**
 * A finished job is announced as a notification (core/contracts/notifications.ts) to its owner, through the app's
 * event bus like any producer's: type JOB_COMPLETED_NOTIFICATION, data JobCompletedData.
 */
export const JOB_COMPLETED_NOTIFICATION = 'job.completed';
export const JobCompletedDataSchema = v.object({
  jobId: v.string(),
  kind: v.string(),
  status: v.picklist(['succeeded', 'failed']),
});
export type JobCompletedData = v.InferOutput<typeof JobCompletedDataSchema>;
