/** Request and response bodies of the HTTP API (API Gateway HTTP API, payload format 2.0), and its error body. */
import * as v from 'valibot';
import { isValidId } from '../ids.js';

/** Every error response: a stable machine-readable `error` and a sentence for people. */
export const ErrorBodySchema = v.object({ error: v.string(), message: v.string() });
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

/**
 * POST /credentials body (optional; `?tab=` works too): `tab` asks for the client id `<app>.<stage>.<user>.<tab>`,
 * e.g. one per browser tab, since two connections with one client id take each other over. Same alphabet as ids:
 * `.`, `/`, `#`, `+`, `*`, `?`, `$` and control characters would widen the grant or hide the connection from IoT's
 * lifecycle events.
 */
export const ClientTabSchema = v.pipe(
  v.string('must be a string'),
  v.check((value: string) => isValidId(value), 'must be 1-64 letters, digits, "_" or "-" (no ".", "/", "#", "+", "*", "?", "$" or control characters)'),
);
export const CredentialsRequestSchema = v.object({ tab: v.optional(ClientTabSchema) });
export type CredentialsRequest = v.InferOutput<typeof CredentialsRequestSchema>;

/** POST /credentials -> 200: hourly credentials scoped to the caller's topics. */
export const CredentialsResponseSchema = v.object({
  accessKeyId: v.string(),
  secretAccessKey: v.string(),
  sessionToken: v.string(),
  /** ISO 8601. */
  expiration: v.string(),
  /** The browser signs with this region: it is the endpoint's. */
  region: v.string(),
  iotEndpoint: v.string(),
  /** The one client id the credentials may connect with (with the requested tab, if any). */
  clientId: v.string(),
  topics: v.object({ subscribe: v.array(v.string()), publish: v.array(v.string()) }),
});
export type CredentialsResponse = v.InferOutput<typeof CredentialsResponseSchema>;

/**
 * Signed-in Cognito users send their user pool ID token in `Authorization: Bearer` and the access token of the same
 * sign-in in this header: the functions ask Cognito (GetUser) with it whether the sign-in still stands, so a user who
 * signed out (GlobalSignOut, or RevokeToken as Amplify's signOut() does) is refused at once (functions/shared/cognito-session.ts).
 */
export const COGNITO_ACCESS_TOKEN_HEADER = 'cognito-access-token';

/**
 * The `Idempotency-Key` request header (IETF httpapi draft "The Idempotency-Key HTTP Header Field",
 * draft-ietf-httpapi-idempotency-key-header-06): optional on POST /rooms, POST /rooms/{roomId}/messages and POST /jobs.
 * A retry with the same key returns the first request's status and body, for at least IDEMPOTENCY_KEY_LIFETIME_SECONDS,
 * and never creates a second item. Keys are scoped per user and per route, so one user's key never meets another's.
 * A key reused with a different request gets 422, a retry while the first request is still running 409 (draft, section
 * 2.7 "Error Scenarios").
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;
export const IDEMPOTENCY_KEY_LIFETIME_SECONDS = 24 * 3600;

/**
 * The draft defines the field as a Structured Field String (RFC 8941, `"8e03978e-40d5-43e8-bc93-6894a57f9324"`); the
 * unquoted form many clients send is accepted too. The key itself is 1-128 characters of letters, digits and
 * `._:+/=-` (UUIDs, ULIDs and base64 values fit; the draft recommends a UUID).
 */
export const IdempotencyKeySchema = v.pipe(
  v.string('must be a string'),
  v.transform((raw: string) => {
    const value = raw.trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }),
  v.nonEmpty('must not be empty'),
  v.maxLength(IDEMPOTENCY_KEY_MAX_LENGTH, `must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters (a UUID is recommended)`),
  v.regex(/^[A-Za-z0-9._:+/=-]+$/, 'may contain only letters, digits and "._:+/=-" (a UUID is recommended)'),
);

export const MAX_MESSAGE_TEXT_LENGTH = 2000;

