/** POST /jobs {kind, steps?, stepMs?, failAtStep?}: queues the job and answers 202 {jobId, topic} at once. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { JobsApiEnv } from '../../core/contracts/function-env.js';
import { TopicScheme } from '../../core/topics.js';
import type { AppTokenVerifier } from '../shared/app-token.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { Clock, IdGenerator, JobQueue } from '../shared/ports.js';
import { jsonBody } from '../shared/request.js';
import { startJob } from './core.js';

const MAX_BODY_BYTES = 4096;

export interface JobsApiHandlerDependencies {
  config: JobsApiEnv;
  logger: Logger;
  verifyToken: AppTokenVerifier;
  queue: JobQueue;
  clock: Clock;
  newId: IdGenerator;
}

export function createJobsApiHandler({ config, logger, verifyToken, queue, clock, newId }: JobsApiHandlerDependencies) {
  const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });
  return httpHandler(logger, async (event) => {
    const user = await verifyToken(event.headers.authorization);
    const started = await startJob(user, jsonBody(event, MAX_BODY_BYTES), { queue, clock, newId, topics });
    logger.info('job queued', { userId: user.userId, jobId: started.jobId });
    return jsonResponse(202, started);
  });
}
