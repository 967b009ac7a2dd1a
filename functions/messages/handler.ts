/** POST /rooms/{roomId}/messages {text}: a member posts; every current member receives it in their inbox. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { RoomIdSchema } from '../../core/contracts/rooms.js';
import type { CallerResolver } from '../shared/caller.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import { type AppMetrics, noMetrics } from '../shared/metrics.js';
import { type RateLimiter, unlimited } from '../shared/ports.js';
import { pathParameter } from '../shared/query.js';
import { jsonBody } from '../shared/request.js';
import { type PostMessageDependencies, postRoomMessage } from './core.js';

/** The whole request, JSON included; the text limit itself is checked in the core. */
const MAX_BODY_BYTES = 16 * 1024;

export interface MessagesHandlerDependencies extends PostMessageDependencies {
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
      const caller = await resolveCaller(event.headers.authorization);
      await rateLimiter.consume(caller.userId);
      const roomId = pathParameter(event, 'roomId', RoomIdSchema);
      const posted = await postRoomMessage({ caller, roomId, body: jsonBody(event, MAX_BODY_BYTES) }, deps);
      metrics.count('FanoutRecipients', posted.delivery.members);
      logger.info('message accepted', { userId: caller.userId, roomId, messageId: posted.accepted.messageId, ...posted.delivery });
      return jsonResponse(202, posted.accepted);
    },
    metrics,
  );
}
