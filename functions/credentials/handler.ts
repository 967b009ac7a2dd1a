/** POST /credentials: Authorization: Bearer <app JWT> -> hourly, user-scoped IoT credentials. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CredentialsEnv } from '../../core/contracts/function-env.js';
import type { AppTokenVerifier } from '../shared/app-token.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { CredentialVendor } from '../shared/ports.js';
import { issueRealtimeCredentials } from './core.js';

export interface CredentialsHandlerDependencies {
  config: CredentialsEnv;
  logger: Logger;
  verifyToken: AppTokenVerifier;
  vendor: CredentialVendor;
}

export function createCredentialsHandler({ config, logger, verifyToken, vendor }: CredentialsHandlerDependencies) {
  const deployment = { app: config.APP_NAME, stage: config.STAGE, region: config.AWS_REGION, accountId: config.AWS_ACCOUNT_ID };
  return httpHandler(logger, async (event) => {
    const user = await verifyToken(event.headers.authorization);
    const response = await issueRealtimeCredentials(user, { vendor, deployment, iotEndpoint: config.IOT_ENDPOINT, durationSeconds: config.CREDENTIALS_DURATION_SECONDS });
    logger.info('credentials issued', { userId: user.userId, expiration: response.expiration });
    // Credentials must never be cached by a browser or a proxy.
    return jsonResponse(200, response, { 'cache-control': 'no-store' });
  });
}
