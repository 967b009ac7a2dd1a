/**
 * Each function's environment: the contract between infra (which sets it), the local stack (which sets the same
 * variables) and the function (which reads it once at start-up, failing with every problem named). Values arrive
 * as strings; the schemas turn them into typed config.
 */
import * as v from 'valibot';

// An unset variable reads as '' so that it is reported as missing by name, like an empty one.
const required = (what: string) => v.pipe(v.optional(v.string(`is required (${what})`), ''), v.nonEmpty(`is required (${what})`));

export const envVar = {
  string: () => required('a non-empty string'),
  url: () =>
    v.pipe(
      required('an http(s) URL'),
      v.check(
        (raw) => {
          try {
            const { protocol } = new URL(raw);
            return protocol === 'http:' || protocol === 'https:';
          } catch {
            return false;
          }
        },
        (issue) => `must be an http(s) URL, got ${JSON.stringify(issue.input)}`,
      ),
    ),
  /** Empty or unset means the default; without a default the variable is required. */
  integer: (options: { default?: number; min: number; max: number }) => {
    const message = `must be an integer between ${options.min} and ${options.max}`;
    return v.pipe(
      v.optional(v.string(), ''),
      v.transform((raw) => (raw === '' ? (options.default ?? Number.NaN) : Number(raw))),
      v.number(options.default === undefined ? `is required (${message.replace('must be ', '')})` : message),
      v.integer(message),
      v.minValue(options.min, message),
      v.maxValue(options.max, message),
    );
  },
  /** A comma-separated list of media-type-like tokens (e.g. JWT `typ` values); empty or unset means the default. */
  tokenList: (options: { default: readonly string[] }) =>
    v.pipe(
      v.optional(v.string(), ''),
      v.transform((raw) => (raw.trim() === '' ? [...options.default] : raw.split(',').map((item) => item.trim()))),
      v.check(
        (items: string[]) => items.every((item) => /^[A-Za-z0-9!#$&^_.+-]+(\/[A-Za-z0-9!#$&^_.+-]+)?$/.test(item)),
        'must be a comma-separated list of values such as "JWT,at+jwt"',
      ),
    ),
};

/** Where the app lives: every function reads these. */
const deployment = {
  APP_NAME: envVar.string(),
  STAGE: envVar.string(),
  AWS_REGION: envVar.string(),
  AWS_ACCOUNT_ID: envVar.string(),
};

/** Verification of the app's own JWTs (non-Cognito users); the clock tolerance applies to Cognito ID tokens too. */
const appToken = {
  APP_JWKS_URL: envVar.url(),
  APP_TOKEN_ISSUER: envVar.string(),
  APP_TOKEN_AUDIENCE: envVar.string(),
  /** Tokens issued (`iat`) longer ago than this are refused, whatever their `exp`; tokens without `iat` are refused. */
  APP_TOKEN_MAX_AGE_SECONDS: envVar.integer({ default: 86_400, min: 60, max: 30 * 86_400 }),
  /** Accepted `typ` header values (case-insensitive, `application/` optional); a token without `typ` is accepted. */
  APP_TOKEN_TYPES: envVar.tokenList({ default: ['JWT', 'at+jwt'] }),
  /** Clock skew allowed on `exp`, `nbf` and `iat`. */
  TOKEN_CLOCK_TOLERANCE_SECONDS: envVar.integer({ default: 60, min: 0, max: 300 }),
};

/**
 * Signed-in Cognito users: ID tokens of the user pool (with the access token of the same sign-in, checked with Cognito
 * on every request), and the identity pool that names them by identity id.
 */
const cognitoUsers = {
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`; its Logins key is the same without the scheme. */
  COGNITO_USER_POOL_ISSUER: envVar.url(),
  COGNITO_USER_POOL_CLIENT_ID: envVar.string(),
  IDENTITY_POOL_ID: envVar.string(),
};

/** The rooms store. */
const membershipsTable = { MEMBERSHIPS_TABLE_NAME: envVar.string() };
const messagesTable = { MESSAGES_TABLE_NAME: envVar.string() };
const presenceTable = { PRESENCE_TABLE_NAME: envVar.string() };
/** The user directory (core/store/tables.ts USERS_TABLE). */
const usersTable = { USERS_TABLE_NAME: envVar.string() };
/** Idempotency records of the POST routes (core/store/tables.ts IDEMPOTENCY_TABLE). */
const idempotencyTable = { IDEMPOTENCY_TABLE_NAME: envVar.string() };
/** Each user's jobs (core/store/tables.ts JOBS_TABLE). */
const jobsTable = { JOBS_TABLE_NAME: envVar.string() };
/** The latest broadcasts (core/store/tables.ts BROADCASTS_TABLE). */
const broadcastsTable = { BROADCASTS_TABLE_NAME: envVar.string() };

/** Delivery to the inboxes of a room's members: directly for small rooms, through the fan-out queue for larger ones. */
const roomDelivery = {
  FANOUT_QUEUE_URL: envVar.url(),
  /** Rooms up to this size are published by the function itself; larger ones through the fan-out queue. */
  DIRECT_FANOUT_MAX: envVar.integer({ default: 50, min: 0, max: 100 }),
  PUBLISH_CONCURRENCY: envVar.integer({ default: 16, min: 1, max: 256 }),
};

/** The per-user limit of a function's write routes (infra sets the catalog's values; 0 requests turns it off). */
const rateLimit = {
  RATE_LIMITS_TABLE_NAME: envVar.string(),
  RATE_LIMIT_REQUESTS: envVar.integer({ min: 0, max: 1_000_000 }),
  RATE_LIMIT_WINDOW_SECONDS: envVar.integer({ min: 1, max: 3600 }),
};

export const CredentialsEnvSchema = v.object({
  ...deployment,
  ...appToken,
  ...rateLimit,
  IOT_ENDPOINT: envVar.string(),
  BROWSER_CLIENT_ROLE_ARN: envVar.string(),
  /** STS allows 900 s at least; role chaining allows 3600 s at most. */
  CREDENTIALS_DURATION_SECONDS: envVar.integer({ default: 3600, min: 900, max: 3600 }),
  /** Distinct tab client ids one user may be given credentials for per credential lifetime (0 turns it off); the catalog's value. */
  TAB_CLIENTS_MAX: envVar.integer({ min: 0, max: 1000 }),
});
export type CredentialsEnv = v.InferOutput<typeof CredentialsEnvSchema>;

export const RoomsEnvSchema = v.object({
  ...deployment,
  ...appToken,
  ...cognitoUsers,
  ...membershipsTable,
  /** Unread counts of GET /rooms: the messages after each member's read position. */
  ...messagesTable,
  ...presenceTable,
  ...usersTable,
  ...idempotencyTable,
  ...rateLimit,
  ...roomDelivery,
  /** How many rooms one user may add one given other user to per window (0 turns the limit off); the catalog's values. */
  INVITE_LIMIT_REQUESTS: envVar.integer({ min: 0, max: 1_000_000 }),
  INVITE_LIMIT_WINDOW_SECONDS: envVar.integer({ min: 1, max: 86_400 }),
});
export type RoomsEnv = v.InferOutput<typeof RoomsEnvSchema>;

export const MessagesEnvSchema = v.object({
  ...deployment,
  ...appToken,
  ...cognitoUsers,
  ...membershipsTable,
  ...messagesTable,
  ...idempotencyTable,
  ...rateLimit,
  ...roomDelivery,
  /** How long history is kept (DynamoDB TTL). */
  HISTORY_TTL_DAYS: envVar.integer({ default: 30, min: 1, max: 3650 }),
});
export type MessagesEnv = v.InferOutput<typeof MessagesEnvSchema>;

export const HistoryEnvSchema = v.object({ ...deployment, ...appToken, ...cognitoUsers, ...membershipsTable, ...messagesTable });
export type HistoryEnv = v.InferOutput<typeof HistoryEnvSchema>;

export const FanoutWorkerEnvSchema = v.object({ ...deployment, FANOUT_PUBLISH_CONCURRENCY: envVar.integer({ default: 64, min: 1, max: 512 }) });
export type FanoutWorkerEnv = v.InferOutput<typeof FanoutWorkerEnvSchema>;

export const JobsApiEnvSchema = v.object({ ...deployment, ...appToken, ...idempotencyTable, ...jobsTable, ...rateLimit, JOBS_QUEUE_URL: envVar.url() });
export type JobsApiEnv = v.InferOutput<typeof JobsApiEnvSchema>;

export const JobsWorkerEnvSchema = v.object({
  ...deployment,
  /** The app's event bus (core/event-rules.ts): a finished job is announced there as a notification event. */
  EVENT_BUS_NAME: envVar.string(),
  ...jobsTable,
  /** Must equal the queue's redrive policy maxReceiveCount: the worker reports failure on the last attempt. */
  JOBS_MAX_RECEIVE_COUNT: envVar.integer({ default: 3, min: 1, max: 1000 }),
});
export type JobsWorkerEnv = v.InferOutput<typeof JobsWorkerEnvSchema>;

export const AttachPolicyEnvSchema = v.object({
  ...deployment,
  /** The user pool whose ID tokens are the Logins (the Logins key is the issuer without the scheme); its app client. */
  ...cognitoUsers,
  /** Clock skew allowed on the Cognito tokens' `exp`, `nbf` and `iat`. */
  TOKEN_CLOCK_TOLERANCE_SECONDS: appToken.TOKEN_CLOCK_TOLERANCE_SECONDS,
  IOT_POLICY_NAME: envVar.string(),
});
export type AttachPolicyEnv = v.InferOutput<typeof AttachPolicyEnvSchema>;

/** GET /rooms/{roomId}/presence. */
export const PresenceEnvSchema = v.object({ ...deployment, ...appToken, ...cognitoUsers, ...membershipsTable, ...presenceTable });
export type PresenceEnv = v.InferOutput<typeof PresenceEnvSchema>;

/** The presence rule's target: lifecycle events in, presence changes out to the inboxes of the user's rooms. */
export const PresenceEventsEnvSchema = v.object({
  ...deployment,
  ...membershipsTable,
  ...presenceTable,
  PRESENCE_PUBLISH_CONCURRENCY: envVar.integer({ default: 16, min: 1, max: 256 }),
  /** At most this many inboxes are told of one change (the rest read GET /rooms/{roomId}/presence when they load). */
  PRESENCE_MAX_NOTIFICATIONS: envVar.integer({ default: 2000, min: 0, max: 20_000 }),
});
export type PresenceEventsEnv = v.InferOutput<typeof PresenceEventsEnvSchema>;

/** GET /users/{userId} and GET /users?username=|email=: the user directory (lookups rate-limited per caller). */
export const UsersEnvSchema = v.object({ ...deployment, ...appToken, ...cognitoUsers, ...usersTable, ...rateLimit });
export type UsersEnv = v.InferOutput<typeof UsersEnvSchema>;

/** POST /broadcast: app users whose token carries the admin role; GET /broadcasts: any signed-in user (Cognito too). */
export const BroadcastEnvSchema = v.object({ ...deployment, ...appToken, ...cognitoUsers, ...broadcastsTable, ...rateLimit });
export type BroadcastEnv = v.InferOutput<typeof BroadcastEnvSchema>;

/** The notification rule's target: a user's notifications topic, a room's inboxes (after reading its members) or broadcast. */
export const NotifyEnvSchema = v.object({ ...deployment, ...membershipsTable, ...roomDelivery });
export type NotifyEnv = v.InferOutput<typeof NotifyEnvSchema>;

export const HealthEnvSchema = v.object({ APP_NAME: deployment.APP_NAME, STAGE: deployment.STAGE });
export type HealthEnv = v.InferOutput<typeof HealthEnvSchema>;

/** Any function's environment schema: an object of string variables. */
export type FunctionEnvSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

/** The variable names a schema reads (infra sets exactly these). */
export const envVariableNames = (schema: FunctionEnvSchema): string[] => Object.keys(schema.entries);
