/**
 * SigV4 verification for the two shapes the emulator receives:
 * - presigned query strings (the MQTT WebSocket upgrade, IoT's `iotdevicegateway` rules), and
 * - the `Authorization` header (STS, IoT control plane, IoT data plane).
 *
 * It recomputes the signature from the request exactly as AWS does and compares in constant time. It never trusts
 * what the request says about itself beyond the scope it claims; the caller maps the access key to a secret.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');
/** SigV4: requests are refused when their date is more than 5 minutes away from the server clock. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;
/** SigV4: a presigned URL may be valid for at most 7 days. */
const MAX_PRESIGN_EXPIRES_SECONDS = 604_800;

export type SignatureFailureCode =
  | 'MissingAuthentication'
  | 'IncompleteSignature'
  | 'InvalidAlgorithm'
  | 'InvalidScope'
  | 'RequestExpired'
  | 'RequestNotYetValid'
  | 'UnknownAccessKey'
  | 'SignatureDoesNotMatch';

export class SignatureError extends Error {
  override readonly name = 'SignatureError';
  constructor(
    readonly code: SignatureFailureCode,
    message: string,
  ) {
    super(message);
  }
}

export interface CredentialScope {
  accessKeyId: string;
  date: string; // YYYYMMDD
  region: string;
  service: string;
}

export interface VerifiedSignature {
  scope: CredentialScope;
  /** The security token the request carried (query `X-Amz-Security-Token` or header `x-amz-security-token`). */
  securityToken: string | undefined;
  signedAt: Date;
}

/** Looks up the secret for an access key id; undefined when the key is unknown. */
export type SecretLookup = (accessKeyId: string) => string | undefined;

/** RFC 3986 encoding as SigV4 specifies it (encodeURIComponent leaves !'()* alone). */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    throw new SignatureError('IncompleteSignature', 'the query string is not valid percent-encoding');
  }
}

export function parseQuery(rawQuery: string): Array<[string, string]> {
  if (rawQuery === '') return [];
  return rawQuery.split('&').filter(Boolean).map((pair) => {
    const eq = pair.indexOf('=');
    return eq === -1 ? [safeDecode(pair), ''] : [safeDecode(pair.slice(0, eq)), safeDecode(pair.slice(eq + 1))];
  });
}

function canonicalQuery(params: Array<[string, string]>): string {
  return params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * SigV4 (all services but S3): the canonical URI is the path as sent, each segment URI-encoded once more. So the SDK's
 * `/topics/a%2Fb` and curl's `/topics/a/b` both verify, each against what its signer computed.
 */
function canonicalUri(rawPath: string): string {
  if (rawPath === '') return '/';
  return rawPath.split('/').map((segment) => rfc3986(segment)).join('/');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function signingKey(secretAccessKey: string, scope: Omit<CredentialScope, 'accessKeyId'>): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, scope.date);
  return hmac(hmac(hmac(kDate, scope.region), scope.service), 'aws4_request');
}

function signature(secret: string, scope: CredentialScope, amzDate: string, canonicalRequest: string): string {
  const stringToSign = [
    ALGORITHM,
    amzDate,
    `${scope.date}/${scope.region}/${scope.service}/aws4_request`,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  return createHmac('sha256', signingKey(secret, scope)).update(stringToSign, 'utf8').digest('hex');
}

function parseCredential(credential: string): CredentialScope {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((p) => p === '')) {
    throw new SignatureError('IncompleteSignature', `malformed credential scope "${credential}": expected <key>/<yyyymmdd>/<region>/<service>/aws4_request`);
  }
  const [accessKeyId, date, region, service] = parts as [string, string, string, string];
  if (!/^\d{8}$/.test(date)) throw new SignatureError('IncompleteSignature', `malformed date "${date}" in the credential scope`);
  return { accessKeyId, date, region, service };
}

function parseAmzDate(value: string | undefined): Date {
  const m = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) throw new SignatureError('IncompleteSignature', `X-Amz-Date must look like 20240101T000000Z, got ${JSON.stringify(value ?? null)}`);
  const [, y, mo, d, h, mi, s] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

export interface ScopeExpectation {
  /** Services whose signing name is accepted, e.g. `['iotdevicegateway']`. */
  services: readonly string[];
  region: string;
}

