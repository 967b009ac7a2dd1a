/**
 * Asynchronous jobs (the second seed article's pattern): POST /jobs answers at once with where to listen; a worker
 * does the work in steps and publishes progress and the result to the owner's private job topic. Every job is also kept
 * in the store (job-store.ts) from the moment it is queued to its outcome, so GET /jobs shows the latest ones after a
 * reload; a failed job's reason is a sentence for people, never a raw error.
 */

import * as v from 'valibot';
import { type JobAccepted, type JobList, type JobMessage, JobMessageSchema, RECENT_JOBS, StartJobRequestSchema } from '../../core/contracts/jobs.js';
import type { JobEvent, JobStatus } from '../../core/contracts/mqtt.js';
import type { TopicScheme } from '../../core/topics.js';
import type { AppUser } from '../shared/app-token.js';
import { JobFailedError, ValidationError } from '../shared/errors.js';
import type { Clock, IdGenerator, JobQueue, Publisher } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';
import { declaredWorkMs, type JobBudget, maxJobWorkMs } from './budget.js';
import type { JobChange, JobDefinition, JobStore } from './job-store.js';

export interface StartJobDependencies {
  queue: JobQueue;
  jobs: Pick<JobStore, 'queued' | 'forget'>;
  clock: Clock;
  newId: IdGenerator;
  topics: TopicScheme;
  budget: JobBudget;
}

export async function startJob(user: AppUser, rawBody: unknown, deps: StartJobDependencies): Promise<JobAccepted> {
  const body = validateBody(StartJobRequestSchema, rawBody);
  const steps = body.steps ?? 5;
  const stepMs = body.stepMs ?? 400;
  const { failAtStep } = body;
  if (failAtStep !== undefined && failAtStep > steps) throw new ValidationError(`"failAtStep" must be an integer between 1 and ${steps} (the number of steps)`);
  // A job the worker cannot finish inside its timeout would be retried until it is dead-lettered: refuse it now.
  const work = declaredWorkMs({ steps, stepMs });
  const maxWork = maxJobWorkMs(deps.budget);
  if (work > maxWork) {
    throw new ValidationError(
      `the job declares ${steps} steps x ${stepMs} ms = ${work} ms of work; at most ${maxWork} ms fit in a worker invocation ` +
        `(its ${deps.budget.workerTimeoutMs / 1000} s timeout minus a ${deps.budget.safetyMarginMs / 1000} s safety margin)`,
    );
  }
  const jobId = deps.newId();
  const job: JobMessage = {
    jobId,
    userId: user.userId,
    kind: body.kind,
    steps,
    stepMs,
    requestedAt: deps.clock.now().toISOString(),
    ...(failAtStep ? { failAtStep } : {}),
  };
  // Recorded first, so the worker always finds it; forgotten again when the queue refuses it (nothing will run). Should
  // forgetting fail too, the page shows it queued until it expires: the request itself answers with the error.
  await deps.jobs.queued({ ...definitionOf(job), ...(body.retryOf !== undefined ? { retryOf: body.retryOf } : {}) });
  try {
    await deps.queue.send(job);
  } catch (error) {
    await deps.jobs.forget(user.userId, jobId).catch(() => undefined);
    throw error;
  }
  return { jobId, topic: deps.topics.job(user.userId, jobId) };
}

/** GET /jobs -> 200: the caller's newest jobs, newest first. */
export async function recentJobs(user: AppUser, deps: { jobs: Pick<JobStore, 'recent'> }): Promise<JobList> {
  return { jobs: await deps.jobs.recent(user.userId, RECENT_JOBS) };
}

const definitionOf = (job: JobMessage): JobDefinition => ({
  userId: job.userId,
  jobId: job.jobId,
  kind: job.kind,
  steps: job.steps,
  stepMs: job.stepMs,
  requestedAt: job.requestedAt,
});

/**
 * Why a job of each kind fails when the demo asks it to (`failAtStep`): what a real job of that kind would say, in
 * words a person understands.
 */
const INJECTED_FAILURES: Readonly<Record<string, string>> = {
  report: 'the data source did not answer',
  import: 'a row of the file could not be read',
};

/** The reason of a failure the job itself reports (not retried: it would fail again). */
export function injectedFailureReason(job: Pick<JobMessage, 'kind' | 'steps'>, step: number): string {
  const reason = INJECTED_FAILURES[job.kind] ?? 'the step could not be done';
  return `The ${job.kind} stopped at step ${step} of ${job.steps}: ${reason} (this demo job was asked to fail there).`;
}

/** The reason told to the owner when the last attempt failed too: what happened, without the raw error (logged). */
export function lastAttemptReason(job: Pick<JobMessage, 'kind'>, attempts: number, error: unknown): string {
  if (error instanceof DeadlineExceededError) return `The ${job.kind} could not finish: the worker ran out of time on each of its ${attempts} attempts.`;
  return `The ${job.kind} could not finish after ${attempts} attempts: the service had a problem (the operators have the details).`;
}

