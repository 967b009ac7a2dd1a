/**
 * Per-principal request quotas of the local Cognito Identity (issue 20: a hostile guest must not be able to take the
 * identities and credentials everyone else needs).
 *
 * AWS publishes account-wide request rates for identity pools ("Quotas in Amazon Cognito", "Amazon Cognito identity
 * pools (federated identities) API operation request rate quotas",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html): GetId 25 requests per second (also quoted in
 * https://zenn.dev/mn87/articles/af0e54d11cb0fe), GetCredentialsForIdentity 200 (unverified: the copy of the table
 * available here was incomplete). Over them Cognito answers TooManyRequestsException.
 * It publishes nothing per caller. Locally every browser comes from 127.0.0.1, so the account rates would let one
 * guest take all of them: the emulator instead bounds each principal, well below AWS's account rates:
 * - new guest identities (GetId without Logins) per source address per minute (LOCAL_COGNITO_GUEST_IDENTITIES_PER_MINUTE);
 * - credentials per identity per minute (LOCAL_COGNITO_CREDENTIALS_PER_IDENTITY_PER_MINUTE).
 * Over either, TooManyRequestsException, as Cognito answers a throttled request. Both are token buckets holding one
 * minute of the rate (a burst up to the rate, then the rate), one per key, and the keys are bounded too: buckets that
 * have filled up again carry no state and are dropped; a new key that finds the table full of active ones is refused.
 */

export interface CognitoIdentityQuotas {
  /** GetId without Logins (a new guest identity), per source address per minute. */
  guestIdentitiesPerMinutePerSource: number;
  /** GetCredentialsForIdentity, per identity per minute. */
  credentialsPerIdentityPerMinute: number;
}

export const DEFAULT_COGNITO_IDENTITY_QUOTAS: CognitoIdentityQuotas = { guestIdentitiesPerMinutePerSource: 30, credentialsPerIdentityPerMinute: 12 };

interface Bucket {
  tokens: number;
  at: number;
}

/** Keys tracked at most per limiter (sources, or identities in use). */
const MAX_KEYS = 100_000;

export class KeyedRateLimit {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = MAX_KEYS,
  ) {
    if (!(perMinute > 0)) throw new Error('a rate limit needs a positive number of requests per minute');
    this.#perMs = perMinute / 60_000;
  }

  /** Counts one request of `key` at `now` (ms); false when it is over the rate. */
  take(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      // The sweep is O(keys): at most once a second, so a flood of new keys stays cheap.
      if (this.#buckets.size >= this.maxKeys && now - this.#sweptAt >= 1000) {
        this.#sweptAt = now;
        this.#dropFull(now);
      }
      if (this.#buckets.size >= this.maxKeys) return false;
      bucket = { tokens: this.perMinute, at: now };
      this.#buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Keys tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  #dropFull(now: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.perMinute) this.#buckets.delete(key);
  }
}
