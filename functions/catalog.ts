/**
 * Every Lambda of the backend: its entry file, its config schema and its HTTP route (if any). Infra deploys from this
 * list and the local API serves from it, so a route exists in both or in neither.
 */
import type { FunctionName } from '../core/access/model.js';
import { attachPolicyConfigSchema } from './attach-policy/config.js';
import { credentialsConfigSchema } from './credentials/config.js';
import { healthConfigSchema } from './health/config.js';
import { jobsApiConfigSchema, jobsWorkerConfigSchema } from './jobs/config.js';
import { messagesConfigSchema } from './messages/config.js';
import type { Schema } from './shared/config.js';

export interface FunctionDefinition {
  name: FunctionName;
  /** Entry file relative to the repository root; it exports `handler`. */
  entry: string;
  configSchema: Schema;
  route?: { method: 'GET' | 'POST'; path: string };
  timeoutSeconds: number;
  memoryMb: number;
}

export const FUNCTIONS: readonly FunctionDefinition[] = [
  { name: 'credentials', entry: 'functions/credentials/handler.ts', configSchema: credentialsConfigSchema, route: { method: 'POST', path: '/credentials' }, timeoutSeconds: 10, memoryMb: 256 },
  { name: 'messages', entry: 'functions/messages/handler.ts', configSchema: messagesConfigSchema, route: { method: 'POST', path: '/rooms/{roomId}/messages' }, timeoutSeconds: 10, memoryMb: 256 },
  { name: 'jobs', entry: 'functions/jobs/api-handler.ts', configSchema: jobsApiConfigSchema, route: { method: 'POST', path: '/jobs' }, timeoutSeconds: 10, memoryMb: 256 },
  { name: 'jobs-worker', entry: 'functions/jobs/worker-handler.ts', configSchema: jobsWorkerConfigSchema, timeoutSeconds: 60, memoryMb: 256 },
  { name: 'attach-policy', entry: 'functions/attach-policy/handler.ts', configSchema: attachPolicyConfigSchema, route: { method: 'POST', path: '/iot/attach-policy' }, timeoutSeconds: 10, memoryMb: 256 },
  { name: 'health', entry: 'functions/health/handler.ts', configSchema: healthConfigSchema, route: { method: 'GET', path: '/health' }, timeoutSeconds: 3, memoryMb: 128 },
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
