/** POST /credentials: Authorization: Bearer <app JWT> -> hourly, user-scoped IoT credentials. */
import { STSClient } from '@aws-sdk/client-sts';
import { appTokenVerifierFromConfig, type AppTokenVerifier } from '../shared/app-token.js';
import { StsCredentialVendor } from '../shared/aws-adapters.js';
import { jsonResponse } from '../shared/http-errors.js';
import { createLogger, httpHandler } from '../shared/http-handler.js';
import type { CredentialVendor } from '../shared/ports.js';
import { loadCredentialsConfig } from './config.js';
import { issueRealtimeCredentials } from './core.js';

const config = loadCredentialsConfig(process.env);
const logger = createLogger('credentials');

export interface CredentialsFunctionDependencies {
  verifyToken: AppTokenVerifier;
  vendor: CredentialVendor;
}

let deps: CredentialsFunctionDependencies = {
  verifyToken: appTokenVerifierFromConfig(config),
  vendor: new StsCredentialVendor(new STSClient({ region: config.AWS_REGION }), config.BROWSER_CLIENT_ROLE_ARN),
};

/** Replaces dependencies (tests, and the local stack which gives each function its own role's credentials). */
export function overrideDependencies(overrides: Partial<CredentialsFunctionDependencies>): void {
  deps = { ...deps, ...overrides };
}

export const handler = httpHandler(logger, async (event) => {
  const user = await deps.verifyToken(event.headers.authorization);
  const response = await issueRealtimeCredentials(user, {
    vendor: deps.vendor,
    deployment: { app: config.APP_NAME, stage: config.STAGE, region: config.AWS_REGION, accountId: config.AWS_ACCOUNT_ID },
    iotEndpoint: config.IOT_ENDPOINT,
    durationSeconds: config.CREDENTIALS_DURATION_SECONDS,
  });
  logger.info('credentials issued', { userId: user.userId, rooms: user.rooms.length, expiration: response.expiration });
  // Credentials must never be cached by a browser or a proxy.
  return jsonResponse(200, response, { 'cache-control': 'no-store' });
});
