/** The credentials function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import type { CredentialsEnv } from '../../core/contracts/function-env.js';
import { appTokenVerifierFromConfig } from '../shared/app-token.js';
import { StsCredentialVendor } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { rateLimiterFromConfig } from '../shared/dynamo-rate-limiter.js';
import { createLogger } from '../shared/logger.js';
import { powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { CredentialsHandlerDependencies } from './handler.js';
import { tabLimiterFromConfig } from './tab-limit.js';

export function credentialsDependencies(config: CredentialsEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): CredentialsHandlerDependencies {
  const logger = createLogger('credentials', runtime.logLevel);
  const dynamo = new DynamoDBClient(aws);
  return {
    config,
    logger,
    verifyToken: appTokenVerifierFromConfig(config),
    vendor: new StsCredentialVendor(new STSClient(aws), config.BROWSER_CLIENT_ROLE_ARN),
    rateLimiter: rateLimiterFromConfig(config, dynamo, { scope: 'credentials', clock: systemClock, logger }),
    tabLimiter: tabLimiterFromConfig(config, dynamo, { clock: systemClock }),
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
  };
}
