/**
 * Asynchronous jobs (the second seed article's pattern): POST /jobs answers at once with where to listen; a worker
 * does the work in steps and publishes progress and the result to the owner's private job topic.
 */

import * as v from 'valibot';
import { type JobAccepted, type JobMessage, JobMessageSchema, StartJobRequestSchema } from '../../core/contracts/jobs.js';
import type { JobEvent, JobStatus } from '../../core/contracts/mqtt.js';
import type { TopicScheme } from '../../core/topics.js';
import type { AppUser } from '../shared/app-token.js';
import { JobFailedError, ValidationError } from '../shared/errors.js';
import type { Clock, IdGenerator, JobQueue, Publisher } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';
import { declaredWorkMs, type JobBudget, maxJobWorkMs } from './budget.js';

export interface StartJobDependencies {
  queue: JobQueue;
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
  await deps.queue.send(job);
  return { jobId, topic: deps.topics.job(user.userId, jobId) };
}

export interface RunJobDependencies {
  publisher: Publisher;
  clock: Clock;
  topics: TopicScheme;
  sleep: (ms: number) => Promise<void>;
  /** Epoch ms by which the job must be done or given back to the queue (the invocation's timeout minus the margin). */
  deadline: number;
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

/**
 * Runs one job. A failure of the job itself is reported on the topic and not retried (it would fail again); a
 * transient failure (e.g. publishing, or the invocation running out of time) is thrown so the queue retries it, and
 * on the last attempt, before the message moves to the dead-letter queue, the owner is told why.
 *
 * The job never outlives the invocation: it is not started when its declared work does not fit before the deadline,
 * and it stops before a step that would end past it.
 */
export async function runJob(job: JobMessage, attempt: Attempt, deps: RunJobDependencies): Promise<Exclude<JobStatus, 'running'>> {
  const topic = deps.topics.job(job.userId, job.jobId);
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
  const timeLeft = () => deps.deadline - deps.clock.now().getTime();
  try {
    const work = declaredWorkMs(job);
    if (work > timeLeft())
      throw new DeadlineExceededError(`not started: its ${work} ms of work did not fit in the ${Math.max(0, timeLeft())} ms the worker had left`);
    await deps.publisher.publish(topic, event('running', 0), 1);
    for (let step = 1; step <= job.steps; step += 1) {
      if (job.stepMs > timeLeft()) throw new DeadlineExceededError(`stopped before step ${step} of ${job.steps}: the worker was running out of time`);
      await deps.sleep(job.stepMs);
      if (job.failAtStep === step) throw new JobFailedError(`step ${step} of ${job.steps} failed`);
      if (step < job.steps) await deps.publisher.publish(topic, event('running', step), 1);
    }
    await deps.publisher.publish(topic, event('succeeded', job.steps, { result: { summary: `${job.kind} finished in ${job.steps} steps` } }), 1);
    return 'succeeded';
  } catch (error) {
    if (error instanceof JobFailedError) {
      await deps.publisher.publish(topic, event('failed', job.failAtStep ?? 0, { error: error.message }), 1);
      return 'failed';
    }
    if (attempt.receiveCount >= attempt.maxReceiveCount) {
      // Best effort: the message goes to the dead-letter queue next (it stays there for inspection and redrive); tell
      // the owner now, with the reason of the last attempt.
      const reason = error instanceof Error ? error.message : String(error);
      await deps.publisher
        .publish(topic, event('failed', 0, { error: `the job could not be completed after ${attempt.receiveCount} attempts (last: ${reason})` }), 1)
        .catch(() => undefined);
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
