import {
  createPasswordVerifier,
  createServerChallenge,
  formatSrpTimestamp,
  isValidClientPublic,
  paddedHex,
  parseSrpTimestamp,
  passwordClaimSignature,
  passwordMatches,
  poolNameOf,
  SRP_N,
  serverSessionKey,
  signaturesMatch,
} from './srp.js';
import { answerPasswordVerifier, startSrpClient } from './srp-client.test-support.js';

const POOL_ID = 'us-east-1_UnitPool';

/** Runs the server half against the client half; returns whether the server accepts the answer. */
function exchange(password: string, tamper: (answer: ReturnType<typeof answerPasswordVerifier>) => void = () => undefined): boolean {
  const stored = createPasswordVerifier(poolNameOf(POOL_ID), 'erin', 'demo-password-1');
  const client = startSrpClient();
  const server = createServerChallenge(stored.verifier);
  const secretBlock = Buffer.from('opaque secret block').toString('base64');
  const answer = answerPasswordVerifier(client, POOL_ID, password, {
    SALT: stored.salt,
    SRP_B: server.B.toString(16),
    SECRET_BLOCK: secretBlock,
    USER_ID_FOR_SRP: 'erin',
  });
  tamper(answer);
  const key = serverSessionKey(BigInt(`0x${client.srpA}`), server, stored.verifier);
  const expected = passwordClaimSignature(key, poolNameOf(POOL_ID), 'erin', Buffer.from(answer.PASSWORD_CLAIM_SECRET_BLOCK, 'base64'), answer.TIMESTAMP);
  return signaturesMatch(expected, answer.PASSWORD_CLAIM_SIGNATURE);
}

describe('SRP (Cognito variant)', () => {
  it('pads hex like Amplify getPaddedHex (a 00 byte when the top bit is set, even length)', () => {
    expect(paddedHex(20n)).toBe('14');
    expect(paddedHex(56n)).toBe('38');
    expect(paddedHex(200n)).toBe('00c8');
    expect(paddedHex(236n)).toBe('00ec');
    expect(paddedHex(0x123n)).toBe('0123');
    expect(paddedHex(SRP_N).startsWith('00ffffffff')).toBe(true);
  });

  it('takes the pool name from after the underscore of the pool id', () => {
    expect(poolNameOf('us-east-1_AbC123')).toBe('AbC123');
  });

  it('accepts the password-verifier answer of the right password only', () => {
    expect(exchange('demo-password-1')).toBe(true);
    expect(exchange('demo-password-2')).toBe(false);
  });

  it('binds the signature to the timestamp and the secret block', () => {
    const otherTime = (a: { TIMESTAMP: string }) => {
      a.TIMESTAMP = 'Mon Jan 1 00:00:00 UTC 2024';
    };
    const otherBlock = (a: { PASSWORD_CLAIM_SECRET_BLOCK: string }) => {
      a.PASSWORD_CLAIM_SECRET_BLOCK = Buffer.from('another block').toString('base64');
    };
    expect(exchange('demo-password-1', otherTime)).toBe(false);
    expect(exchange('demo-password-1', otherBlock)).toBe(false);
  });

  it('stores a verifier that checks a password without keeping it, salted per user', () => {
    const a = createPasswordVerifier('Pool', 'erin', 'demo-password-1');
    const b = createPasswordVerifier('Pool', 'erin', 'demo-password-1');
    expect(a.salt).not.toBe(b.salt);
    expect(a.verifier).not.toBe(b.verifier);
    expect(JSON.stringify(a)).not.toContain('demo-password-1');
    expect(passwordMatches('Pool', 'erin', 'demo-password-1', a)).toBe(true);
    expect(passwordMatches('Pool', 'erin', 'demo-password-1x', a)).toBe(false);
    // The username and pool name are part of x: the same password of another user does not match.
    expect(passwordMatches('Pool', 'frank', 'demo-password-1', a)).toBe(false);
    expect(passwordMatches('Other', 'erin', 'demo-password-1', a)).toBe(false);
  });

  it('refuses a client public value that is 0 mod N (SRP-6a)', () => {
    expect(isValidClientPublic(0n)).toBe(false);
    expect(isValidClientPublic(SRP_N)).toBe(false);
    expect(isValidClientPublic(2n * SRP_N)).toBe(false);
    expect(isValidClientPublic(2n)).toBe(true);
  });

  it('formats and parses TIMESTAMP as "ddd MMM D HH:mm:ss UTC YYYY" (day not padded)', () => {
    const date = new Date(Date.UTC(2025, 2, 4, 9, 5, 1));
    expect(formatSrpTimestamp(date)).toBe('Tue Mar 4 09:05:01 UTC 2025');
    expect(parseSrpTimestamp('Tue Mar 4 09:05:01 UTC 2025')?.toISOString()).toBe(date.toISOString());
    for (const bad of [
      'Tue Mar 04 09:05:01 UTC 2025',
      'Wed Mar 4 09:05:01 UTC 2025',
      'Sat Feb 30 09:05:01 UTC 2025',
      'Tue mar 4 09:05:01 UTC 2025',
      '2025-03-04T09:05:01Z',
    ]) {
      expect(parseSrpTimestamp(bad)).toBeUndefined();
    }
  });
});
