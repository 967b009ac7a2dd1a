/**
 * How the rooms store reports failures: domain errors (decided by the store or the cores) pass through unchanged; any
 * other failure becomes an UpstreamError whose `retryable` comes from the one classification of AWS SDK errors
 * (aws-error-classification.ts). A corrupt item is never retryable: reading it again gives the same item.
 */
import { isRetryableAwsError } from '../aws-error-classification.js';
import {
  IdempotencyKeyReusedError,
  InvalidCursorError,
  LastOwnerError,
  NotAMemberError,
  NotFoundError,
  NotRoomOwnerError,
  RequestInProgressError,
  RoomExistsError,
  RoomNotFoundError,
  UpstreamError,
  ValidationError,
} from '../errors.js';
import { CorruptItemError } from './keys.js';

const DOMAIN_ERRORS = [
  NotFoundError,
  RoomNotFoundError,
  NotRoomOwnerError,
  NotAMemberError,
  LastOwnerError,
  RoomExistsError,
  InvalidCursorError,
  ValidationError,
  IdempotencyKeyReusedError,
  RequestInProgressError,
  UpstreamError,
];

export function storeFailure(what: string, error: unknown): Error {
  if (DOMAIN_ERRORS.some((type) => error instanceof type)) return error as Error;
  const retryable = !(error instanceof CorruptItemError) && isRetryableAwsError(error);
  return new UpstreamError(`could not ${what}`, retryable, { cause: error });
}

/** Runs `work`, reporting any failure as storeFailure does. */
export async function mapped<T>(what: string, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw storeFailure(what, error);
  }
}
