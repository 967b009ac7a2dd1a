/** The rooms function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { RoomsEnv } from '../../core/contracts/function-env.js';
import { newSortableId } from '../../core/ids.js';
import { TopicScheme } from '../../core/topics.js';
import { DynamoPresenceStore } from '../presence/dynamo-presence-store.js';
import { IotDataPublisher, SqsFanoutQueue } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { callerResolverFromConfig } from '../shared/callers-from-config.js';
import { inviteLimiterFromConfig, rateLimiterFromConfig } from '../shared/dynamo-rate-limiter.js';
import { DynamoRoomStore } from '../shared/dynamo-room-store.js';
import { createLogger } from '../shared/logger.js';
import { countingPublisher, powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import { DynamoUserDirectory } from '../users/dynamo-user-directory.js';
import { profileRegistrar } from '../users/registration.js';
import type { RoomsHandlerDependencies } from './handler.js';

export function roomsDependencies(config: RoomsEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): RoomsHandlerDependencies {
  const logger = createLogger('rooms', runtime.logLevel);
  const metrics = runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE });
  const dynamo = new DynamoDBClient(aws);
  const directory = new DynamoUserDirectory(dynamo, config.USERS_TABLE_NAME, systemClock);
  return {
    logger,
    metrics,
    resolveCaller: callerResolverFromConfig(config, aws),
    rateLimiter: rateLimiterFromConfig(config, dynamo, { scope: 'rooms', clock: systemClock, logger }),
    inviteLimiter: inviteLimiterFromConfig(config, dynamo, { clock: systemClock, logger }),
    store: new DynamoRoomStore(dynamo, {
      membershipsTable: config.MEMBERSHIPS_TABLE_NAME,
      messagesTable: config.MESSAGES_TABLE_NAME,
      idempotencyTable: config.IDEMPOTENCY_TABLE_NAME,
    }),
    directory,
    registrar: profileRegistrar(directory, logger),
    presence: new DynamoPresenceStore(dynamo, config.PRESENCE_TABLE_NAME),
    // Deployed, the SDK resolves the iot:Data-ATS endpoint from AWS_ENDPOINT_URL_IOT_DATA_PLANE, which infra sets.
    publisher: countingPublisher(new IotDataPublisher(new IoTDataPlaneClient(aws)), metrics),
    fanoutQueue: new SqsFanoutQueue(new SQSClient(aws), config.FANOUT_QUEUE_URL),
    topics: new TopicScheme({ app: config.APP_NAME, stage: config.STAGE }),
    directFanoutMax: config.DIRECT_FANOUT_MAX,
    publishConcurrency: config.PUBLISH_CONCURRENCY,
    clock: systemClock,
    newRoomId: () => newSortableId(Date.now()).toLowerCase(),
    newEventId: () => newSortableId(Date.now()),
  };
}
