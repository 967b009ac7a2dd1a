/**
 * The rooms API (one function, one resource): POST /rooms, GET /rooms, GET /rooms/{roomId}/members,
 * PUT and DELETE /rooms/{roomId}/members/{userId}. API Gateway's routeKey selects the operation.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { CursorSchema, PageLimitSchema, PutMemberRequestSchema, RoomIdSchema, UserIdSchema } from '../../core/contracts/rooms.js';
import type { CallerResolver } from '../shared/caller.js';
import { NotFoundError } from '../shared/errors.js';
import { jsonResponse } from '../shared/http-errors.js';
import { type HttpEvent, type HttpResult, httpHandler } from '../shared/http-handler.js';
import type { AppMetrics } from '../shared/metrics.js';
import { type RateLimiter, unlimited } from '../shared/ports.js';
import { pathParameter, queryParameter } from '../shared/query.js';
import { jsonBody, validateBody } from '../shared/request.js';
import type { PageRequest } from '../shared/room-store.js';
import { createRoom, listMembers, listRoomsOfCaller, putMember, type RoomsDependencies, removeMember } from './core.js';

const MAX_BODY_BYTES = 4096;

export interface RoomsHandlerDependencies extends RoomsDependencies {
  logger: Logger;
  resolveCaller: CallerResolver;
  /** Per-user limit of the write routes (POST /rooms, PUT and DELETE members); none when absent. */
  rateLimiter?: RateLimiter;
  metrics?: AppMetrics;
}

/** The routes that change something: each request counts against the caller's limit. */
const WRITE_ROUTES = new Set(['POST /rooms', 'PUT /rooms/{roomId}/members/{userId}', 'DELETE /rooms/{roomId}/members/{userId}']);

function pageOf(event: HttpEvent): PageRequest {
  const cursor = queryParameter(event, 'cursor', CursorSchema);
  return { limit: queryParameter(event, 'limit', PageLimitSchema), ...(cursor ? { cursor } : {}) };
}

const noContent = (): HttpResult => ({ statusCode: 204 });

export function createRoomsHandler(deps: RoomsHandlerDependencies) {
  const { logger, resolveCaller, rateLimiter = unlimited } = deps;
  return httpHandler(
    logger,
    async (event) => {
      const caller = await resolveCaller(event.headers.authorization);
      if (WRITE_ROUTES.has(event.routeKey)) await rateLimiter.consume(caller.userId);
      switch (event.routeKey) {
        case 'POST /rooms': {
          const created = await createRoom(caller, jsonBody(event, MAX_BODY_BYTES), deps);
          logger.info('room created', { userId: caller.userId, roomId: created.roomId });
          return jsonResponse(201, created);
        }
        case 'GET /rooms':
          return jsonResponse(200, await listRoomsOfCaller(caller, pageOf(event), deps));
        case 'GET /rooms/{roomId}/members':
          return jsonResponse(200, await listMembers(caller, pathParameter(event, 'roomId', RoomIdSchema), pageOf(event), deps));
        case 'PUT /rooms/{roomId}/members/{userId}': {
          const roomId = pathParameter(event, 'roomId', RoomIdSchema);
          const userId = pathParameter(event, 'userId', UserIdSchema);
          // The body is optional: no body adds a member.
          const { role } = event.body ? validateBody(PutMemberRequestSchema, jsonBody(event, MAX_BODY_BYTES)) : { role: 'member' as const };
          await putMember(caller, roomId, userId, role, deps);
          logger.info('member put', { userId: caller.userId, roomId, member: userId, role });
          return noContent();
        }
        case 'DELETE /rooms/{roomId}/members/{userId}': {
          const roomId = pathParameter(event, 'roomId', RoomIdSchema);
          const userId = pathParameter(event, 'userId', UserIdSchema);
          await removeMember(caller, roomId, userId, deps);
          logger.info('member removed', { userId: caller.userId, roomId, member: userId });
          return noContent();
        }
        default:
          throw new NotFoundError(`no route ${event.routeKey}`);
      }
    },
    deps.metrics,
  );
}
