/**
 * The backend's HTTP API for a signed-in user: every rooms route, jobs, and the Cognito policy attachment, typed and
 * checked by core/contracts. `apiClient` asks for the bearer token on every call, so a renewed token is used.
 * Refusals are ApiErrors with messages a person understands (api-request.ts).
 */
import type * as v from 'valibot';
import { AttachPolicyResponseSchema, BroadcastAcceptedSchema } from '../../core/contracts/http.js';
import { JobAcceptedSchema, type StartJobRequest } from '../../core/contracts/jobs.js';
import {
  MemberListSchema,
  MessageAcceptedSchema,
  MessagePageSchema,
  RoomCreatedSchema,
  RoomListSchema,
  RoomPresenceSchema,
  type RoomRole,
} from '../../core/contracts/rooms.js';
import { JSON_HEADERS, request, send } from './api-request.js';

export { ApiError, deviceOffline, explainStatus, OFFLINE_MESSAGE } from './api-request.js';

/** Signed-in Cognito users, once per identity: IoT needs the policy attached before their first connection. */
export const attachPolicy = (apiUrl: string, idToken: string) =>
  request(`${apiUrl}/iot/attach-policy`, { method: 'POST', headers: { authorization: `Bearer ${idToken}` } }, AttachPolicyResponseSchema);

/** The bearer token of the signed-in user: the app's JWT, or a Cognito user pool ID token. */
export type TokenSource = () => Promise<string>;

const pageQuery = (params: Record<string, string | number | undefined>): string => {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.set(key, String(value));
  const text = query.toString();
  return text ? `?${text}` : '';
};

/** A request the API does not answer within this long fails (ApiError 'timeout'), instead of hanging the page. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** How one call is made: a caller's signal (otherwise REQUEST_TIMEOUT_MS), and the Idempotency-Key of a write. */
export interface CallOptions {
  signal?: AbortSignal;
  /**
   * Sent as the `Idempotency-Key` header: the same key on a retry makes the API return the original result instead
   * of doing the work twice (issue 18). An API that does not know the header ignores it.
   */
  idempotencyKey?: string;
}

/**
 * `session` aborts every request still in flight when the session ends (sign-out): none of them may then reach the API
 * with a token being revoked, or land in a page that is gone.
 */
export function apiClient(apiUrl: string, token: TokenSource, session?: AbortSignal) {
  const init = async (method: string, body?: unknown, options: CallOptions = {}): Promise<RequestInit> => ({
    method,
    headers: {
      authorization: `Bearer ${await token()}`,
      ...(body === undefined ? {} : JSON_HEADERS),
      ...(options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: session
      ? AbortSignal.any([session, options.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
      : (options.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS)),
  });
  const call = async <const S extends v.GenericSchema>(method: string, path: string, schema: S, body?: unknown, options?: CallOptions) =>
    request(`${apiUrl}${path}`, await init(method, body, options), schema);
  /** 204 No Content. */
  const command = async (method: string, path: string, body?: unknown): Promise<void> => void (await send(`${apiUrl}${path}`, await init(method, body)));
  const room = (roomId: string) => `/rooms/${encodeURIComponent(roomId)}`;
  return {
    listRooms: (cursor?: string) => call('GET', `/rooms${pageQuery({ cursor })}`, RoomListSchema),
    createRoom: (name: string) => call('POST', '/rooms', RoomCreatedSchema, { name }),
    listMembers: (roomId: string, cursor?: string) => call('GET', `${room(roomId)}/members${pageQuery({ cursor })}`, MemberListSchema),
    putMember: (roomId: string, userId: string, role: RoomRole = 'member') => command('PUT', `${room(roomId)}/members/${encodeURIComponent(userId)}`, { role }),
    /** An owner removes a member, or the caller leaves (their own user id). */
    removeMember: (roomId: string, userId: string) => command('DELETE', `${room(roomId)}/members/${encodeURIComponent(userId)}`),
    /**
     * `signal` aborts the request (a send that takes too long is reported as not delivered); `idempotencyKey` is the
     * message's own, chosen when it was written and sent again with every retry.
     */
    postMessage: (roomId: string, text: string, options: CallOptions = {}) =>
      call('POST', `${room(roomId)}/messages`, MessageAcceptedSchema, { text }, options),
    /** Who of the room's members is online (one page of the member list). */
    presence: (roomId: string, cursor?: string) => call('GET', `${room(roomId)}/presence${pageQuery({ cursor })}`, RoomPresenceSchema),
    /** Admins only: a message to everyone on the broadcast topic. */
    broadcast: (text: string) => call('POST', '/broadcast', BroadcastAcceptedSchema, { text }),
    /** A page of history, oldest first: the newest `limit` messages, or those before `before` (a nextCursor). */
    history: (roomId: string, options: { before?: string; limit?: number } = {}) =>
      call('GET', `${room(roomId)}/messages${pageQuery({ limit: options.limit, before: options.before })}`, MessagePageSchema),
    startJob: (job: StartJobRequest) => call('POST', '/jobs', JobAcceptedSchema, job),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
