import { webcrypto } from 'node:crypto';
import { newIdempotencyKey } from './idempotency-key.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newIdempotencyKey', () => {
  it('is a fresh version 4 UUID each time', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key).toMatch(UUID_V4);
  });

  it('builds the same format from getRandomValues where randomUUID is missing (plain http)', () => {
    const insecure = { getRandomValues: (array: Uint8Array) => webcrypto.getRandomValues(array) };
    const key = newIdempotencyKey(insecure as unknown as Pick<Crypto, 'getRandomValues'>);
    expect(key).toMatch(UUID_V4);
    // All-ones randomness still gets the version and variant bits right.
    const ones = { getRandomValues: (array: Uint8Array) => array.fill(0xff) };
    expect(newIdempotencyKey(ones as unknown as Pick<Crypto, 'getRandomValues'>)).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
});
