/**
 * The backend's HTTP API for a signed-in user: every rooms route, jobs, and the Cognito policy attachment, typed and
 * checked by core/contracts. `apiClient` asks for the caller's tokens on every call, so a renewed token is used.
 * Refusals are ApiErrors with messages a person understands (api-request.ts).
 */
import type * as v from 'valibot';
import { AttachPolicyResponseSchema, BroadcastAcceptedSchema, BroadcastListSchema, COGNITO_ACCESS_TOKEN_HEADER } from '../../core/contracts/http.js';
import { JobAcceptedSchema, JobListSchema, type StartJobRequest } from '../../core/contracts/jobs.js';
import {
  InvitedMemberSchema,
  type InviteRequest,
  MemberListSchema,
  MessageAcceptedSchema,
  MessagePageSchema,
  ReadPositionResponseSchema,
  RoomCreatedSchema,
  RoomListSchema,
  RoomPresenceSchema,
  type RoomRole,
  RoomSummarySchema,
} from '../../core/contracts/rooms.js';
import { JSON_HEADERS, request, send } from './api-request.js';

export { ApiError, deviceOffline, explainStatus, OFFLINE_MESSAGE } from './api-request.js';

/**
 * What authorizes a call: the bearer token (the app's JWT, or a Cognito user pool ID token) and, for Cognito users, the
 * access token of the same sign-in, which the API checks with Cognito so that a signed-out session is refused at once.
 */
export interface ApiAuth {
  bearer: string;
  cognitoAccessToken?: string;
}

/** The signed-in user's credentials for the API, asked for on every call (so a renewed token is used). */
export type TokenSource = () => Promise<string | ApiAuth>;

const authHeaders = (auth: string | ApiAuth): Record<string, string> =>
  typeof auth === 'string'
    ? { authorization: `Bearer ${auth}` }
    : { authorization: `Bearer ${auth.bearer}`, ...(auth.cognitoAccessToken ? { [COGNITO_ACCESS_TOKEN_HEADER]: auth.cognitoAccessToken } : {}) };

/** Signed-in Cognito users, once per identity: IoT needs the policy attached before their first connection. */
export const attachPolicy = (apiUrl: string, auth: ApiAuth) =>
  request(`${apiUrl}/iot/attach-policy`, { method: 'POST', headers: authHeaders(auth) }, AttachPolicyResponseSchema);

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
 * `session`: aborted when the session ends (sign-out): requests still in flight are dropped, rather than answered for a
 * user who is gone (their sign-in revoked meanwhile, the answer would be a 401 for nobody).
 */
export function apiClient(apiUrl: string, token: TokenSource, session?: AbortSignal) {
  const init = async (method: string, body?: unknown, options: CallOptions = {}): Promise<RequestInit> => {
    const own = options.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    return {
      method,
      headers: {
        ...authHeaders(await token()),
        ...(body === undefined ? {} : JSON_HEADERS),
        ...(options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: session ? AbortSignal.any([own, session]) : own,
    };
  };
  const call = async <const S extends v.GenericSchema>(method: string, path: string, schema: S, body?: unknown, options?: CallOptions) =>
    request(`${apiUrl}${path}`, await init(method, body, options), schema);
  /** 204 No Content. */
  const command = async (method: string, path: string, body?: unknown): Promise<void> => void (await send(`${apiUrl}${path}`, await init(method, body)));
  const room = (roomId: string) => `/rooms/${encodeURIComponent(roomId)}`;
  return {
    listRooms: (cursor?: string) => call('GET', `/rooms${pageQuery({ cursor })}`, RoomListSchema),
    /** `idempotencyKey`: kept while the same room is asked for again, so a retry never makes a second room. */
    createRoom: (name: string, options: CallOptions = {}) => call('POST', '/rooms', RoomCreatedSchema, { name }, options),
    /** Owners: renames the room (every member hears of it). */
    renameRoom: (roomId: string, name: string) => call('PATCH', room(roomId), RoomSummarySchema, { name }),
    /** Owners: deletes the room for everyone. */
    deleteRoom: (roomId: string) => command('DELETE', room(roomId)),
    listMembers: (roomId: string, cursor?: string) => call('GET', `${room(roomId)}/members${pageQuery({ cursor })}`, MemberListSchema),
    /** Owners: adds someone the directory knows, by exact username or email (404 with a sentence when nobody is). */
    invite: (roomId: string, who: InviteRequest) => call('POST', `${room(roomId)}/members`, InvitedMemberSchema, who),
    /** Owners: adds a member by user id, or sets a member's role (promote with "owner"). */
    putMember: (roomId: string, userId: string, role: RoomRole = 'member') => command('PUT', `${room(roomId)}/members/${encodeURIComponent(userId)}`, { role }),
    /** An owner removes a member, or the caller leaves (their own user id). */
    removeMember: (roomId: string, userId: string) => command('DELETE', `${room(roomId)}/members/${encodeURIComponent(userId)}`),
    /** The caller has read the room up to this message (kept on the server for their other devices and reloads). */
    markRead: (roomId: string, messageId: string) => call('PUT', `${room(roomId)}/read`, ReadPositionResponseSchema, { messageId }),
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
    /** The latest broadcasts, oldest first. */
    broadcasts: () => call('GET', '/broadcasts', BroadcastListSchema),
    /** A page of history, oldest first: the newest `limit` messages, or those before `before` (a nextCursor). */
    history: (roomId: string, options: { before?: string; limit?: number } = {}) =>
      call('GET', `${room(roomId)}/messages${pageQuery({ limit: options.limit, before: options.before })}`, MessagePageSchema),
    /** `idempotencyKey`: kept while the same job is asked for again, so a retry never queues a second one. */
    startJob: (job: StartJobRequest, options: CallOptions = {}) => call('POST', '/jobs', JobAcceptedSchema, job, options),
    /** The user's newest jobs, newest first, with their progress or outcome. */
    jobs: () => call('GET', '/jobs', JobListSchema),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
