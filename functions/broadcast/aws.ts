/** The broadcast function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { BroadcastEnv } from '../../core/contracts/function-env.js';
import { newSortableId } from '../../core/ids.js';
import { TopicScheme } from '../../core/topics.js';
import { appTokenVerifierFromConfig } from '../shared/app-token.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { callerResolverFromConfig } from '../shared/callers-from-config.js';
import { rateLimiterFromConfig } from '../shared/dynamo-rate-limiter.js';
import { createLogger } from '../shared/logger.js';
import { countingPublisher, powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import { DynamoBroadcastStore } from './dynamo-broadcast-store.js';
import type { BroadcastHandlerDependencies } from './handler.js';

export function broadcastDependencies(config: BroadcastEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): BroadcastHandlerDependencies {
  const logger = createLogger('broadcast', runtime.logLevel);
  const metrics = runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE });
  const dynamo = new DynamoDBClient(aws);
  return {
    logger,
    metrics,
    verifyToken: appTokenVerifierFromConfig(config),
    resolveCaller: callerResolverFromConfig(config, aws),
    rateLimiter: rateLimiterFromConfig(config, dynamo, { scope: 'broadcast', clock: systemClock, logger }),
    broadcasts: new DynamoBroadcastStore(dynamo, config.BROADCASTS_TABLE_NAME, systemClock),
    // Deployed, the SDK resolves the iot:Data-ATS endpoint from AWS_ENDPOINT_URL_IOT_DATA_PLANE, which infra sets.
    publisher: countingPublisher(new IotDataPublisher(new IoTDataPlaneClient(aws)), metrics),
    clock: systemClock,
    newMessageId: () => newSortableId(Date.now()),
    topics: new TopicScheme({ app: config.APP_NAME, stage: config.STAGE }),
  };
}
