/** POST /jobs {kind, steps?, stepMs?, failAtStep?}: queues the job and answers 202 {jobId, topic} at once. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobsApiEnv } from '../../core/contracts/function-env.js';
import { TopicScheme } from '../../core/topics.js';
import type { AppTokenVerifier } from '../shared/app-token.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { AppMetrics } from '../shared/metrics.js';
import { type Clock, type IdGenerator, type JobQueue, type RateLimiter, unlimited } from '../shared/ports.js';
import { jsonBody } from '../shared/request.js';
import { JOB_BUDGET, type JobBudget } from './budget.js';
import { startJob } from './core.js';

const MAX_BODY_BYTES = 4096;

export interface JobsApiHandlerDependencies {
  config: JobsApiEnv;
  logger: Logger;
  verifyToken: AppTokenVerifier;
  queue: JobQueue;
  clock: Clock;
  newId: IdGenerator;
  /** Per-user limit of POST /jobs (none when absent). */
  rateLimiter?: RateLimiter;
  metrics?: AppMetrics;
  /** The worker's time budget; the catalog's by default. */
  budget?: JobBudget;
}

export function createJobsApiHandler({
  config,
  logger,
  verifyToken,
  queue,
  clock,
  newId,
  rateLimiter = unlimited,
  metrics,
  budget = JOB_BUDGET,
}: JobsApiHandlerDependencies) {
  const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });
  return httpHandler(
    logger,
    async (event) => {
      const user = await verifyToken(event.headers.authorization);
      await rateLimiter.consume(user.userId);
      const started = await startJob(user, jsonBody(event, MAX_BODY_BYTES), { queue, clock, newId, topics, budget });
      logger.info('job queued', { userId: user.userId, jobId: started.jobId });
      return jsonResponse(202, started);
    },
    metrics,
  );
}
