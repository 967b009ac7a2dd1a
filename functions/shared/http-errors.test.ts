import {
  ConfigError,
  ForbiddenError,
  InvalidCursorError,
  LastOwnerError,
  NotFoundError,
  PayloadTooLargeError,
  PublishFailedError,
  RoomExistsError,
  TooManyRequestsError,
  UnauthorizedError,
  UpstreamError,
  ValidationError,
} from './errors.js';
import { errorResponse, toHttpError } from './http-errors.js';

describe('domain errors to HTTP', () => {
  it.each([
    [new ValidationError('bad'), 400],
    [new UnauthorizedError('who?'), 401],
    [new ForbiddenError('no'), 403],
    [new PayloadTooLargeError('big'), 413],
    [new NotFoundError('gone'), 404],
    [new InvalidCursorError('forged'), 400],
    [new RoomExistsError('taken'), 409],
    [new LastOwnerError('last owner'), 409],
    [new TooManyRequestsError('slow down', 7), 429],
    [new PublishFailedError('x', false), 502],
    [new PublishFailedError('x', true), 503],
    [new UpstreamError('x', true), 503],
    [new ConfigError('secret detail'), 500],
    [new Error('boom'), 500],
  ])('%s -> %i', (error, status) => {
    expect(toHttpError(error).statusCode).toBe(status);
  });

  it('never serialises internal messages or stacks of unexpected errors', () => {
    const response = errorResponse(new Error('database password is hunter2'));
    expect(response.body).toBe('{"error":"internal_error","message":"internal error"}');
    expect(errorResponse(new ConfigError('APP_JWKS_URL missing')).body).toBe('{"error":"internal_error","message":"internal error"}');
  });

  it('tells a rate-limited caller when to retry', () => {
    expect(errorResponse(new TooManyRequestsError('slow down', 7)).headers).toMatchObject({ 'retry-after': '7' });
    expect(JSON.parse(errorResponse(new TooManyRequestsError('slow down', 7)).body!)).toEqual({ error: 'too_many_requests', message: 'slow down' });
  });

  it('marks retryable failures with Retry-After', () => {
    expect(errorResponse(new PublishFailedError('could not deliver the message', true)).headers).toMatchObject({ 'retry-after': '1' });
  });
});
