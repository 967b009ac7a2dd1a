import type { FanoutTask } from '../../core/contracts/fanout.js';
import type { JobMessage } from '../../core/contracts/jobs.js';

/** What the core functions depend on: injected, so the core is pure and the tests need no AWS. */

export interface Publisher {
  /** Publishes a JSON payload; throws PublishFailedError. */
  publish(topic: string, payload: unknown, qos: 0 | 1): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export type IdGenerator = () => string;

export interface VendedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface CredentialVendor {
  /** Assumes the browser-client role with the given session policy; throws UpstreamError. */
  vend(request: { sessionName: string; policy: string; durationSeconds: number }): Promise<VendedCredentials>;
}

export interface JobQueue {
  send(job: JobMessage): Promise<void>;
}

/** The fan-out queue (SQS): tasks of one message and a batch of recipients, published by the fan-out worker. */
export interface FanoutQueue {
  /** Sends every task or throws UpstreamError; no task is silently dropped. */
  send(tasks: readonly FanoutTask[]): Promise<void>;
}

/** The per-user limit of a function's write routes. */
export interface RateLimiter {
  /** Counts one request of the user; throws TooManyRequestsError (429 with Retry-After) when they are over the limit. */
  consume(userId: string): Promise<void>;
}

/** No limit (RATE_LIMIT_REQUESTS=0, e.g. load tests); the API stage's throttle still applies. */
export const unlimited: RateLimiter = { consume: async () => undefined };
