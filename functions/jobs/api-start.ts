/**
 * POST /jobs with an `Idempotency-Key` (functions/shared/idempotency.ts): a job's effect is a queue message, not a
 * store item, so the key is claimed as pending first, the job queued, and the record then completed. A retry while the
 * first request runs gets 409; one after it gets the first 202 again and queues nothing; if the queue refused the job,
 * the claim is released, so a retry queues it. A first attempt that died holding the claim is taken over once its
 * pending time (the function's timeout and a margin) has passed.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type JobAccepted, StartJobRequestSchema } from '../../core/contracts/jobs.js';
import type { AppUser } from '../shared/app-token.js';
import { fingerprintOf, type IdempotencyStore, idempotencyClaim, type StoredResponse } from '../shared/idempotency.js';
import { validateBody } from '../shared/request.js';
import { type StartJobDependencies, startJob } from './core.js';

export interface IdempotentStartDependencies extends StartJobDependencies {
  idempotency: IdempotencyStore;
  /** How long a claim stays pending: at least the function's timeout. */
  pendingSeconds: number;
  logger: Logger;
}

export interface StartedJob {
  response: StoredResponse;
  replayed: boolean;
}

export async function startJobOnce(user: AppUser, body: unknown, idempotencyKey: string | undefined, deps: IdempotentStartDependencies): Promise<StartedJob> {
  if (idempotencyKey === undefined) return { response: { statusCode: 202, body: await startJob(user, body, deps) }, replayed: false };
  const request = validateBody(StartJobRequestSchema, body);
  const jobId = deps.newId();
  const accepted: JobAccepted = { jobId, topic: deps.topics.job(user.userId, jobId) };
  const nowMs = deps.clock.now().getTime();
  const claim = idempotencyClaim(
    { scope: 'jobs', userId: user.userId, key: idempotencyKey, fingerprint: fingerprintOf(request) },
    { statusCode: 202, body: accepted },
    nowMs,
  );
  const claimed = await deps.idempotency.claim(claim, Math.floor(nowMs / 1000) + deps.pendingSeconds);
  if (claimed.outcome === 'replayed') return { response: claimed.response, replayed: true };
  try {
    await startJob(user, body, { ...deps, newId: () => jobId });
  } catch (error) {
    // Nothing was queued (or the request was refused): give the key back so a retry can try again at once.
    await deps.idempotency.release(claim).catch((releaseError: unknown) => deps.logger.warn('idempotency key not released', { jobId, error: releaseError }));
    throw error;
  }
  try {
    await deps.idempotency.complete(claim);
  } catch (error) {
    // The job is queued: answer 202. Until the claim's pending time passes, retries get 409 rather than a second job.
    deps.logger.error('idempotency record not completed after the job was queued', { jobId, error });
  }
  return { response: { statusCode: 202, body: accepted }, replayed: false };
}
