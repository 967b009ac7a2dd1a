/**
 * The fan-out worker (SQS event source): publishes each task's message to its recipients' inboxes with bounded
 * concurrency. A task with a failed publish is reported as a batch item failure, so SQS retries it (members reached
 * already may get the message twice: QoS 1 is at least once, and browsers de-duplicate by messageId); after
 * maxReceiveCount it goes to the dead-letter queue.
 */

import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { FanoutTaskSchema } from '../../core/contracts/fanout.js';
import type { FanoutWorkerEnv } from '../../core/contracts/function-env.js';
import { TopicScheme } from '../../core/topics.js';
import { PublishFailedError, ValidationError } from '../shared/errors.js';
import { deliverToInboxes } from '../shared/fanout.js';
import { type AppMetrics, flushMetrics, noMetrics } from '../shared/metrics.js';
import type { Publisher } from '../shared/ports.js';

export interface FanoutWorkerDependencies {
  config: FanoutWorkerEnv;
  logger: Logger;
  publisher: Publisher;
  metrics?: AppMetrics;
}

export function createFanoutWorkerHandler({ config, logger, publisher, metrics = noMetrics }: FanoutWorkerDependencies) {
  const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });
  const processor = new BatchProcessor(EventType.SQS);

  async function deliver(record: SQSRecord): Promise<void> {
    let task: v.InferOutput<typeof FanoutTaskSchema>;
    try {
      task = v.parse(FanoutTaskSchema, JSON.parse(record.body));
    } catch (error) {
      throw new ValidationError('malformed fan-out task', { cause: error });
    }
    const failed = await deliverToInboxes(task.message, task.recipients, { publisher, topics, concurrency: config.FANOUT_PUBLISH_CONCURRENCY });
    if (failed.length > 0) throw new PublishFailedError(`could not deliver to ${failed.length} of ${task.recipients.length} inboxes`, true);
    const id = task.message.type === 'message' ? task.message.messageId : task.message.eventId;
    logger.debug('fan-out delivered', { type: task.message.type, id, recipients: task.recipients.length });
  }

  return middy<SQSEvent, SQSBatchResponse>()
    .use(flushMetrics(metrics))
    .use(injectLambdaContext(logger))
    .handler(async (event, context) => processPartialResponse(event, deliver, processor, { context }));
}
