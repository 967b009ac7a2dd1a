/**
 * The server side of Cognito's SRP variant (USER_SRP_AUTH -> PASSWORD_VERIFIER), written against what the clients
 * compute: aws-amplify v6 (`@aws-amplify/auth` providers/cognito/utils/srp: AuthenticationHelper, calculateS,
 * calculateU, getHkdfKey, getSignatureString, getNowString) and amazon-cognito-identity-js, which agree:
 *
 * - SRP-6a over the 3072-bit group of RFC 5054 (appendix A), g = 2, H = SHA-256, k = H(pad(N) | pad(g)).
 * - x = H(pad(salt) | H(<poolName><username>:<password>)), where poolName is the part of the pool id after `_`.
 * - u = H(pad(A) | pad(B)); the client's S = (B - k*g^x)^(a + u*x), the server's S = (A * v^u)^b, both mod N.
 * - key = HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key" | 0x01), first 16 bytes.
 * - PASSWORD_CLAIM_SIGNATURE = base64(HMAC-SHA256(key, poolName | username | SECRET_BLOCK bytes | TIMESTAMP)).
 *
 * "pad" is Amplify's getPaddedHex: the shortest even-length hex, with `00` prepended when the top bit is set (Java's
 * BigInteger.toByteArray). Only the verifier v = g^x and its salt are ever stored, never the password.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 5054 appendix A, 3072-bit group (the `INIT_N` of Amplify and amazon-cognito-identity-js). */
export const SRP_N = BigInt(
  '0xFFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD' +
    'EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F' +
    '83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510' +
    '15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
    'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C' +
    'BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
);
export const SRP_G = 2n;

/** Amplify's getPaddedHex for non-negative values. */
export function paddedHex(value: bigint): string {
  if (value < 0n) throw new RangeError('paddedHex takes non-negative values');
  let hex = value.toString(16);
  if (hex.length % 2 !== 0) hex = `0${hex}`;
  return /^[89a-f]/.test(hex) ? `00${hex}` : hex;
}

function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function hashHexToBigInt(hex: string): bigint {
  return BigInt(`0x${sha256(Buffer.from(hex, 'hex')).toString('hex')}`);
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

const K = hashHexToBigInt(paddedHex(SRP_N) + paddedHex(SRP_G));

/** Amplify (handlePasswordSRP): `userPoolName = userPoolId.split('_')[1]`. */
export function poolNameOf(userPoolId: string): string {
  return userPoolId.split('_')[1] ?? '';
}

function privateX(poolName: string, username: string, password: string, saltHex: string): bigint {
  const identityHash = sha256(`${poolName}${username}:${password}`).toString('hex');
  return hashHexToBigInt(paddedHex(BigInt(`0x${saltHex}`)) + identityHash);
}

export interface PasswordVerifier {
  /** Hex, as sent in the SALT challenge parameter. */
  salt: string;
  /** Hex of v = g^x mod N. */
  verifier: string;
}

export function createPasswordVerifier(poolName: string, username: string, password: string): PasswordVerifier {
  // A positive 128-bit salt, as Amplify's device verifier uses; Cognito does not document its salt length.
  const salt = randomBytes(16).toString('hex');
  return { salt, verifier: modPow(SRP_G, privateX(poolName, username, password, salt), SRP_N).toString(16) };
}

/** USER_PASSWORD_AUTH: recompute v from the password and compare in constant time. */
export function passwordMatches(poolName: string, username: string, password: string, stored: PasswordVerifier): boolean {
  const candidate = Buffer.from(paddedHex(modPow(SRP_G, privateX(poolName, username, password, stored.salt), SRP_N)), 'hex');
  const expected = Buffer.from(paddedHex(BigInt(`0x${stored.verifier}`)), 'hex');
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}

export interface ServerChallenge {
  /** The server's secret exponent; never leaves the emulator. */
  b: bigint;
  B: bigint;
}

/** B = (k*v + g^b) mod N, with B mod N != 0 (SRP-6a). */
export function createServerChallenge(verifierHex: string): ServerChallenge {
  const v = BigInt(`0x${verifierHex}`);
  for (;;) {
    const b = BigInt(`0x${randomBytes(128).toString('hex')}`);
    const B = (K * v + modPow(SRP_G, b, SRP_N)) % SRP_N;
    if (B !== 0n) return { b, B };
  }
}

/** SRP-6a: the server must abort when A mod N == 0 (otherwise S is predictable). */
export function isValidClientPublic(A: bigint): boolean {
  return A > 0n && A % SRP_N !== 0n;
}

/** The 16-byte key both sides derive; the client signs with it. */
export function serverSessionKey(A: bigint, challenge: ServerChallenge, verifierHex: string): Buffer {
  const v = BigInt(`0x${verifierHex}`);
  const u = hashHexToBigInt(paddedHex(A) + paddedHex(challenge.B));
  if (u === 0n) throw new Error('SRP u is zero');
  const S = modPow(A * modPow(v, u, SRP_N), challenge.b, SRP_N);
  const prk = createHmac('sha256', Buffer.from(paddedHex(u), 'hex'))
    .update(Buffer.from(paddedHex(S), 'hex'))
    .digest();
  return createHmac('sha256', prk)
    .update(Buffer.concat([Buffer.from('Caldera Derived Key', 'utf8'), Buffer.from([1])]))
    .digest()
    .subarray(0, 16);
}

export function passwordClaimSignature(key: Buffer, poolName: string, username: string, secretBlock: Buffer, timestamp: string): Buffer {
  return createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(poolName, 'utf8'), Buffer.from(username, 'utf8'), secretBlock, Buffer.from(timestamp, 'utf8')]))
    .digest();
}

export function signaturesMatch(expected: Buffer, claimedBase64: string): boolean {
  const claimed = Buffer.from(claimedBase64, 'base64');
  return claimed.length === expected.length && timingSafeEqual(claimed, expected);
}

/**
 * TIMESTAMP is "ddd MMM D HH:mm:ss UTC YYYY" in UTC, day of month not padded (Amplify's getNowString,
 * amazon-cognito-identity-js's DateHelper). Returns the instant, or undefined when the format is wrong.
 */
const TIMESTAMP =
  /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d) UTC (\d{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export function parseSrpTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, weekday, month, day, hh, mm, ss, year] = m as unknown as [string, string, string, string, string, string, string, string];
  const date = new Date(Date.UTC(Number(year), MONTHS.indexOf(month), Number(day), Number(hh), Number(mm), Number(ss)));
  // Reject impossible dates (Feb 31) and a weekday that does not match the date.
  if (date.getUTCDate() !== Number(day) || WEEKDAYS[date.getUTCDay()] !== weekday) return undefined;
  return date;
}

export function formatSrpTimestamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`;
}
