/** GET /rooms/{roomId}/presence?cursor= -> 200 {"online": [...], "nextCursor"?}: the online members of a room. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { CursorSchema, RoomIdSchema } from '../../core/contracts/rooms.js';
import type { CallerResolver } from '../shared/caller.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { AppMetrics } from '../shared/metrics.js';
import { pathParameter, queryParameter } from '../shared/query.js';
import { type RoomPresenceDependencies, roomPresence } from './room-presence.js';

export interface PresenceHandlerDependencies extends RoomPresenceDependencies {
  logger: Logger;
  resolveCaller: CallerResolver;
  metrics?: AppMetrics;
}

export function createPresenceHandler(deps: PresenceHandlerDependencies) {
  const { logger, resolveCaller } = deps;
  return httpHandler(
    logger,
    async (event) => {
      const caller = await resolveCaller(event.headers);
      const roomId = pathParameter(event, 'roomId', RoomIdSchema);
      const presence = await roomPresence(caller, roomId, queryParameter(event, 'cursor', CursorSchema), deps);
      return jsonResponse(200, presence, { 'cache-control': 'no-store' });
    },
    deps.metrics,
  );
}
