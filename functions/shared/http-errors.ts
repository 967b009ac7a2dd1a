/** The one place where domain errors become HTTP responses. Never serialises raw errors or stack traces. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ErrorBody } from '../../core/contracts/http.js';
import {
  AmbiguousUserError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  InvalidCursorError,
  LastOwnerError,
  NotAMemberError,
  NotFoundError,
  NotRoomOwnerError,
  PayloadTooLargeError,
  PublishFailedError,
  RequestInProgressError,
  RoomExistsError,
  RoomNotFoundError,
  TooManyRequestsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  UpstreamError,
  UserNotFoundError,
  ValidationError,
} from './errors.js';

export interface HttpError extends ErrorBody {
  statusCode: number;
  headers?: Record<string, string>;
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof ValidationError) return { statusCode: 400, error: 'bad_request', message: error.message };
  if (error instanceof UnauthorizedError) return { statusCode: 401, error: 'unauthorized', message: error.message, headers: { 'www-authenticate': 'Bearer' } };
  if (error instanceof ForbiddenError || error instanceof NotRoomOwnerError) return { statusCode: 403, error: 'forbidden', message: error.message };
  if (error instanceof NotFoundError || error instanceof RoomNotFoundError || error instanceof UserNotFoundError) {
    return { statusCode: 404, error: 'not_found', message: error.message };
  }
  if (error instanceof PayloadTooLargeError) return { statusCode: 413, error: 'payload_too_large', message: error.message };
  if (error instanceof UnsupportedMediaTypeError) return { statusCode: 415, error: 'unsupported_media_type', message: error.message };
  if (error instanceof InvalidCursorError) return { statusCode: 400, error: 'bad_request', message: error.message };
  if (error instanceof RoomExistsError || error instanceof LastOwnerError || error instanceof NotAMemberError || error instanceof AmbiguousUserError) {
    return { statusCode: 409, error: 'conflict', message: error.message };
  }
  if (error instanceof RequestInProgressError) {
    return { statusCode: 409, error: 'request_in_progress', message: error.message, headers: { 'retry-after': '1' } };
  }
  if (error instanceof IdempotencyKeyReusedError) return { statusCode: 422, error: 'idempotency_key_reused', message: error.message };
  if (error instanceof TooManyRequestsError) {
    return { statusCode: 429, error: 'too_many_requests', message: error.message, headers: { 'retry-after': String(error.retryAfterSeconds) } };
  }
  if (error instanceof PublishFailedError || error instanceof UpstreamError) {
    return error.retryable
      ? { statusCode: 503, error: 'service_unavailable', message: `${error.message}; please retry shortly`, headers: { 'retry-after': '1' } }
      : { statusCode: 502, error: 'bad_gateway', message: `${error.message}; please retry` };
  }
  return { statusCode: 500, error: 'internal_error', message: 'internal error' };
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  const mapped = toHttpError(error);
  const body: ErrorBody = { error: mapped.error, message: mapped.message };
  return jsonResponse(mapped.statusCode, body, mapped.headers);
}