/** POST /rooms/{roomId}/messages. The length limit is checked by the function (413, not 400). */
export const PostMessageRequestSchema = v.object({
  text: v.pipe(v.string('is required and must be a string'), v.trim(), v.nonEmpty('must not be empty')),
});
export type PostMessageRequest = v.InferOutput<typeof PostMessageRequestSchema>;

export const PostMessageResponseSchema = v.object({ id: v.string(), topic: v.string(), sentAt: v.string() });
export type PostMessageResponse = v.InferOutput<typeof PostMessageResponseSchema>;

/** POST /broadcast (admins only). The length limit is checked by the function (413, not 400), as for room messages. */
export const BroadcastRequestSchema = v.object({
  text: v.pipe(v.string('is required and must be a string'), v.trim(), v.nonEmpty('must not be empty')),
});
export type BroadcastRequest = v.InferOutput<typeof BroadcastRequestSchema>;

/** POST /broadcast -> 202: published to `topic` (`<app>/<stage>/broadcast`). */
export const BroadcastAcceptedSchema = v.object({ messageId: v.string(), topic: v.string(), sentAt: v.string() });
export type BroadcastAccepted = v.InferOutput<typeof BroadcastAcceptedSchema>;

/** GET /broadcasts returns the newest broadcasts, at most this many. */
export const RECENT_BROADCASTS = 20;

/** A broadcast as the store keeps it (core/store/tables.ts BROADCASTS_TABLE): the MQTT payload without its `type`. */
export const StoredBroadcastSchema = v.object({ messageId: v.string(), from: v.string(), fromName: v.string(), text: v.string(), sentAt: v.string() });
export type StoredBroadcast = v.InferOutput<typeof StoredBroadcastSchema>;

/**
 * GET /broadcasts -> 200 (any signed-in user, app or Cognito): the newest broadcasts (at most RECENT_BROADCASTS, kept
 * for a week), oldest first as they are read, so a page shows what was announced before it loaded.
 */
export const BroadcastListSchema = v.object({ broadcasts: v.array(StoredBroadcastSchema) });
export type BroadcastList = v.InferOutput<typeof BroadcastListSchema>;

/** POST /iot/attach-policy -> 200. */
export const AttachPolicyResponseSchema = v.object({ identityId: v.string(), policyName: v.string() });
export type AttachPolicyResponse = v.InferOutput<typeof AttachPolicyResponseSchema>;

/** GET /health -> 200. */
export const HealthResponseSchema = v.object({ status: v.literal('ok'), app: v.string(), stage: v.string() });
export type HealthResponse = v.InferOutput<typeof HealthResponseSchema>;

/** Local only: POST /dev/token {"sub"} -> {"token"}: an app JWT for any valid user id. */
export const DevTokenRequestSchema = v.object({
  sub: v.pipe(
    v.string('is required, e.g. {"sub":"alice"}'),
    v.check((s: string) => isValidId(s), 'must be 1-64 letters, digits, "_" or "-"'),
  ),
});

/** Local only: POST /dev/cognito-token {"username"} -> {"token"}: an ID token of the local user pool stand-in. */
export const DevCognitoTokenRequestSchema = v.object({
  username: v.pipe(v.string('is required, e.g. {"username":"dana"}'), v.regex(/^[A-Za-z0-9_.@-]{1,128}$/, 'must be 1-128 letters, digits or "_.@-"')),
});
export const DevTokenResponseSchema = v.object({ token: v.string() });
export type DevTokenResponse = v.InferOutput<typeof DevTokenResponseSchema>;
/**
 * POST /dev/cognito-token -> 200: what a sign-in returns (the ID token as `token`, the bearer of the API; the access
 * token for the Cognito-Access-Token header; the refresh token, e.g. to revoke the sign-in in a test).
 */
export const DevCognitoTokenResponseSchema = v.object({ token: v.string(), accessToken: v.string(), refreshToken: v.string() });
export type DevCognitoTokenResponse = v.InferOutput<typeof DevCognitoTokenResponseSchema>;
