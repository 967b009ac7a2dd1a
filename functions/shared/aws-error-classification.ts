/**
 * The one decision every AWS adapter makes about a failed SDK call: may a retry help? It uses the SDK's own error
 * classification (`isThrottlingError`, `isTransientError`, `isServerError`, which the SDK's retry strategy itself uses;
 * in SDK v3 of this era they live in `@smithy/core/retry`, the former `@smithy/service-error-classification`) and the
 * error's own metadata (`$retryable`, `$fault`), plus the DynamoDB transaction errors that the DynamoDB developer guide
 * ("Error handling with DynamoDB", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html)
 * lists as "OK to retry" and the SDK does not name: TransactionConflictException, and a TransactionCanceledException
 * cancelled only by throttling or conflicts. ProvisionedThroughputExceededException, ThrottlingException and
 * RequestLimitExceeded are throttling errors by the SDK's list (THROTTLING_ERROR_CODES), so they are retryable.
 *
 * Retryable failures become HTTP 503 with Retry-After (functions/shared/http-errors.ts), permanent ones 502.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';

type SdkError = Parameters<typeof isThrottlingError>[0];

export type AwsErrorKind = 'throttling' | 'transient' | 'server' | 'client';

/** DynamoDB: cancellation reason codes of a transaction that a retry may get past. */
const RETRYABLE_CANCELLATION_CODES = new Set(['None', 'ThrottlingError', 'TransactionConflict', 'ProvisionedThroughputExceeded']);

interface ErrorShape {
  name?: unknown;
  $fault?: unknown;
  CancellationReasons?: Array<{ Code?: string }>;
}

/** The SDK's classification of a failed call; anything that is not an object (a thrown string) is a client error. */
export function classifyAwsError(error: unknown): AwsErrorKind {
  if (typeof error !== 'object' || error === null) return 'client';
  const sdkError = error as SdkError;
  const shape = error as ErrorShape;
  if (isThrottlingError(sdkError)) return 'throttling';
  if (shape.name === 'TransactionConflictException') return 'transient';
  if (shape.name === 'TransactionCanceledException') {
    const codes = (shape.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
    if (codes.some((code) => code === 'ThrottlingError' || code === 'ProvisionedThroughputExceeded')) return 'throttling';
    if (codes.length > 0 && codes.every((code) => RETRYABLE_CANCELLATION_CODES.has(code)) && codes.includes('TransactionConflict')) return 'transient';
    return 'client';
  }
  if (isTransientError(sdkError)) return 'transient';
  // The modeled fault of a service error ("server" for 5xx-modeled exceptions), or a 5xx status.
  if (isServerError(sdkError) || shape.$fault === 'server') return 'server';
  return 'client';
}

/** Whether retrying the call may help: throttling, a transient failure (network, timeout, 5xx) or a server fault. */
export function isRetryableAwsError(error: unknown): boolean {
  return classifyAwsError(error) !== 'client';
}
