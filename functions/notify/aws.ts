/** The notify function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { NotifyEnv } from '../../core/contracts/function-env.js';
import { TopicScheme } from '../../core/topics.js';
import { IotDataPublisher, SqsFanoutQueue } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { DynamoRoomStore } from '../shared/dynamo-room-store.js';
import { createLogger } from '../shared/logger.js';
import { countingPublisher, powertoolsMetrics } from '../shared/metrics.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { NotifyHandlerDependencies } from './handler.js';

export function notifyDependencies(config: NotifyEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): NotifyHandlerDependencies {
  const metrics = runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE });
  return {
    logger: createLogger('notify', runtime.logLevel),
    metrics,
    // Only listMembers is used: its role may Query the memberships table and nothing else (core/access/model.ts).
    store: new DynamoRoomStore(new DynamoDBClient(aws), { membershipsTable: config.MEMBERSHIPS_TABLE_NAME }),
    // Deployed, the SDK resolves the iot:Data-ATS endpoint from AWS_ENDPOINT_URL_IOT_DATA_PLANE, which infra sets.
    publisher: countingPublisher(new IotDataPublisher(new IoTDataPlaneClient(aws)), metrics),
    fanoutQueue: new SqsFanoutQueue(new SQSClient(aws), config.FANOUT_QUEUE_URL),
    topics: new TopicScheme({ app: config.APP_NAME, stage: config.STAGE }),
    directFanoutMax: config.DIRECT_FANOUT_MAX,
    publishConcurrency: config.PUBLISH_CONCURRENCY,
  };
}
