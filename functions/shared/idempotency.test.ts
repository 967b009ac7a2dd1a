import * as v from 'valibot';
import { IDEMPOTENCY_KEY_LIFETIME_SECONDS, IdempotencyKeySchema } from '../../core/contracts/http.js';
import { httpEvent } from '../../test/fixtures/events.js';
import { IdempotencyKeyReusedError, RequestInProgressError, ValidationError } from './errors.js';
import { fingerprintOf, idempotencyClaim, idempotencyKeyOf, replayOf } from './idempotency.js';

describe('the Idempotency-Key header', () => {
  it("accepts the draft's Structured Field String form and the bare token form many clients send", () => {
    expect(v.parse(IdempotencyKeySchema, '"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(v.parse(IdempotencyKeySchema, '8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(v.parse(IdempotencyKeySchema, '01J9ZQ0Y8X5T3K2M1N0P9Q8R7S')).toBe('01J9ZQ0Y8X5T3K2M1N0P9Q8R7S');
    expect(v.parse(IdempotencyKeySchema, 'a+b/c=')).toBe('a+b/c=');
  });

  it.each([[''], ['""'], ['"'], ['k'.repeat(129)], ['two words'], ['a,b'], ['a#b'], ['"unterminated'], ['é']])('refuses %j', (key) => {
    expect(v.safeParse(IdempotencyKeySchema, key).success).toBe(false);
  });

  it('is optional, and a malformed one is a 400 naming the header', () => {
    expect(idempotencyKeyOf(httpEvent({}))).toBeUndefined();
    expect(idempotencyKeyOf(httpEvent({ headers: { 'idempotency-key': '"k-1"' } }))).toBe('k-1');
    expect(() => idempotencyKeyOf(httpEvent({ headers: { 'idempotency-key': 'not ok' } }))).toThrow(ValidationError);
    expect(() => idempotencyKeyOf(httpEvent({ headers: { 'idempotency-key': 'not ok' } }))).toThrow(/^the idempotency-key header may contain only/);
  });
});

describe('idempotency records', () => {
  const now = Date.UTC(2030, 0, 1);

  it('are keyed per scope and user, and honoured for 24 hours', () => {
    const claim = idempotencyClaim({ scope: 'messages', userId: 'alice', key: 'k1', fingerprint: 'f' }, { statusCode: 202, body: {} }, now);
    expect(claim).toEqual({
      recordKey: 'messages#alice#k1',
      fingerprint: 'f',
      response: { statusCode: 202, body: {} },
      now: now / 1000,
      expiresAt: now / 1000 + IDEMPOTENCY_KEY_LIFETIME_SECONDS,
    });
    expect(IDEMPOTENCY_KEY_LIFETIME_SECONDS).toBeGreaterThanOrEqual(86_400);
    expect(idempotencyClaim({ scope: 'messages', userId: 'bob', key: 'k1', fingerprint: 'f' }, { statusCode: 202, body: {} }, now).recordKey).not.toBe(
      claim.recordKey,
    );
  });

  it('identify a request by a digest of what it asks for', () => {
    expect(fingerprintOf({ roomId: 'r', text: 'hi' })).toBe(fingerprintOf({ roomId: 'r', text: 'hi' }));
    expect(fingerprintOf({ roomId: 'r', text: 'hi' })).not.toBe(fingerprintOf({ roomId: 'r', text: 'hi!' }));
    expect(fingerprintOf({ roomId: 'r', text: 'hi' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('replay the stored response to the same request, and refuse another request or one still in progress', () => {
    const record = { fingerprint: 'f', state: 'done' as const, response: { statusCode: 201, body: { roomId: 'r1' } }, expiresAt: 0 };
    expect(replayOf(record, { fingerprint: 'f' })).toEqual({ statusCode: 201, body: { roomId: 'r1' } });
    expect(() => replayOf(record, { fingerprint: 'g' })).toThrow(IdempotencyKeyReusedError);
    expect(() => replayOf({ ...record, state: 'pending' }, { fingerprint: 'f' })).toThrow(RequestInProgressError);
  });
});
