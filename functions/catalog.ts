/**
 * Every Lambda of the backend: its entry file, its config schema and its HTTP route (if any). Infra deploys from this
 * list and the local API serves from it, so a route exists in both or in neither.
 */
import type { FunctionName } from '../core/access/model.js';
import {
  AttachPolicyEnvSchema,
  CredentialsEnvSchema,
  type FunctionEnvSchema,
  HealthEnvSchema,
  JobsApiEnvSchema,
  JobsWorkerEnvSchema,
  MessagesEnvSchema,
} from '../core/contracts/function-env.js';

export interface FunctionDefinition {
  name: FunctionName;
  /** Entry file relative to the repository root; it exports `handler`. */
  entry: string;
  /** Its environment contract: infra sets exactly these variables. */
  configSchema: FunctionEnvSchema;
  route?: { method: 'GET' | 'POST'; path: string };
  timeoutSeconds: number;
  memoryMb: number;
}

export const FUNCTIONS: readonly FunctionDefinition[] = [
  { name: 'credentials', entry: 'functions/credentials/index.ts', configSchema: CredentialsEnvSchema, route: { method: 'POST', path: '/credentials' }, timeoutSeconds: 10, memoryMb: 256 },
  { name: 'messages', entry: 'functions/messages/index.ts', configSchema: MessagesEnvSchema, route: { method: 'POST', path: '/rooms/{roomId}/messages' }, timeoutSeconds: 10, memoryMb: 256 },
  { name: 'jobs', entry: 'functions/jobs/api-index.ts', configSchema: JobsApiEnvSchema, route: { method: 'POST', path: '/jobs' }, timeoutSeconds: 10, memoryMb: 256 },
  { name: 'jobs-worker', entry: 'functions/jobs/worker-index.ts', configSchema: JobsWorkerEnvSchema, timeoutSeconds: 60, memoryMb: 256 },
  { name: 'attach-policy', entry: 'functions/attach-policy/index.ts', configSchema: AttachPolicyEnvSchema, route: { method: 'POST', path: '/iot/attach-policy' }, timeoutSeconds: 10, memoryMb: 256 },
  { name: 'health', entry: 'functions/health/index.ts', configSchema: HealthEnvSchema, route: { method: 'GET', path: '/health' }, timeoutSeconds: 3, memoryMb: 128 },
];

/** CORS of the HTTP API, applied by API Gateway when deployed and by the local API locally. */
export const API_CORS = {
  allowHeaders: ['authorization', 'content-type'],
  allowMethods: ['GET', 'POST', 'OPTIONS'],
  exposeHeaders: ['retry-after'],
  maxAgeSeconds: 600,
} as const;

/** Jobs queue settings shared by infra (SQS) and the local in-process queue (SQS: visibility >= 6 x function timeout). */
export const JOBS_QUEUE = { maxReceiveCount: 3, visibilityTimeoutSeconds: 360, batchSize: 5 } as const;
