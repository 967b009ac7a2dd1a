/** The rooms function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RoomsEnv } from '../../core/contracts/function-env.js';
import { newSortableId } from '../../core/ids.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { callerResolverFromConfig } from '../shared/callers-from-config.js';
import { rateLimiterFromConfig } from '../shared/dynamo-rate-limiter.js';
import { DynamoRoomStore } from '../shared/dynamo-room-store.js';
import { createLogger } from '../shared/logger.js';
import { powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { RoomsHandlerDependencies } from './handler.js';

export function roomsDependencies(config: RoomsEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): RoomsHandlerDependencies {
  const logger = createLogger('rooms', runtime.logLevel);
  const dynamo = new DynamoDBClient(aws);
  return {
    logger,
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
    resolveCaller: callerResolverFromConfig(config, aws),
    rateLimiter: rateLimiterFromConfig(config, dynamo, { scope: 'rooms', clock: systemClock, logger }),
    store: new DynamoRoomStore(dynamo, { membershipsTable: config.MEMBERSHIPS_TABLE_NAME }),
    clock: systemClock,
    newRoomId: () => newSortableId(Date.now()).toLowerCase(),
  };
}
