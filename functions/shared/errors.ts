/**
 * Domain errors of the backend. Core code throws these; `http-errors.ts` maps them to HTTP in one place.
 * Each carries a message a person understands; the `cause` keeps the underlying error for the logs only.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}

/** The caller's token is missing, malformed, expired, or not ours. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** Authenticated, but not allowed (e.g. not a member of the room). */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** Publishing to IoT Core failed; `retryable` when AWS throttled or was unavailable. */
export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** STS, Cognito or the IoT control plane refused or failed while serving the request. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A job's own work failed (reported on the job topic, not retried). */
export class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A room id that is already taken. */
export class RoomExistsError extends Error {
  override readonly name = 'RoomExistsError';
}

/** A change that would leave a room with members but no owner. */
export class LastOwnerError extends Error {
  override readonly name = 'LastOwnerError';
}

/** A pagination cursor that this API did not issue for this listing. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** The caller sent too many requests; `retryAfterSeconds` tells when to try again. */
export class TooManyRequestsError extends Error {
  override readonly name = 'TooManyRequestsError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A room that does not exist, or one the caller is not a member of: the same answer (404, same sentence) for both, so
 * nobody learns whether a room they are not in exists.
 */
export class RoomNotFoundError extends Error {
  override readonly name = 'RoomNotFoundError';
  constructor(
    readonly roomId: string,
    options?: ErrorOptions,
  ) {
    super(`room ${roomId} does not exist, or you are not a member of it`, options);
  }
}

/** A member asked for what only an owner of the room may do. */
export class NotRoomOwnerError extends Error {
  override readonly name = 'NotRoomOwnerError';
}

/** No user matches an id, username or email (the message names what was looked for, e.g. "No user named dana"). */
export class UserNotFoundError extends Error {
  override readonly name = 'UserNotFoundError';
}

/** The change needs the person to be a member already (promoting someone who was never invited). */
export class NotAMemberError extends Error {
  override readonly name = 'NotAMemberError';
}

/** A username that more than one user has (an app user and a Cognito user): they must be named by user id. */
export class AmbiguousUserError extends Error {
  override readonly name = 'AmbiguousUserError';
}

/** An `Idempotency-Key` sent again with a different request (IETF idempotency-key draft, 2.7: 422). */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
}

/** A retry while the first request with the same `Idempotency-Key` is still being processed (the draft's 409). */
export class RequestInProgressError extends Error {
  override readonly name = 'RequestInProgressError';
}