export interface RunJobDependencies {
  publisher: Publisher;
  jobs: Pick<JobStore, 'record'>;
  clock: Clock;
  topics: TopicScheme;
  sleep: (ms: number) => Promise<void>;
  /** Epoch ms by which the job must be done or given back to the queue (the invocation's timeout minus the margin). */
  deadline: number;
  /** A step could not be recorded (the page shows it after a reload only once a later one is): for the logs. */
  onRecordFailed?: (error: unknown) => void;
}

/** The worker is out of time for this job: it goes back to the queue (SQS retries it), untouched or part-way. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/** Delivery attempt of the queue message, for "give up" reporting on the last one. */
export interface Attempt {
  receiveCount: number;
  maxReceiveCount: number;
}

/** How a run ended: the job's status, or `finished-before` for a redelivered message of a job that had ended. */
export type RunOutcome = JobStatus | 'finished-before';

/**
 * Runs one job. A failure of the job itself is reported (on the topic and in the store) and not retried (it would fail
 * again); a transient failure (e.g. publishing, or the invocation running out of time) is thrown so the queue retries
 * it, and on the last attempt, before the message moves to the dead-letter queue, the owner is told why.
 *
 * Each step is recorded in the store before it is published (the progress of steps best effort, the start and the
 * outcome for sure). A queue message delivered again after its job finished (SQS delivers at least once) does not run
 * it again: its outcome is published once more, for a page that missed it.
 *
 * The job never outlives the invocation: it is not started when its declared work does not fit before the deadline,
 * and it stops before a step that would end past it.
 */
export async function runJob(job: JobMessage, attempt: Attempt, deps: RunJobDependencies): Promise<RunOutcome> {
  const topic = deps.topics.job(job.userId, job.jobId);
  const definition = definitionOf(job);
  const event = (status: JobStatus, step: number, extra: Partial<JobEvent> = {}): JobEvent => ({
    type: 'job',
    jobId: job.jobId,
    kind: job.kind,
    status,
    step,
    steps: job.steps,
    progress: Math.round((step / job.steps) * 100),
    at: deps.clock.now().toISOString(),
    ...extra,
  });
  const changeOf = (e: JobEvent): JobChange => ({
    status: e.status,
    step: e.step,
    progress: e.progress,
    at: e.at,
    ...(e.result ? { result: e.result } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
  });
  /** Records the step (for sure, or best effort) and publishes it. */
  const report = async (e: JobEvent, sure: boolean) => {
    try {
      await deps.jobs.record(definition, changeOf(e));
    } catch (error) {
      if (sure) throw error;
      deps.onRecordFailed?.(error);
    }
    await deps.publisher.publish(topic, e, 1);
  };
  const timeLeft = () => deps.deadline - deps.clock.now().getTime();
  try {
    const work = declaredWorkMs(job);
    if (work > timeLeft())
      throw new DeadlineExceededError(`not started: its ${work} ms of work did not fit in the ${Math.max(0, timeLeft())} ms the worker had left`);
    const started = event('running', 0);
    const recorded = await deps.jobs.record(definition, changeOf(started));
    if (!recorded.recorded) {
      const { finished } = recorded;
      const status = finished.status === 'succeeded' ? 'succeeded' : 'failed';
      const again = event(status, finished.step, {
        at: finished.updatedAt,
        ...(finished.result ? { result: finished.result } : {}),
        ...(finished.error !== undefined ? { error: finished.error } : {}),
      });
      await deps.publisher.publish(topic, again, 1);
      return 'finished-before';
    }
    await deps.publisher.publish(topic, started, 1);
    for (let step = 1; step <= job.steps; step += 1) {
      if (job.stepMs > timeLeft()) throw new DeadlineExceededError(`stopped before step ${step} of ${job.steps}: the worker was running out of time`);
      await deps.sleep(job.stepMs);
      if (job.failAtStep === step) throw new JobFailedError(injectedFailureReason(job, step));
      if (step < job.steps) await report(event('running', step), false);
    }
    await report(event('succeeded', job.steps, { result: { summary: `${job.kind} finished in ${job.steps} steps` } }), true);
    return 'succeeded';
  } catch (error) {
    if (error instanceof JobFailedError) {
      await report(event('failed', job.failAtStep ?? 0, { error: error.message }), true);
      return 'failed';
    }
    if (attempt.receiveCount >= attempt.maxReceiveCount) {
      // Best effort: the message goes to the dead-letter queue next (it stays there for inspection and redrive); tell
      // the owner now, in words, and keep it so a reload shows it. The raw error is for the logs (the caller's).
      await report(event('failed', 0, { error: lastAttemptReason(job, attempt.receiveCount, error) }), true).catch(() => undefined);
    }
    throw error;
  }
}

export function parseJobMessage(body: string): JobMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ValidationError('malformed job message: not JSON', { cause: error });
  }
  const result = v.safeParse(JobMessageSchema, parsed);
  if (!result.success) throw new ValidationError('malformed job message');
  return result.output;
}
