import { ConfigError, ForbiddenError, PayloadTooLargeError, PublishFailedError, TooManyRoomsError, UnauthorizedError, UpstreamError, ValidationError } from './errors.js';
import { errorResponse, toHttpError } from './http-errors.js';

describe('domain errors to HTTP', () => {
  it.each([
    [new ValidationError('bad'), 400],
    [new UnauthorizedError('who?'), 401],
    [new ForbiddenError('no'), 403],
    [new PayloadTooLargeError('big'), 413],
    [new TooManyRoomsError('many'), 422],
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

  it('marks retryable failures with Retry-After', () => {
    expect(errorResponse(new PublishFailedError('could not deliver the message', true)).headers).toMatchObject({ 'retry-after': '1' });
  });
});
