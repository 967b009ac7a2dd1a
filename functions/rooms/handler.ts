/**
 * The rooms API (one function, one resource): POST /rooms, GET /rooms, PATCH and DELETE /rooms/{roomId},
 * GET and POST /rooms/{roomId}/members, PUT and DELETE /rooms/{roomId}/members/{userId}, PUT /rooms/{roomId}/read.
 * API Gateway's routeKey selects the operation. Every request also writes the caller's directory profile on first use
 * (in parallel). PUT read is not counted against the write limit: it changes only the caller's own membership, forward
 * only, like a read costs one request of the stage's throttle, and a page marks rooms read far more often than it
 * invites or creates.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { CursorSchema, InviteRequestSchema, PageLimitSchema, PutMemberRequestSchema, RoomIdSchema, UserIdSchema } from '../../core/contracts/rooms.js';
import type { CallerResolver } from '../shared/caller.js';
import { NotFoundError } from '../shared/errors.js';
import { jsonResponse } from '../shared/http-errors.js';
import { type HttpEvent, type HttpResult, httpHandler } from '../shared/http-handler.js';
import { guardedResponse, idempotencyKeyOf } from '../shared/idempotency.js';
import type { AppMetrics } from '../shared/metrics.js';
import { type RateLimiter, unlimited } from '../shared/ports.js';
import { pathParameter, queryParameter } from '../shared/query.js';
import { jsonBody, validateBody } from '../shared/request.js';
import type { PageRequest } from '../shared/room-store.js';
import { noRegistration, type ProfileRegistrar } from '../users/registration.js';
import { createRoom, deleteRoom, listRoomsOfCaller, type RoomsDependencies, renameRoom } from './core.js';
import { invite, listMembers, type MembersDependencies, putMember, removeMember } from './members.js';
import { markRead } from './read-positions.js';

const MAX_BODY_BYTES = 4096;

export interface RoomsHandlerDependencies extends Omit<MembersDependencies, 'inviteLimiter'>, Pick<RoomsDependencies, 'newRoomId'> {
  logger: Logger;
  resolveCaller: CallerResolver;
  /** Per-user limit of the write routes; none when absent. */
  rateLimiter?: RateLimiter;
  /** Per pair of users: how many rooms one may add the other to per window; none when absent. */
  inviteLimiter?: RateLimiter;
  /** Writes the caller's directory profile on first use; nothing when absent. */
  registrar?: ProfileRegistrar;
  metrics?: AppMetrics;
}

/** The routes that change something: each request counts against the caller's limit. */
const WRITE_ROUTES = new Set([
  'POST /rooms',
  'PATCH /rooms/{roomId}',
  'DELETE /rooms/{roomId}',
  'POST /rooms/{roomId}/members',
  'PUT /rooms/{roomId}/members/{userId}',
  'DELETE /rooms/{roomId}/members/{userId}',
]);

function pageOf(event: HttpEvent): PageRequest {
  const cursor = queryParameter(event, 'cursor', CursorSchema);
  return { limit: queryParameter(event, 'limit', PageLimitSchema), ...(cursor ? { cursor } : {}) };
}

const noContent = (): HttpResult => ({ statusCode: 204 });

export function createRoomsHandler(deps: RoomsHandlerDependencies) {
  const { logger, resolveCaller, rateLimiter = unlimited, registrar = noRegistration } = deps;
  const members: MembersDependencies = { ...deps, inviteLimiter: deps.inviteLimiter ?? unlimited };
  return httpHandler(
    logger,
    async (event) => {
      const caller = await resolveCaller(event.headers);
      const registered = registrar.register(caller);
      try {
        if (WRITE_ROUTES.has(event.routeKey)) await rateLimiter.consume(caller.userId);
        switch (event.routeKey) {
          case 'POST /rooms': {
            const idempotencyKey = idempotencyKeyOf(event);
            const { created, write } = await createRoom(caller, jsonBody(event, MAX_BODY_BYTES), idempotencyKey, deps);
            logger.info(write.outcome === 'written' ? 'room created' : 'room creation replayed', { userId: caller.userId, roomId: created.roomId });
            return guardedResponse(write, () => jsonResponse(201, created));
          }
          case 'GET /rooms':
            return jsonResponse(200, await listRoomsOfCaller(caller, pageOf(event), deps));
          case 'PATCH /rooms/{roomId}': {
            const roomId = pathParameter(event, 'roomId', RoomIdSchema);
            const renamed = await renameRoom(caller, roomId, jsonBody(event, MAX_BODY_BYTES), deps);
            logger.info('room renamed', { userId: caller.userId, roomId });
            return jsonResponse(200, renamed);
          }
          case 'DELETE /rooms/{roomId}': {
            const roomId = pathParameter(event, 'roomId', RoomIdSchema);
            const { members: told } = await deleteRoom(caller, roomId, deps);
            logger.info('room deleted', { userId: caller.userId, roomId, members: told });
            return noContent();
          }
          case 'PUT /rooms/{roomId}/read': {
            const roomId = pathParameter(event, 'roomId', RoomIdSchema);
            const read = await markRead(caller, roomId, jsonBody(event, MAX_BODY_BYTES), deps);
            logger.info('read position kept', { userId: caller.userId, roomId, messageId: read.lastRead.messageId });
            return jsonResponse(200, read);
          }
          case 'GET /rooms/{roomId}/members':
            return jsonResponse(200, await listMembers(caller, pathParameter(event, 'roomId', RoomIdSchema), pageOf(event), deps));
          case 'POST /rooms/{roomId}/members': {
            const roomId = pathParameter(event, 'roomId', RoomIdSchema);
            const request = validateBody(InviteRequestSchema, jsonBody(event, MAX_BODY_BYTES));
            const invited = await invite(caller, roomId, request, members);
            logger.info(invited.added ? 'member added' : 'already a member', { userId: caller.userId, roomId, member: invited.member.userId });
            return jsonResponse(invited.added ? 201 : 200, { member: invited.member });
          }
          case 'PUT /rooms/{roomId}/members/{userId}': {
            const roomId = pathParameter(event, 'roomId', RoomIdSchema);
            const userId = pathParameter(event, 'userId', UserIdSchema);
            // The body is optional: no body adds a member.
            const { role } = event.body ? validateBody(PutMemberRequestSchema, jsonBody(event, MAX_BODY_BYTES)) : { role: 'member' as const };
            await putMember(caller, roomId, userId, role, members);
            logger.info('member put', { userId: caller.userId, roomId, member: userId, role });
            return noContent();
          }
          case 'DELETE /rooms/{roomId}/members/{userId}': {
            const roomId = pathParameter(event, 'roomId', RoomIdSchema);
            const userId = pathParameter(event, 'userId', UserIdSchema);
            await removeMember(caller, roomId, userId, members);
            logger.info('member removed', { userId: caller.userId, roomId, member: userId });
            return noContent();
          }
          default:
            throw new NotFoundError(`no route ${event.routeKey}`);
        }
      } finally {
        // Never fails the request (the registrar logs and tries again next time); awaited so Lambda does not freeze it.
        await registered;
      }
    },
    deps.metrics,
  );
}
