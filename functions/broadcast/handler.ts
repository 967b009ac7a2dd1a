/**
 * POST /broadcast {text} -> 202 {messageId, topic, sentAt}: admins only (403), rate-limited per user (429).
 * GET /broadcasts -> 200 {broadcasts}: the latest ones, for any signed-in user (app or Cognito), not counted.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { AppTokenVerifier } from '../shared/app-token.js';
import type { CallerResolver } from '../shared/caller.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { AppMetrics } from '../shared/metrics.js';
import { jsonBody } from '../shared/request.js';
import { type BroadcastDependencies, broadcast, recentBroadcasts } from './core.js';

/** The whole request, JSON included; the text limit itself is checked in the core. */
const MAX_BODY_BYTES = 16 * 1024;

export interface BroadcastHandlerDependencies extends BroadcastDependencies {
  logger: Logger;
  /** POST: app tokens only, since the admin role is a claim of the app's own tokens. */
  verifyToken: AppTokenVerifier;
  /** GET: any signed-in user, app or Cognito. */
  resolveCaller: CallerResolver;
  metrics?: AppMetrics;
}

export function createBroadcastHandler(deps: BroadcastHandlerDependencies) {
  const { logger, verifyToken, resolveCaller } = deps;
  return httpHandler(
    logger,
    async (event) => {
      if (event.routeKey === 'GET /broadcasts') {
        await resolveCaller(event.headers);
        return jsonResponse(200, await recentBroadcasts(deps));
      }
      const user = await verifyToken(event.headers.authorization);
      const accepted = await broadcast(user, jsonBody(event, MAX_BODY_BYTES), deps);
      logger.info('broadcast sent', { userId: user.userId, messageId: accepted.messageId });
      return jsonResponse(202, accepted);
    },
    deps.metrics,
  );
}
