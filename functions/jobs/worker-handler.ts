/**
 * The job worker (SQS event source, partial batch failures through powertools batch processing). Every invocation
 * has a deadline: its remaining time (`context.getRemainingTimeInMillis()`) minus the safety margin. A job that cannot
 * finish before it is not started, or stops before the step that would cross it, and is reported as a batch item
 * failure, so SQS makes it visible again after the visibility timeout (6x the worker's timeout, functions/catalog.ts)
 * and the invocation itself never runs into its timeout. On the last receive the owner is told why the job failed;
 * the message then moves to the dead-letter queue, where it stays for inspection and redrive.
 *
 * The batch runs in parallel: jobs wait on I/O (sleeps stand in for it here), so a batch takes as long as its longest
 * job, which POST /jobs already bounds to what fits in one invocation.
 */

import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { JobsWorkerEnv } from '../../core/contracts/function-env.js';
import type { JobCompletedData } from '../../core/contracts/jobs.js';
import { TopicScheme } from '../../core/topics.js';
import { type AppMetrics, flushMetrics, noMetrics } from '../shared/metrics.js';
import type { Clock, Publisher } from '../shared/ports.js';
import { JOB_BUDGET } from './budget.js';
import { parseJobMessage, runJob } from './core.js';
import type { JobStore } from './job-store.js';

export interface JobsWorkerHandlerDependencies {
  config: JobsWorkerEnv;
  logger: Logger;
  publisher: Publisher;
  /** Each user's jobs: every step and the outcome are recorded for the page's reload. */
  jobs: JobStore;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  metrics?: AppMetrics;
  /** Kept in hand before the invocation's timeout; the catalog budget's by default. */
  safetyMarginMs?: number;
  /**
   * Announces a finished job to its owner as a notification event on the app's bus (packages/realtime-server). Best
   * effort: the job topic already carries the result, so a refused announcement is logged, never retried by re-running
   * the job.
   */
  announceCompletion?: (userId: string, data: JobCompletedData) => Promise<void>;
}

export function createJobsWorkerHandler({
  config,
  logger,
  publisher,
  jobs,
  clock,
  sleep,
  metrics = noMetrics,
  safetyMarginMs = JOB_BUDGET.safetyMarginMs,
  announceCompletion,
}: JobsWorkerHandlerDependencies) {
  const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });
  const processor = new BatchProcessor(EventType.SQS);

  return middy<SQSEvent, SQSBatchResponse>()
    .use(flushMetrics(metrics))
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => {
      const deadline = clock.now().getTime() + context.getRemainingTimeInMillis() - safetyMarginMs;
      const runRecord = async (record: SQSRecord): Promise<void> => {
        const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
        try {
          // A malformed message names no owner to tell; it fails until it is dead-lettered.
          const job = parseJobMessage(record.body);
          const status = await runJob(
            job,
            { receiveCount, maxReceiveCount: config.JOBS_MAX_RECEIVE_COUNT },
            {
              publisher,
              jobs,
              clock,
              sleep,
              topics,
              deadline,
              onRecordFailed: (error) => logger.warn('job step not recorded; a later one will be', { jobId: job.jobId, error }),
            },
          );
          logger.info('job finished', { jobId: job.jobId, status, receiveCount });
          // A job that had finished before (SQS delivered its message again) was announced then.
          if (announceCompletion && (status === 'succeeded' || status === 'failed')) {
            await announceCompletion(job.userId, { jobId: job.jobId, kind: job.kind, status }).catch((error: unknown) =>
              logger.error('the finished job was not announced on the event bus', { jobId: job.jobId, error }),
            );
          }
        } catch (error) {
          const last = receiveCount >= config.JOBS_MAX_RECEIVE_COUNT;
          logger.warn(last ? 'job attempt failed on its last receive; SQS moves it to the dead-letter queue' : 'job attempt failed; SQS will retry it', {
            messageId: record.messageId,
            receiveCount,
            error,
          });
          throw error;
        }
      };
      return processPartialResponse(event, runRecord, processor, { context, processInParallel: true });
    });
}
