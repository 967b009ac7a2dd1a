/** POST /jobs {kind, steps?, stepMs?, failAtStep?}: queues the job and answers 202 {jobId, topic} at once. */
import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { TopicScheme } from '../../core/topics.js';
import { appTokenVerifierFromConfig, type AppTokenVerifier } from '../shared/app-token.js';
import { SqsJobQueue } from '../shared/aws-adapters.js';
import { jsonResponse } from '../shared/http-errors.js';
import { createLogger, httpHandler } from '../shared/http-handler.js';
import { systemClock, type Clock, type JobQueue } from '../shared/ports.js';
import { jsonBody } from '../shared/request.js';
import { loadJobsApiConfig } from './config.js';
import { startJob } from './core.js';

const config = loadJobsApiConfig(process.env);
const logger = createLogger('jobs');
const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });

export interface JobsFunctionDependencies {
  verifyToken: AppTokenVerifier;
  queue: JobQueue;
  clock: Clock;
}

let deps: JobsFunctionDependencies = {
  verifyToken: appTokenVerifierFromConfig(config),
  queue: new SqsJobQueue(new SQSClient({ region: config.AWS_REGION }), config.JOBS_QUEUE_URL),
  clock: systemClock,
};

export function overrideDependencies(overrides: Partial<JobsFunctionDependencies>): void {
  deps = { ...deps, ...overrides };
}

export const handler = httpHandler(logger, async (event) => {
  const user = await deps.verifyToken(event.headers.authorization);
  const started = await startJob(user, jsonBody(event, 4096), { queue: deps.queue, clock: deps.clock, newId: randomUUID, topics });
  logger.info('job queued', { userId: user.userId, jobId: started.jobId });
  return jsonResponse(202, started);
});
