/**
 * The client half of Cognito's SRP, step by step as aws-amplify v6 computes it (AuthenticationHelper,
 * calculateS/U, getHkdfKey, getSignatureString), for tests that need to tamper with one piece of an exchange. The
 * end-to-end check against Amplify's own code is aws-amplify's signIn in the integration test.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { formatSrpTimestamp, modPow, paddedHex, poolNameOf, SRP_G, SRP_N } from './srp.js';

const hashHex = (hex: string) => BigInt(`0x${createHash('sha256').update(Buffer.from(hex, 'hex')).digest('hex')}`);

export interface SrpClientStart {
  a: bigint;
  /** SRP_A as Amplify sends it: `A.toString(16)`, not padded. */
  srpA: string;
}

export function startSrpClient(): SrpClientStart {
  const a = BigInt(`0x${randomBytes(128).toString('hex')}`);
  return { a, srpA: modPow(SRP_G, a, SRP_N).toString(16) };
}

/** A type, not an interface: it is passed where the SDK expects a string map. */
export type PasswordVerifierAnswer = {
  USERNAME: string;
  PASSWORD_CLAIM_SECRET_BLOCK: string;
  PASSWORD_CLAIM_SIGNATURE: string;
  TIMESTAMP: string;
};

export function answerPasswordVerifier(
  start: SrpClientStart,
  userPoolId: string,
  password: string,
  challenge: Record<string, string>,
  now = new Date(),
): PasswordVerifierAnswer {
  const poolName = poolNameOf(userPoolId);
  const username = challenge.USER_ID_FOR_SRP!;
  const B = BigInt(`0x${challenge.SRP_B}`);
  const salt = BigInt(`0x${challenge.SALT}`);
  const A = modPow(SRP_G, start.a, SRP_N);
  const k = hashHex(paddedHex(SRP_N) + paddedHex(SRP_G));
  const u = hashHex(paddedHex(A) + paddedHex(B));
  const identity = createHash('sha256').update(`${poolName}${username}:${password}`).digest('hex');
  const x = hashHex(paddedHex(salt) + identity);
  const base = (((B - k * modPow(SRP_G, x, SRP_N)) % SRP_N) + SRP_N) % SRP_N;
  const S = modPow(base, start.a + u * x, SRP_N);
  const prk = createHmac('sha256', Buffer.from(paddedHex(u), 'hex'))
    .update(Buffer.from(paddedHex(S), 'hex'))
    .digest();
  const key = createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key'), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
  const timestamp = formatSrpTimestamp(now);
  const signature = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(poolName), Buffer.from(username), Buffer.from(challenge.SECRET_BLOCK!, 'base64'), Buffer.from(timestamp)]))
    .digest('base64');
  return { USERNAME: username, PASSWORD_CLAIM_SECRET_BLOCK: challenge.SECRET_BLOCK!, PASSWORD_CLAIM_SIGNATURE: signature, TIMESTAMP: timestamp };
}
