/** The rooms function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RoomsEnv } from '../../core/contracts/function-env.js';
import { newSortableId } from '../../core/ids.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { callerResolverFromConfig } from '../shared/callers-from-config.js';
import { DynamoRoomStore } from '../shared/dynamo-room-store.js';
import { createLogger, type LogLevel } from '../shared/logger.js';
import { systemClock } from '../shared/ports.js';
import type { RoomsHandlerDependencies } from './handler.js';

export function roomsDependencies(config: RoomsEnv, aws: AwsClientOptions, logLevel?: LogLevel): RoomsHandlerDependencies {
  return {
    logger: createLogger('rooms', logLevel),
    resolveCaller: callerResolverFromConfig(config, aws),
    store: new DynamoRoomStore(new DynamoDBClient(aws), { membershipsTable: config.MEMBERSHIPS_TABLE_NAME }),
    clock: systemClock,
    newRoomId: () => newSortableId(Date.now()).toLowerCase(),
  };
}
