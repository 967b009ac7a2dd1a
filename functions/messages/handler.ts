/**
 * POST /rooms/{roomId}/messages {text}: a member posts; every current member receives it in their inbox. An
 * `Idempotency-Key` header makes a retry return the first response (same status and body) and store nothing new.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { RoomIdSchema } from '../../core/contracts/rooms.js';
import type { CallerResolver } from '../shared/caller.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import { guardedResponse, idempotencyKeyOf } from '../shared/idempotency.js';
import { type AppMetrics, noMetrics } from '../shared/metrics.js';
import { type RateLimiter, unlimited } from '../shared/ports.js';
import { pathParameter } from '../shared/query.js';
import { jsonBody } from '../shared/request.js';
import { type PostMessageDependencies, postRoomMessage } from './core.js';

/** The whole request, JSON included; the text limit itself is checked in the core. */
const MAX_BODY_BYTES = 16 * 1024;

export interface MessagesHandlerDependencies extends Omit<PostMessageDependencies, 'rateLimiter'> {
  logger: Logger;
  resolveCaller: CallerResolver;
  /** Per-user limit of posting (none when absent). */
  rateLimiter?: RateLimiter;
  metrics?: AppMetrics;
}

export function createMessagesHandler(deps: MessagesHandlerDependencies) {
  const { logger, resolveCaller, rateLimiter = unlimited, metrics = noMetrics } = deps;
  return httpHandler(
    logger,
    async (event) => {
      const caller = await resolveCaller(event.headers);
      const roomId = pathParameter(event, 'roomId', RoomIdSchema);
      const idempotencyKey = idempotencyKeyOf(event);
      const posted = await postRoomMessage({ caller, roomId, body: jsonBody(event, MAX_BODY_BYTES), idempotencyKey }, { ...deps, rateLimiter });
      metrics.count('FanoutRecipients', posted.delivery.members);
      logger.info(posted.replayed ? 'message replayed' : 'message accepted', { userId: caller.userId, roomId, ...posted.delivery });
      return guardedResponse(posted.replayed ? { outcome: 'replayed', response: posted.response } : { outcome: 'written' }, () =>
        jsonResponse(posted.response.statusCode, posted.response.body),
      );
    },
    metrics,
  );
}
