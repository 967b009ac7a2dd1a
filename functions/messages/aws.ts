/** The messages and history functions' AWS dependencies, built from their config (deployed entries and local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { HistoryEnv, MessagesEnv } from '../../core/contracts/function-env.js';
import { newSortableId } from '../../core/ids.js';
import { TopicScheme } from '../../core/topics.js';
import { IotDataPublisher, SqsFanoutQueue } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { callerResolverFromConfig } from '../shared/callers-from-config.js';
import { rateLimiterFromConfig } from '../shared/dynamo-rate-limiter.js';
import { DynamoRoomStore } from '../shared/dynamo-room-store.js';
import { createLogger } from '../shared/logger.js';
import { countingPublisher, powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { MessagesHandlerDependencies } from './handler.js';
import type { HistoryHandlerDependencies } from './history-handler.js';

const DAY_SECONDS = 86_400;

export function messagesDependencies(config: MessagesEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): MessagesHandlerDependencies {
  const logger = createLogger('messages', runtime.logLevel);
  const metrics = runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE });
  const dynamo = new DynamoDBClient(aws);
  return {
    logger,
    metrics,
    resolveCaller: callerResolverFromConfig(config, aws),
    rateLimiter: rateLimiterFromConfig(config, dynamo, { scope: 'messages', clock: systemClock, logger }),
    store: new DynamoRoomStore(dynamo, {
      membershipsTable: config.MEMBERSHIPS_TABLE_NAME,
      messagesTable: config.MESSAGES_TABLE_NAME,
      idempotencyTable: config.IDEMPOTENCY_TABLE_NAME,
    }),
    // Deployed, the SDK resolves the iot:Data-ATS endpoint from AWS_ENDPOINT_URL_IOT_DATA_PLANE, which infra sets.
    publisher: countingPublisher(new IotDataPublisher(new IoTDataPlaneClient(aws)), metrics),
    fanoutQueue: new SqsFanoutQueue(new SQSClient(aws), config.FANOUT_QUEUE_URL),
    clock: systemClock,
    newMessageId: () => newSortableId(Date.now()),
    topics: new TopicScheme({ app: config.APP_NAME, stage: config.STAGE }),
    historyTtlSeconds: config.HISTORY_TTL_DAYS * DAY_SECONDS,
    directFanoutMax: config.DIRECT_FANOUT_MAX,
    publishConcurrency: config.PUBLISH_CONCURRENCY,
  };
}

export function historyDependencies(config: HistoryEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): HistoryHandlerDependencies {
  return {
    logger: createLogger('history', runtime.logLevel),
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
    resolveCaller: callerResolverFromConfig(config, aws),
    store: new DynamoRoomStore(new DynamoDBClient(aws), { membershipsTable: config.MEMBERSHIPS_TABLE_NAME, messagesTable: config.MESSAGES_TABLE_NAME }),
  };
}
