/** The users function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { UsersEnv } from '../../core/contracts/function-env.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { callerResolverFromConfig } from '../shared/callers-from-config.js';
import { rateLimiterFromConfig } from '../shared/dynamo-rate-limiter.js';
import { createLogger } from '../shared/logger.js';
import { powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import { DynamoUserDirectory } from './dynamo-user-directory.js';
import type { UsersHandlerDependencies } from './handler.js';
import { profileRegistrar } from './registration.js';

export function usersDependencies(config: UsersEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): UsersHandlerDependencies {
  const logger = createLogger('users', runtime.logLevel);
  const dynamo = new DynamoDBClient(aws);
  const directory = new DynamoUserDirectory(dynamo, config.USERS_TABLE_NAME, systemClock);
  return {
    logger,
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
    resolveCaller: callerResolverFromConfig(config, aws),
    directory,
    registrar: profileRegistrar(directory, logger),
    rateLimiter: rateLimiterFromConfig(config, dynamo, { scope: 'users', clock: systemClock, logger }),
  };
}