function checkScope(scope: CredentialScope, amzDate: string, expected: ScopeExpectation): void {
  if (!expected.services.includes(scope.service)) {
    throw new SignatureError('InvalidScope', `credential scope names service "${scope.service}"; this endpoint expects ${expected.services.map((s) => `"${s}"`).join(' or ')}`);
  }
  if (scope.region !== expected.region) {
    throw new SignatureError('InvalidScope', `credential scope names region "${scope.region}"; this endpoint is in "${expected.region}"`);
  }
  if (!amzDate.startsWith(scope.date)) {
    throw new SignatureError('InvalidScope', `credential scope date ${scope.date} does not match X-Amz-Date ${amzDate}`);
  }
}

function compare(expectedHex: string, givenHex: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(givenHex)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(givenHex, 'hex'));
}

export interface PresignedRequest {
  method: string;
  /** Path as sent, e.g. `/mqtt`. */
  path: string;
  /** Raw query string without `?`. */
  rawQuery: string;
  /** Host names the signature may cover: the Host header sent, and the advertised endpoint host. */
  hostCandidates: readonly string[];
  /** Request headers (lower-case names), for signed headers other than host. */
  headers?: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Verifies a presigned URL as IoT Core's WebSocket gateway does: the canonical query excludes `X-Amz-Signature` and
 * (IoT-specific) `X-Amz-Security-Token`, which signers append after signing; only `host` is signed; the payload is
 * the empty string. `X-Amz-Expires` is optional (the official SDKs do not send it): without it the date must be
 * within the clock skew.
 */
export function verifyPresignedUrl(
  request: PresignedRequest,
  expected: ScopeExpectation,
  lookupSecret: SecretLookup,
  now: Date = new Date(),
  clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS,
): VerifiedSignature {
  const params = parseQuery(request.rawQuery);
  const get = (name: string) => params.find(([k]) => k === name)?.[1];
  const algorithm = get('X-Amz-Algorithm');
  const credential = get('X-Amz-Credential');
  const amzDate = get('X-Amz-Date');
  const signedHeaders = get('X-Amz-SignedHeaders');
  const given = get('X-Amz-Signature');
  if (algorithm === undefined && given === undefined) throw new SignatureError('MissingAuthentication', 'the request is not signed: no X-Amz-* query parameters');
  if (algorithm !== ALGORITHM) throw new SignatureError('InvalidAlgorithm', `X-Amz-Algorithm must be ${ALGORITHM}`);
  for (const [name, value] of [['X-Amz-Credential', credential], ['X-Amz-Date', amzDate], ['X-Amz-SignedHeaders', signedHeaders], ['X-Amz-Signature', given]] as const) {
    if (value === undefined || value === '') throw new SignatureError('IncompleteSignature', `the presigned URL lacks ${name}`);
  }
  const scope = parseCredential(credential!);
  const signedAt = parseAmzDate(amzDate);
  checkScope(scope, amzDate!, expected);
  // Browser signers (aws-crt's, Amplify's) sign only `host`; aws-crt's native signer also signs `connection`.
  const headerNames = signedHeaders!.split(';');
  if (!headerNames.includes('host')) throw new SignatureError('IncompleteSignature', `the host header must be signed, got X-Amz-SignedHeaders=${signedHeaders}`);
  if (headerNames.join(';') !== [...headerNames].sort().join(';')) throw new SignatureError('IncompleteSignature', 'X-Amz-SignedHeaders must be sorted');
  checkTime(signedAt, get('X-Amz-Expires'), now, clockSkewSeconds);

  const secret = lookupSecret(scope.accessKeyId);
  if (secret === undefined) throw new SignatureError('UnknownAccessKey', `the access key ${scope.accessKeyId} does not exist in this account`);

  // IoT: the session token is not part of the canonical request.
  const canonicalParams = canonicalQuery(params.filter(([k]) => k !== 'X-Amz-Signature' && k !== 'X-Amz-Security-Token'));
  const uri = canonicalUri(request.path);
  const otherHeaders = (host: string) =>
    headerNames
      .map((name) => {
        if (name === 'host') return `host:${host.toLowerCase()}\n`;
        const value = headerValue(request.headers ?? {}, name);
        if (value === undefined) throw new SignatureError('IncompleteSignature', `signed header "${name}" is missing from the request`);
        return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
      })
      .join('');
  const matches = request.hostCandidates.some((host) => {
    const canonicalRequest = [request.method.toUpperCase(), uri, canonicalParams, otherHeaders(host), headerNames.join(';'), EMPTY_SHA256].join('\n');
    return compare(signature(secret, scope, amzDate!, canonicalRequest), given!.toLowerCase());
  });
  if (!matches) throw new SignatureError('SignatureDoesNotMatch', 'the signature does not match the request (wrong secret, tampered query, or a host other than the one signed)');
  return { scope, securityToken: get('X-Amz-Security-Token'), signedAt };
}

function checkTime(signedAt: Date, expiresParam: string | undefined, now: Date, clockSkewSeconds: number): void {
  const ageSeconds = (now.getTime() - signedAt.getTime()) / 1000;
  if (ageSeconds < -clockSkewSeconds) throw new SignatureError('RequestNotYetValid', `the request is signed ${Math.round(-ageSeconds)} s in the future`);
  if (expiresParam !== undefined) {
    const expires = Number(expiresParam);
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_EXPIRES_SECONDS) {
      throw new SignatureError('IncompleteSignature', `X-Amz-Expires must be an integer between 1 and ${MAX_PRESIGN_EXPIRES_SECONDS}`);
    }
    if (ageSeconds > expires) throw new SignatureError('RequestExpired', `the presigned URL expired ${Math.round(ageSeconds - expires)} s ago`);
  } else if (ageSeconds > clockSkewSeconds) {
    throw new SignatureError('RequestExpired', `the request was signed ${Math.round(ageSeconds)} s ago (more than ${clockSkewSeconds} s)`);
  }
}

