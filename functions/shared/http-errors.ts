/** The one place where domain errors become HTTP responses. Never serialises raw errors or stack traces. */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PublishFailedError,
  TooManyRoomsError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  UpstreamError,
  ValidationError,
} from './errors.js';

export interface HttpError {
  statusCode: number;
  message: string;
  headers?: Record<string, string>;
}

export function toHttpError(error: unknown): HttpError {
  if (error instanceof ValidationError) return { statusCode: 400, message: error.message };
  if (error instanceof UnauthorizedError) return { statusCode: 401, message: error.message, headers: { 'www-authenticate': 'Bearer' } };
  if (error instanceof ForbiddenError) return { statusCode: 403, message: error.message };
  if (error instanceof NotFoundError) return { statusCode: 404, message: error.message };
  if (error instanceof PayloadTooLargeError) return { statusCode: 413, message: error.message };
  if (error instanceof UnsupportedMediaTypeError) return { statusCode: 415, message: error.message };
  if (error instanceof TooManyRoomsError) return { statusCode: 422, message: error.message };
  if (error instanceof PublishFailedError || error instanceof UpstreamError) {
    return error.retryable
      ? { statusCode: 503, message: `${error.message}; please retry shortly`, headers: { 'retry-after': '1' } }
      : { statusCode: 502, message: `${error.message}; please retry` };
  }
  return { statusCode: 500, message: 'internal error' };
}

export function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(error: unknown): APIGatewayProxyStructuredResultV2 {
  const mapped = toHttpError(error);
  return jsonResponse(mapped.statusCode, { message: mapped.message }, mapped.headers);
}
