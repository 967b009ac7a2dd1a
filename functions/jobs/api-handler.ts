/**
 * POST /jobs {kind, steps?, stepMs?, failAtStep?, retryOf?}: queues the job and answers 202 {jobId, topic} at once. An
 * `Idempotency-Key` header makes a retry return the first 202 and queue nothing (api-start.ts). Each POST counts
 * against the caller's limit. GET /jobs: the caller's newest jobs with their progress or outcome (the store's).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobsApiEnv } from '../../core/contracts/function-env.js';
import { TopicScheme } from '../../core/topics.js';
import type { AppTokenVerifier } from '../shared/app-token.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import { guardedResponse, type IdempotencyStore, idempotencyKeyOf } from '../shared/idempotency.js';
import type { AppMetrics } from '../shared/metrics.js';
import { type Clock, type IdGenerator, type JobQueue, type RateLimiter, unlimited } from '../shared/ports.js';
import { jsonBody } from '../shared/request.js';
import { startJobOnce } from './api-start.js';
import { JOB_BUDGET, type JobBudget } from './budget.js';
import { recentJobs } from './core.js';
import type { JobStore } from './job-store.js';

const MAX_BODY_BYTES = 4096;

export interface JobsApiHandlerDependencies {
  config: JobsApiEnv;
  logger: Logger;
  verifyToken: AppTokenVerifier;
  queue: JobQueue;
  /** Each user's jobs, for GET /jobs and a page's reload. */
  jobs: JobStore;
  clock: Clock;
  newId: IdGenerator;
  /** Per-user limit of POST /jobs (none when absent). */
  rateLimiter?: RateLimiter;
  /** Idempotency records of POST /jobs. */
  idempotency: IdempotencyStore;
  /** How long a claimed key stays pending: at least this function's timeout (functions/catalog.ts). */
  idempotencyPendingSeconds: number;
  metrics?: AppMetrics;
  /** The worker's time budget; the catalog's by default. */
  budget?: JobBudget;
}

export function createJobsApiHandler({
  config,
  logger,
  verifyToken,
  queue,
  jobs,
  clock,
  newId,
  rateLimiter = unlimited,
  idempotency,
  idempotencyPendingSeconds,
  metrics,
  budget = JOB_BUDGET,
}: JobsApiHandlerDependencies) {
  const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });
  return httpHandler(
    logger,
    async (event) => {
      const user = await verifyToken(event.headers.authorization);
      if (event.routeKey === 'GET /jobs') return jsonResponse(200, await recentJobs(user, { jobs }));
      await rateLimiter.consume(user.userId);
      const started = await startJobOnce(user, jsonBody(event, MAX_BODY_BYTES), idempotencyKeyOf(event), {
        queue,
        jobs,
        clock,
        newId,
        topics,
        budget,
        idempotency,
        pendingSeconds: idempotencyPendingSeconds,
        logger,
      });
      logger.info(started.replayed ? 'job request replayed' : 'job queued', { userId: user.userId, ...(started.response.body as object) });
      return guardedResponse(started.replayed ? { outcome: 'replayed', response: started.response } : { outcome: 'written' }, () =>
        jsonResponse(started.response.statusCode, started.response.body),
      );
    },
    metrics,
  );
}
