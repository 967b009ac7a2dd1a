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
