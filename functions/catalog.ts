/**
 * Every Lambda of the backend: its entry file, its environment contract and its HTTP routes (if any). Infra deploys
 * from this list and the local API serves from it, so a route exists in both or in neither.
 */
import type { FunctionName } from '../core/access/model.js';
import {
  AttachPolicyEnvSchema,
  BroadcastEnvSchema,
  CredentialsEnvSchema,
  FanoutWorkerEnvSchema,
  type FunctionEnvSchema,
  HealthEnvSchema,
  HistoryEnvSchema,
  JobsApiEnvSchema,
  JobsWorkerEnvSchema,
  MessagesEnvSchema,
  NotifyEnvSchema,
  PresenceEnvSchema,
  PresenceEventsEnvSchema,
  RoomsEnvSchema,
  UsersEnvSchema,
} from '../core/contracts/function-env.js';
import { COGNITO_ACCESS_TOKEN_HEADER, IDEMPOTENCY_KEY_HEADER } from '../core/contracts/http.js';
import { PRESENCE_EVENTS_QUEUE_PURPOSE } from '../core/iot-rules.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface FunctionDefinition {
  name: FunctionName;
  /** Entry file relative to the repository root; it exports `handler`. */
  entry: string;
  /** Its environment contract: infra sets exactly these variables. */
  configSchema: FunctionEnvSchema;
  routes?: ReadonlyArray<{ method: HttpMethod; path: string }>;
  timeoutSeconds: number;
  memoryMb: number;
  /**
   * Per-user limit of the function's write routes (fixed windows counted in DynamoDB); the API stage's throttle stays
   * the outer guard for everyone together. Its role gets the rate limiter's grant (core/access/model.ts).
   */
  rateLimit?: RateLimit;
  /**
   * Rooms only: how many rooms one user may add one given other user to per window (counted per pair, in the same
   * rate-limits table), so nobody can keep pulling a stranger into rooms.
   */
  inviteLimit?: RateLimit;
  /**
   * Credentials only: how many distinct tab client ids (`{"tab"}`) one user may be given credentials for per credential
   * lifetime (functions/credentials/tab-limit.ts), so that one user cannot pile up persistent sessions.
   */
  tabLimit?: { tabs: number };
}

export interface RateLimit {
  /** Requests per window and user; 0 turns the limit off (load tests). */
  requests: number;
  windowSeconds: number;
}

