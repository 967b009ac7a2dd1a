/** The job worker (SQS event source, partial batch failures): failed records are retried by SQS, then dead-lettered. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { JobsWorkerEnv } from '../../core/contracts/function-env.js';
import { TopicScheme } from '../../core/topics.js';
import type { Clock, Publisher } from '../shared/ports.js';
import { parseJobMessage, runJob } from './core.js';

export interface JobsWorkerHandlerDependencies {
  config: JobsWorkerEnv;
  logger: Logger;
  publisher: Publisher;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
}

export function createJobsWorkerHandler({ config, logger, publisher, clock, sleep }: JobsWorkerHandlerDependencies) {
  const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
      for (const record of event.Records) {
        const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
        try {
          const job = parseJobMessage(record.body);
          const status = await runJob(job, { receiveCount, maxReceiveCount: config.JOBS_MAX_RECEIVE_COUNT }, { publisher, clock, sleep, topics });
          logger.info('job finished', { jobId: job.jobId, status, receiveCount });
        } catch (error) {
          logger.warn('job attempt failed; SQS will retry or dead-letter it', { messageId: record.messageId, receiveCount, error });
          batchItemFailures.push({ itemIdentifier: record.messageId });
        }
      }
      return { batchItemFailures };
    });
}
