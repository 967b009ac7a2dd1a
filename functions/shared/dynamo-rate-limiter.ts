/**
 * The per-user rate limit on DynamoDB: fixed windows, one conditional UpdateItem per request and nothing else (one
 * write request unit; no read). The item of a window is `<scope>#<userId>#<windowStart>`; the update adds 1 to `hits`
 * only while `hits < limit`, atomically, so concurrent requests of one user (on any number of function instances)
 * cannot overshoot. A token bucket would need the refill computed from the stored value (multiplication), which
 * DynamoDB update expressions cannot do in one request. Fixed windows allow up to twice the limit across a window
 * boundary; the API stage's throttle stays the outer guard.
 *
 * A refusal is remembered by the instance until its window ends: a window over the limit stays over it, so the next
 * requests of that user in the window are refused without asking DynamoDB again. A user who floods then costs each
 * warm instance one write per window, not one per request (the count other instances keep can only be higher, so the
 * shortcut never refuses what DynamoDB would allow).
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { RateLimit } from '../catalog.js';
import { isRetryableAwsError } from './aws-error-classification.js';
import { TooManyRequestsError, UpstreamError } from './errors.js';
import { type Clock, type RateLimiter, unlimited } from './ports.js';

export interface DynamoRateLimiterOptions {
  table: string;
  /** What is counted, e.g. the function name: each scope has its own windows. */
  scope: string;
  limit: RateLimit;
  clock: Clock;
  logger: Logger;
  /**
   * When DynamoDB is throttled or unavailable (after the SDK's own retries): `allow` lets the request through (the
   * per-user write limits: they protect fairness, the stage throttle still bounds the total); `refuse` answers 503 with
   * Retry-After (limits that protect other people, such as the invite limit per pair of users).
   */
  whenUnavailable?: 'allow' | 'refuse';
}

/** TTL deletes a window's item this long after the window ended (only to keep the table small). */
const EXPIRY_GRACE_SECONDS = 60;
/** Users remembered as over their limit per instance; past it the oldest entry goes (it costs one DynamoDB write). */
const REMEMBERED_REFUSALS = 10_000;

export class DynamoRateLimiter implements RateLimiter {
  /** `userId` -> the end of the window (epoch seconds) in which DynamoDB refused them. */
  readonly #refusedUntil = new Map<string, number>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoRateLimiterOptions,
  ) {
    if (!Number.isInteger(options.limit.requests) || options.limit.requests < 1) throw new RangeError('a rate limit allows at least 1 request per window');
    if (!Number.isInteger(options.limit.windowSeconds) || options.limit.windowSeconds < 1) throw new RangeError('a rate limit window lasts at least 1 second');
  }

  /** `userId`: whom the request is counted for (for pair limits, `<userId>#<otherUserId>`: ids never contain `#`). */
  async consume(userId: string): Promise<void> {
    const { requests, windowSeconds } = this.options.limit;
    const nowMs = this.options.clock.now().getTime();
    const windowStart = Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
    const windowEnd = windowStart + windowSeconds;
    const refusedUntil = this.#refusedUntil.get(userId);
    if (refusedUntil !== undefined) {
      if (refusedUntil === windowEnd) throw this.#refusal(windowEnd, nowMs, undefined);
      this.#refusedUntil.delete(userId);
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.table,
          Key: { pk: { S: `${this.options.scope}#${userId}#${windowStart}` } },
          UpdateExpression: 'ADD #hits :one SET #expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(#hits) OR #hits < :limit',
          ExpressionAttributeNames: { '#hits': 'hits', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: String(requests) }, ':expiresAt': { N: String(windowEnd + EXPIRY_GRACE_SECONDS) } },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        if (this.#refusedUntil.size >= REMEMBERED_REFUSALS) this.#refusedUntil.delete(this.#refusedUntil.keys().next().value!);
        this.#refusedUntil.set(userId, windowEnd);
        throw this.#refusal(windowEnd, nowMs, error);
      }
      // Throttled or unavailable (ProvisionedThroughputExceeded included): never a permanent failure (502).
      if (isRetryableAwsError(error)) {
        if (this.options.whenUnavailable === 'refuse') throw new UpstreamError('could not check the request rate', true, { cause: error });
        // Failing every write while DynamoDB hiccups would hurt everyone: let the request through.
        this.options.logger.warn('rate limit not checked: DynamoDB did not answer; the request is let through', { scope: this.options.scope, userId, error });
        return;
      }
      // Denied, missing table, bad request: a misconfiguration that must be loud, never a silently disabled limit.
      throw new UpstreamError('could not check the request rate', false, { cause: error });
    }
  }

  #refusal(windowEnd: number, nowMs: number, cause: unknown): TooManyRequestsError {
    const { requests, windowSeconds } = this.options.limit;
    const retryAfterSeconds = Math.max(1, Math.ceil(windowEnd - nowMs / 1000));
    return new TooManyRequestsError(
      `too many requests: at most ${requests} every ${windowSeconds} s; retry in ${retryAfterSeconds} s`,
      retryAfterSeconds,
      cause === undefined ? undefined : { cause },
    );
  }
}

/** The limiter of a function from its config: unlimited when RATE_LIMIT_REQUESTS is 0. */
export function rateLimiterFromConfig(
  config: { RATE_LIMITS_TABLE_NAME: string; RATE_LIMIT_REQUESTS: number; RATE_LIMIT_WINDOW_SECONDS: number },
  client: DynamoDBClient,
  options: { scope: string; clock: Clock; logger: Logger },
): RateLimiter {
  if (config.RATE_LIMIT_REQUESTS === 0) return unlimited;
  return new DynamoRateLimiter(client, {
    ...options,
    table: config.RATE_LIMITS_TABLE_NAME,
    limit: { requests: config.RATE_LIMIT_REQUESTS, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS },
  });
}

/**
 * The rooms function's limit per pair of users (INVITE_LIMIT_*): how many rooms one user may add one given other user
 * to per window; unlimited when INVITE_LIMIT_REQUESTS is 0. Refuses (503) rather than allows when DynamoDB is down.
 */
export function inviteLimiterFromConfig(
  config: { RATE_LIMITS_TABLE_NAME: string; INVITE_LIMIT_REQUESTS: number; INVITE_LIMIT_WINDOW_SECONDS: number },
  client: DynamoDBClient,
  options: { clock: Clock; logger: Logger },
): RateLimiter {
  if (config.INVITE_LIMIT_REQUESTS === 0) return unlimited;
  return new DynamoRateLimiter(client, {
    ...options,
    scope: 'invites',
    table: config.RATE_LIMITS_TABLE_NAME,
    limit: { requests: config.INVITE_LIMIT_REQUESTS, windowSeconds: config.INVITE_LIMIT_WINDOW_SECONDS },
    whenUnavailable: 'refuse',
  });
}