export interface HeaderSignedRequest {
  method: string;
  path: string;
  rawQuery: string;
  /** Lower-case header names; repeated headers joined with ',' (Node's IncomingMessage does this). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
}

const AUTH_HEADER = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)$/;

/** Reads the credential scope without verifying: lets the router pick the service a request is for. */
export function peekAuthorizationScope(authorization: string | undefined): CredentialScope | undefined {
  const m = authorization === undefined ? null : AUTH_HEADER.exec(authorization.trim());
  if (!m) return undefined;
  try {
    return parseCredential(m[1]!);
  } catch {
    return undefined;
  }
}

function headerValue(headers: HeaderSignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Verifies an `Authorization: AWS4-HMAC-SHA256 ...` header (every signed AWS API call but presigned URLs). */
export function verifyAuthorizationHeader(
  request: HeaderSignedRequest,
  expected: ScopeExpectation,
  lookupSecret: SecretLookup,
  now: Date = new Date(),
  clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS,
): VerifiedSignature {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) throw new SignatureError('MissingAuthentication', 'missing Authorization header');
  const m = AUTH_HEADER.exec(authorization.trim());
  if (!m) {
    if (!authorization.startsWith(ALGORITHM)) throw new SignatureError('InvalidAlgorithm', `the Authorization header must use ${ALGORITHM}`);
    throw new SignatureError('IncompleteSignature', 'the Authorization header must have Credential=, SignedHeaders= and Signature=');
  }
  const scope = parseCredential(m[1]!);
  const signedHeaders = m[2]!.split(';');
  const given = m[3]!.toLowerCase();
  const amzDate = headerValue(request.headers, 'x-amz-date');
  const signedAt = parseAmzDate(amzDate);
  checkScope(scope, amzDate!, expected);
  if (!signedHeaders.includes('host')) throw new SignatureError('IncompleteSignature', 'the host header must be signed');
  if (signedHeaders.join(';') !== [...signedHeaders].sort().join(';')) throw new SignatureError('IncompleteSignature', 'SignedHeaders must be sorted');
  checkTime(signedAt, undefined, now, clockSkewSeconds);

  const secret = lookupSecret(scope.accessKeyId);
  if (secret === undefined) throw new SignatureError('UnknownAccessKey', `the access key ${scope.accessKeyId} does not exist in this account`);

  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = headerValue(request.headers, name);
      if (value === undefined) throw new SignatureError('IncompleteSignature', `signed header "${name}" is missing from the request`);
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  const declaredHash = headerValue(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== bodyHash) {
    throw new SignatureError('SignatureDoesNotMatch', 'x-amz-content-sha256 does not match the body that was received');
  }
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(parseQuery(request.rawQuery)),
    canonicalHeaders,
    signedHeaders.join(';'),
    bodyHash,
  ].join('\n');
  if (!compare(signature(secret, scope, amzDate!, canonicalRequest), given)) {
    throw new SignatureError('SignatureDoesNotMatch', 'the request signature we calculated does not match the signature you provided');
  }
  return { scope, securityToken: headerValue(request.headers, 'x-amz-security-token'), signedAt };
}
