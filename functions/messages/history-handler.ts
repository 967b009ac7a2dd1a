/** GET /rooms/{roomId}/messages?limit=&before=: a room's history, members only, a page ordered oldest first. */
import type { Logger } from '@aws-lambda-powertools/logger';
import { BeforeSchema, PageLimitSchema, RoomIdSchema } from '../../core/contracts/rooms.js';
import type { CallerResolver } from '../shared/caller.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { AppMetrics } from '../shared/metrics.js';
import { pathParameter, queryParameter } from '../shared/query.js';
import type { RoomStore } from '../shared/room-store.js';
import { roomHistory } from './core.js';

export interface HistoryHandlerDependencies {
  logger: Logger;
  resolveCaller: CallerResolver;
  store: RoomStore;
  metrics?: AppMetrics;
}

/** A read route: not rate-limited per user (the stage throttle applies). */
export function createHistoryHandler(deps: HistoryHandlerDependencies) {
  return httpHandler(
    deps.logger,
    async (event) => {
      const caller = await deps.resolveCaller(event.headers);
      const roomId = pathParameter(event, 'roomId', RoomIdSchema);
      const before = queryParameter(event, 'before', BeforeSchema);
      const page = await roomHistory(caller, roomId, { limit: queryParameter(event, 'limit', PageLimitSchema), ...(before ? { before } : {}) }, deps);
      return jsonResponse(200, page);
    },
    deps.metrics,
  );
}
