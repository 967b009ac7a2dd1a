/** The presence functions' AWS dependencies, built from their config (the deployed entries and the local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { PresenceEnv, PresenceEventsEnv } from '../../core/contracts/function-env.js';
import { TopicScheme } from '../../core/topics.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { callerResolverFromConfig } from '../shared/callers-from-config.js';
import { DynamoRoomStore } from '../shared/dynamo-room-store.js';
import { createLogger } from '../shared/logger.js';
import { countingPublisher, powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import { DynamoPresenceStore } from './dynamo-presence-store.js';
import type { PresenceEventsHandlerDependencies } from './events-handler.js';
import type { PresenceHandlerDependencies } from './handler.js';

export function presenceDependencies(config: PresenceEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): PresenceHandlerDependencies {
  const dynamo = new DynamoDBClient(aws);
  return {
    logger: createLogger('presence', runtime.logLevel),
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
    resolveCaller: callerResolverFromConfig(config, aws),
    store: new DynamoRoomStore(dynamo, { membershipsTable: config.MEMBERSHIPS_TABLE_NAME }),
    presence: new DynamoPresenceStore(dynamo, config.PRESENCE_TABLE_NAME),
    clock: systemClock,
  };
}

export function presenceEventsDependencies(config: PresenceEventsEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): PresenceEventsHandlerDependencies {
  const metrics = runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE });
  const dynamo = new DynamoDBClient(aws);
  return {
    logger: createLogger('presence-events', runtime.logLevel),
    metrics,
    presence: new DynamoPresenceStore(dynamo, config.PRESENCE_TABLE_NAME),
    rooms: new DynamoRoomStore(dynamo, { membershipsTable: config.MEMBERSHIPS_TABLE_NAME }),
    // Deployed, the SDK resolves the iot:Data-ATS endpoint from AWS_ENDPOINT_URL_IOT_DATA_PLANE, which infra sets.
    publisher: countingPublisher(new IotDataPublisher(new IoTDataPlaneClient(aws)), metrics),
    topics: new TopicScheme({ app: config.APP_NAME, stage: config.STAGE }),
    clock: systemClock,
    publishConcurrency: config.PRESENCE_PUBLISH_CONCURRENCY,
    maxNotifications: config.PRESENCE_MAX_NOTIFICATIONS,
  };
}
