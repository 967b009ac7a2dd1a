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
