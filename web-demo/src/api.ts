/**
 * The backend's HTTP API for a signed-in user: every rooms route, jobs, and the Cognito policy attachment, typed and
 * checked by core/contracts. `apiClient` asks for the caller's tokens on every call, so a renewed token is used.
 * Refusals are ApiErrors with messages a person understands (api-request.ts).
 */
import type * as v from 'valibot';
import { AttachPolicyResponseSchema, BroadcastAcceptedSchema, COGNITO_ACCESS_TOKEN_HEADER } from '../../core/contracts/http.js';
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

export { ApiError, explainStatus } from './api-request.js';

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

export function apiClient(apiUrl: string, token: TokenSource) {
  const init = async (method: string, body?: unknown, signal?: AbortSignal): Promise<RequestInit> => ({
    method,
    headers: { ...authHeaders(await token()), ...(body === undefined ? {} : JSON_HEADERS) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const call = async <const S extends v.GenericSchema>(method: string, path: string, schema: S, body?: unknown, signal?: AbortSignal) =>
    request(`${apiUrl}${path}`, await init(method, body, signal), schema);
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
    /** `signal` aborts the request (a send that takes too long is reported as not delivered). */
    postMessage: (roomId: string, text: string, signal?: AbortSignal) => call('POST', `${room(roomId)}/messages`, MessageAcceptedSchema, { text }, signal),
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
