/**
 * How many tab client ids one user may hold at once (`<app>.<stage>.<user>.<tab>`, POST /credentials {"tab"}): every
 * tab id is a client id, and every client id with clean session off is a persistent session IoT keeps for an hour after
 * its connection ends (persistentSessionExpiry). Unlimited tab ids let one user pile up sessions without end; a bound
 * per user keeps one user's tabs from crowding out everyone else's.
 *
 * Counted in the rate-limits table (core/store/tables.ts) with one conditional UpdateItem and no read, like the rate
 * limiter: per user and fixed window as long as a credential lives (CREDENTIALS_DURATION_SECONDS), the item
 * `tabs#<userId>#<windowStart>` holds the set of tab ids given credentials in that window. A tab id already in the set
 * is always served again (a refresh, a reload); a new one only while the set holds fewer than the limit. A window's
 * credentials expire at most one credential lifetime after it ends, so at any moment valid credentials exist for the
 * tab ids of the current window and the previous one: at most twice the limit, never more (the fixed-window bound the
 * rate limiter documents too), and any number of ordinary tabs up to the limit are never refused.
 */
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { isRetryableAwsError } from '../shared/aws-error-classification.js';
import { TooManyRequestsError, UpstreamError } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';

export interface TabLimiter {
  /** Admits `tab` for the user, or throws TooManyRequestsError (429 with Retry-After) when they hold too many already. */
  admit(userId: string, tab: string): Promise<void>;
}

/** No limit (TAB_CLIENTS_MAX=0). */
export const unlimitedTabs: TabLimiter = { admit: async () => undefined };

export interface DynamoTabLimiterOptions {
  table: string;
  /** Distinct tab ids per user and window. */
  maxTabs: number;
  /** The window: the lifetime of the credentials a tab is given. */
  windowSeconds: number;
  clock: Clock;
}

/** TTL deletes a window's item this long after the window ended (only to keep the table small). */
const EXPIRY_GRACE_SECONDS = 60;
/** The rate limiter's items are `<function>#...` and `invites#...`: this prefix is no function's name. */
const SCOPE = 'tabs';

export class DynamoTabLimiter implements TabLimiter {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoTabLimiterOptions,
  ) {
    if (!Number.isInteger(options.maxTabs) || options.maxTabs < 1) throw new RangeError('a tab limit allows at least 1 tab');
    if (!Number.isInteger(options.windowSeconds) || options.windowSeconds < 1) throw new RangeError('a tab window lasts at least 1 second');
  }

  async admit(userId: string, tab: string): Promise<void> {
    const { maxTabs, windowSeconds } = this.options;
    const nowMs = this.options.clock.now().getTime();
    const windowStart = Math.floor(nowMs / 1000 / windowSeconds) * windowSeconds;
    const windowEnd = windowStart + windowSeconds;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.table,
          Key: { pk: { S: `${SCOPE}#${userId}#${windowStart}` } },
          UpdateExpression: 'ADD #tabs :tabSet SET #expiresAt = :expiresAt',
          // DynamoDB condition expressions: contains() on a string set, size() of a set (its number of elements).
          ConditionExpression: 'attribute_not_exists(#tabs) OR contains(#tabs, :tab) OR size(#tabs) < :max',
          ExpressionAttributeNames: { '#tabs': 'tabs', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: {
            ':tabSet': { SS: [tab] },
            ':tab': { S: tab },
            ':max': { N: String(maxTabs) },
            ':expiresAt': { N: String(windowEnd + EXPIRY_GRACE_SECONDS) },
          },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        const retryAfterSeconds = Math.max(1, Math.ceil(windowEnd - nowMs / 1000));
        throw new TooManyRequestsError(
          `too many tabs: at most ${maxTabs} ${maxTabs === 1 ? 'tab' : 'tabs'} (client ids) per user within ${Math.round(windowSeconds / 60)} minutes; use one of your open tabs, or retry in ${retryAfterSeconds} s`,
          retryAfterSeconds,
          { cause: error },
        );
      }
      // The bound protects other users' sessions: without the count, refuse (503, retry) rather than let it go unchecked.
      if (isRetryableAwsError(error)) throw new UpstreamError('could not check the number of tabs', true, { cause: error });
      // Denied, missing table: a misconfiguration that must be loud (502, logged by the handler), never a disabled limit.
      throw new UpstreamError('could not check the number of tabs', false, { cause: error });
    }
  }
}

/** The limiter of the credentials function from its config: unlimited when TAB_CLIENTS_MAX is 0. */
export function tabLimiterFromConfig(
  config: { RATE_LIMITS_TABLE_NAME: string; TAB_CLIENTS_MAX: number; CREDENTIALS_DURATION_SECONDS: number },
  client: DynamoDBClient,
  options: { clock: Clock },
): TabLimiter {
  if (config.TAB_CLIENTS_MAX === 0) return unlimitedTabs;
  return new DynamoTabLimiter(client, {
    ...options,
    table: config.RATE_LIMITS_TABLE_NAME,
    maxTabs: config.TAB_CLIENTS_MAX,
    windowSeconds: config.CREDENTIALS_DURATION_SECONDS,
  });
}