export const FUNCTIONS: readonly FunctionDefinition[] = [
  {
    name: 'credentials',
    entry: 'functions/credentials/index.ts',
    configSchema: CredentialsEnvSchema,
    routes: [{ method: 'POST', path: '/credentials' }],
    timeoutSeconds: 10,
    memoryMb: 256,
    // Each tab asks once when it opens and about once an hour after; 20 a minute leaves room for reloads and retries.
    rateLimit: { requests: 20, windowSeconds: 60 },
    tabLimit: { tabs: 10 },
  },
  {
    name: 'rooms',
    entry: 'functions/rooms/index.ts',
    configSchema: RoomsEnvSchema,
    routes: [
      { method: 'POST', path: '/rooms' },
      { method: 'GET', path: '/rooms' },
      { method: 'PATCH', path: '/rooms/{roomId}' },
      { method: 'DELETE', path: '/rooms/{roomId}' },
      { method: 'GET', path: '/rooms/{roomId}/members' },
      { method: 'POST', path: '/rooms/{roomId}/members' },
      { method: 'PUT', path: '/rooms/{roomId}/members/{userId}' },
      { method: 'DELETE', path: '/rooms/{roomId}/members/{userId}' },
      { method: 'PUT', path: '/rooms/{roomId}/read' },
    ],
    timeoutSeconds: 10,
    memoryMb: 256,
    rateLimit: { requests: 30, windowSeconds: 60 },
    inviteLimit: { requests: 3, windowSeconds: 3600 },
  },
  {
    name: 'messages',
    entry: 'functions/messages/index.ts',
    configSchema: MessagesEnvSchema,
    routes: [{ method: 'POST', path: '/rooms/{roomId}/messages' }],
    timeoutSeconds: 15,
    memoryMb: 512,
    rateLimit: { requests: 60, windowSeconds: 60 },
  },
  {
    name: 'history',
    entry: 'functions/messages/history-index.ts',
    configSchema: HistoryEnvSchema,
    routes: [{ method: 'GET', path: '/rooms/{roomId}/messages' }],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  { name: 'fanout-worker', entry: 'functions/fanout/index.ts', configSchema: FanoutWorkerEnvSchema, timeoutSeconds: 30, memoryMb: 512 },
  {
    name: 'jobs',
    entry: 'functions/jobs/api-index.ts',
    configSchema: JobsApiEnvSchema,
    routes: [
      { method: 'POST', path: '/jobs' },
      { method: 'GET', path: '/jobs' },
    ],
    timeoutSeconds: 10,
    memoryMb: 256,
    rateLimit: { requests: 10, windowSeconds: 60 },
  },
  { name: 'jobs-worker', entry: 'functions/jobs/worker-index.ts', configSchema: JobsWorkerEnvSchema, timeoutSeconds: 60, memoryMb: 256 },
  {
    name: 'attach-policy',
    entry: 'functions/attach-policy/index.ts',
    configSchema: AttachPolicyEnvSchema,
    routes: [{ method: 'POST', path: '/iot/attach-policy' }],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  {
    name: 'presence',
    entry: 'functions/presence/index.ts',
    configSchema: PresenceEnvSchema,
    routes: [{ method: 'GET', path: '/rooms/{roomId}/presence' }],
    timeoutSeconds: 10,
    memoryMb: 256,
  },
  // Consumes the presence rule's queue (core/iot-rules.ts, PRESENCE_EVENTS_QUEUE below), no route.
  { name: 'presence-events', entry: 'functions/presence/events-index.ts', configSchema: PresenceEventsEnvSchema, timeoutSeconds: 30, memoryMb: 256 },
  {
    name: 'broadcast',
    entry: 'functions/broadcast/index.ts',
    configSchema: BroadcastEnvSchema,
    routes: [
      { method: 'POST', path: '/broadcast' },
      { method: 'GET', path: '/broadcasts' },
    ],
    timeoutSeconds: 10,
    memoryMb: 256,
    rateLimit: { requests: 10, windowSeconds: 60 },
  },
  {
    name: 'users',
    entry: 'functions/users/index.ts',
    configSchema: UsersEnvSchema,
    routes: [
      { method: 'GET', path: '/users/{userId}' },
      { method: 'GET', path: '/users' },
    ],
    timeoutSeconds: 10,
    memoryMb: 256,
    // Every route counts, reads included: exact lookups must not become a way to test names in bulk.
    rateLimit: { requests: 30, windowSeconds: 60 },
  },
  // The notification rule's target (core/event-rules.ts): invoked by EventBridge, no route.
  { name: 'notify', entry: 'functions/notify/index.ts', configSchema: NotifyEnvSchema, timeoutSeconds: 30, memoryMb: 256 },
  {
    name: 'health',
    entry: 'functions/health/index.ts',
    configSchema: HealthEnvSchema,
    routes: [{ method: 'GET', path: '/health' }],
    timeoutSeconds: 3,
    memoryMb: 128,
  },
];

export function functionDefinition(name: FunctionName): FunctionDefinition {
  const definition = FUNCTIONS.find((f) => f.name === name);
  if (!definition) throw new Error(`no function ${name} in the catalog`);
  return definition;
}

/** The environment variables a function's own catalog entry sets (on top of the stage-wide ones). */
export function catalogVariables(definition: FunctionDefinition, overrides: { rateLimit?: RateLimit } = {}): Record<string, string> {
  const rateLimit = definition.rateLimit && (overrides.rateLimit ?? definition.rateLimit);
  const variables: Record<string, string> = rateLimit
    ? { RATE_LIMIT_REQUESTS: String(rateLimit.requests), RATE_LIMIT_WINDOW_SECONDS: String(rateLimit.windowSeconds) }
    : {};
  if (definition.tabLimit) variables.TAB_CLIENTS_MAX = String(definition.tabLimit.tabs);
  if (definition.inviteLimit) {
    variables.INVITE_LIMIT_REQUESTS = String(definition.inviteLimit.requests);
    variables.INVITE_LIMIT_WINDOW_SECONDS = String(definition.inviteLimit.windowSeconds);
  }
  return variables;
}

/** CORS of the HTTP API, applied by API Gateway when deployed and by the local API locally. */
export const API_CORS = {
  allowHeaders: ['authorization', 'content-type', IDEMPOTENCY_KEY_HEADER, COGNITO_ACCESS_TOKEN_HEADER],
  allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
  exposeHeaders: ['retry-after'],
  maxAgeSeconds: 600,
} as const;

export interface QueueSettings {
  /** `<app>-<stage>-<purpose>` is the queue name. */
  purpose: string;
  consumer: FunctionName;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  batchSize: number;
  /**
   * How long the event source mapping gathers records before it invokes (MaximumBatchingWindowInSeconds, 0-300; Lambda's
   * default 0). CreateEventSourceMapping: "For streams and Amazon SQS event sources, when you set BatchSize to a value
   * greater than 10, you must set MaximumBatchingWindowInSeconds to at least 1."
   */
  maximumBatchingWindowSeconds?: number;
  /** Batches processed at once at most (ScalingConfig.MaximumConcurrency, 2-1000); unset, Lambda scales by itself. */
  maximumConcurrency?: number;
}

/** SQS: the visibility timeout should be at least 6 x the consumer's timeout (AWS Lambda + SQS guidance). */
const sixTimesTimeoutOf = (name: FunctionName) => 6 * functionDefinition(name).timeoutSeconds;

/** Jobs: shared by infra (SQS) and the local in-process queue. */
export const JOBS_QUEUE: QueueSettings = {
  purpose: 'jobs',
  consumer: 'jobs-worker',
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: sixTimesTimeoutOf('jobs-worker'),
  batchSize: 5,
};

/** Room fan-out: each message is one room message with up to 100 recipients. */
export const FANOUT_QUEUE: QueueSettings = {
  purpose: 'fanout',
  consumer: 'fanout-worker',
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: sixTimesTimeoutOf('fanout-worker'),
  batchSize: 10,
};

/**
 * Lifecycle events of the stage's clients, filled by the presence topic rule's SQS action (core/iot-rules.ts). The
 * function records a batch per user (one read and one write per user, however many of their events it holds), so the
 * larger the batch the cheaper a connection flood: 100 records (Lambda: batches above 10 need a batching window of at
 * least 1 s), gathered for at most 1 s, which is the most presence waits when events are few. Two batches at a time at
 * most (the smallest maximum concurrency Lambda allows): a flood waits in the queue instead of taking the account's
 * concurrency, and one user's events are seldom recorded by two invocations at once.
 */
export const PRESENCE_EVENTS_QUEUE: QueueSettings = {
  purpose: PRESENCE_EVENTS_QUEUE_PURPOSE,
  consumer: 'presence-events',
  maxReceiveCount: 5,
  visibilityTimeoutSeconds: sixTimesTimeoutOf('presence-events'),
  batchSize: 100,
  maximumBatchingWindowSeconds: 1,
  maximumConcurrency: 2,
};

/** The stage's work queues, each with its dead-letter queue and its consumer's event source mapping. */
export const WORK_QUEUES: readonly QueueSettings[] = [JOBS_QUEUE, FANOUT_QUEUE, PRESENCE_EVENTS_QUEUE];
