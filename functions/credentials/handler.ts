/**
 * POST /credentials (Authorization: Bearer <app JWT>; optional body `{"tab":"x1"}` or query `?tab=x1`) -> hourly
 * IoT credentials scoped to the user and to one client id. Per user: at most RATE_LIMIT_REQUESTS a window, and at most
 * TAB_CLIENTS_MAX tab client ids per credential lifetime (tab-limit.ts); both answer 429 with Retry-After. The cheap
 * checks come first: the token, the request, the counters, and only then STS.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CredentialsEnv } from '../../core/contracts/function-env.js';
import { type CredentialsRequest, CredentialsRequestSchema } from '../../core/contracts/http.js';
import type { AppTokenVerifier } from '../shared/app-token.js';
import { ValidationError } from '../shared/errors.js';
import { jsonResponse } from '../shared/http-errors.js';
import { type HttpEvent, httpHandler } from '../shared/http-handler.js';
import type { AppMetrics } from '../shared/metrics.js';
import { type CredentialVendor, type RateLimiter, unlimited } from '../shared/ports.js';
import { jsonBody, validateBody } from '../shared/request.js';
import { issueRealtimeCredentials } from './core.js';
import { type TabLimiter, unlimitedTabs } from './tab-limit.js';

const MAX_BODY_BYTES = 1024;

export interface CredentialsHandlerDependencies {
  config: CredentialsEnv;
  logger: Logger;
  verifyToken: AppTokenVerifier;
  vendor: CredentialVendor;
  /** Per-user limit of POST /credentials; none when absent. */
  rateLimiter?: RateLimiter;
  /** Per-user limit of tab client ids; none when absent. */
  tabLimiter?: TabLimiter;
  metrics?: AppMetrics;
}

/** The request: no body at all is the common case (existing clients send none); a tab may come in the body or the query. */
function credentialsRequest(event: HttpEvent): CredentialsRequest {
  const fromBody = event.body === undefined || event.body === '' ? {} : validateBody(CredentialsRequestSchema, jsonBody(event, MAX_BODY_BYTES));
  const queryTab = event.queryStringParameters?.tab;
  if (queryTab === undefined) return fromBody;
  const fromQuery = validateBody(CredentialsRequestSchema, { tab: queryTab });
  if (fromBody.tab !== undefined && fromBody.tab !== fromQuery.tab) throw new ValidationError('"tab" is given twice (body and query) with different values');
  return fromQuery;
}

export function createCredentialsHandler(deps: CredentialsHandlerDependencies) {
  const { config, logger, verifyToken, vendor, metrics, rateLimiter = unlimited, tabLimiter = unlimitedTabs } = deps;
  const deployment = { app: config.APP_NAME, stage: config.STAGE, region: config.AWS_REGION, accountId: config.AWS_ACCOUNT_ID };
  return httpHandler(
    logger,
    async (event) => {
      const user = await verifyToken(event.headers.authorization);
      const request = credentialsRequest(event);
      await rateLimiter.consume(user.userId);
      if (request.tab !== undefined) await tabLimiter.admit(user.userId, request.tab);
      const issued = await issueRealtimeCredentials(user, request, {
        vendor,
        deployment,
        iotEndpoint: config.IOT_ENDPOINT,
        durationSeconds: config.CREDENTIALS_DURATION_SECONDS,
      });
      // The session name is what CloudTrail shows for everything these credentials do: this line maps it to the user.
      logger.info('credentials issued', {
        userId: user.userId,
        roleSessionName: issued.roleSessionName,
        clientId: issued.response.clientId,
        expiration: issued.response.expiration,
      });
      // Credentials must never be cached by a browser or a proxy.
      return jsonResponse(200, issued.response, { 'cache-control': 'no-store' });
    },
    metrics,
  );
}
