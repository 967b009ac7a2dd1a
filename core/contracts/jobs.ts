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

export const StartJobRequestSchema = v.object({
  kind: v.picklist(JOB_KINDS, `must be one of ${JOB_KINDS.map((k) => `"${k}"`).join(', ')}`),
  steps: v.optional(integerBetween('steps', 1, MAX_JOB_STEPS)),
  stepMs: v.optional(integerBetween('stepMs', 0, MAX_STEP_MS)),
  /** Makes the job fail at that step (demo of failure reporting); at most `steps`. */
  failAtStep: v.optional(integerBetween('failAtStep', 1, MAX_JOB_STEPS)),
});
export type StartJobRequest = v.InferOutput<typeof StartJobRequestSchema>;

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
