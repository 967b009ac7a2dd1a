/** The credentials function's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { STSClient } from '@aws-sdk/client-sts';
import type { CredentialsEnv } from '../../core/contracts/function-env.js';
import { appTokenVerifierFromConfig } from '../shared/app-token.js';
import { StsCredentialVendor } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import type { LogLevel } from '../shared/logger.js';
import { createLogger } from '../shared/logger.js';
import type { CredentialsHandlerDependencies } from './handler.js';

export function credentialsDependencies(config: CredentialsEnv, aws: AwsClientOptions, logLevel?: LogLevel): CredentialsHandlerDependencies {
  return {
    config,
    logger: createLogger('credentials', logLevel),
    verifyToken: appTokenVerifierFromConfig(config),
    vendor: new StsCredentialVendor(new STSClient(aws), config.BROWSER_CLIENT_ROLE_ARN),
  };
}
