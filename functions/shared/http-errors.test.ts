import {
  AmbiguousUserError,
  ConfigError,
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
  UpstreamError,
  UserNotFoundError,
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
    [new RoomNotFoundError('general'), 404],
    [new UserNotFoundError('No user named dana'), 404],
    [new NotRoomOwnerError('owners only'), 403],
    [new NotAMemberError('invite first'), 409],
    [new AmbiguousUserError('two danas'), 409],
    [new RequestInProgressError('still running'), 409],
    [new IdempotencyKeyReusedError('other request'), 422],
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

  it('gives a missing room and a room of others the same body', () => {
    expect(JSON.parse(errorResponse(new RoomNotFoundError('general')).body!)).toEqual({
      error: 'not_found',
      message: 'room general does not exist, or you are not a member of it',
    });
  });

  it('answers idempotency conflicts as the IETF draft says: 409 (retry shortly) while in progress, 422 for another request', () => {
    expect(errorResponse(new RequestInProgressError('still running'))).toMatchObject({ statusCode: 409, headers: { 'retry-after': '1' } });
    expect(JSON.parse(errorResponse(new IdempotencyKeyReusedError('other request')).body!)).toEqual({
      error: 'idempotency_key_reused',
      message: 'other request',
    });
  });
});
