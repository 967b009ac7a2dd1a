/** The job worker (SQS event source, partial batch failures): failed records are retried by SQS, then dead-lettered. */
import middy from '@middy/core';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import { TopicScheme } from '../../core/topics.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import { createLogger } from '../shared/http-handler.js';
import { systemClock, type Clock, type Publisher } from '../shared/ports.js';
import { loadJobsWorkerConfig } from './config.js';
import { parseJobMessage, runJob } from './core.js';

const config = loadJobsWorkerConfig(process.env);
const logger = createLogger('jobs-worker');
const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });

export interface JobsWorkerDependencies {
  publisher: Publisher;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
}

let deps: JobsWorkerDependencies = {
  publisher: new IotDataPublisher(new IoTDataPlaneClient({ region: config.AWS_REGION })),
  clock: systemClock,
  sleep: (ms) => sleep(ms),
};

export function overrideDependencies(overrides: Partial<JobsWorkerDependencies>): void {
  deps = { ...deps, ...overrides };
}

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
      try {
        const job = parseJobMessage(record.body);
        const status = await runJob(job, { receiveCount, maxReceiveCount: config.JOBS_MAX_RECEIVE_COUNT }, { ...deps, topics });
        logger.info('job finished', { jobId: job.jobId, status, receiveCount });
      } catch (error) {
        logger.warn('job attempt failed; SQS will retry or dead-letter it', { messageId: record.messageId, receiveCount, error });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  });
