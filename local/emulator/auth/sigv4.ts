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

/** SigV4 UriEncode's unreserved bytes, `A-Z a-z 0-9 - . _ ~`, by byte value. */
const UNRESERVED = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') UNRESERVED[char.charCodeAt(0)] = 1;
/** `%XY` (upper-case hex) of every byte value. */
const PERCENT_ENCODED = Array.from({ length: 256 }, (_, byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`);

/**
 * SigV4 UriEncode over bytes: the unreserved characters stay, every other byte becomes %XY with upper-case hex, so a
 * space is %20 and UTF-8 is %XY%ZA%BC (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
 */
function uriEncodeBytes(bytes: Uint8Array): string {
  // Unreserved bytes are ASCII: a run of them is copied as it is.
  const run = (from: number, to: number) => Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
  let out = '';
  let runStart = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (UNRESERVED[byte] === 1) continue;
    if (runStart < i) out += run(runStart, i);
    out += PERCENT_ENCODED[byte];
    runStart = i + 1;
  }
  return runStart < bytes.length ? out + run(runStart, bytes.length) : out;
}

/** The value of a hex digit's char code, or -1. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Percent-decodes a raw query component to bytes; any other character is taken as its UTF-8 bytes, `+` included: SigV4
 * reads a `+` as a literal plus (canonically %2B), never as a space (AWS test vector get-query-plus,
 * smithy-lang/smithy-rs#4227; SigV4 sends spaces as %20, "not using '+'"). Runs between escapes are encoded at once
 * (a lone surrogate becomes U+FFFD's bytes, as UTF-8 encoding does).
 */
function percentDecodedBytes(raw: string): Buffer {
  if (!raw.includes('%')) return Buffer.from(raw, 'utf8');
  const parts: Buffer[] = [];
  const escaped: number[] = [];
  let runStart = 0;
  let i = raw.indexOf('%');
  while (i !== -1) {
    if (runStart < i) parts.push(Buffer.from(raw.slice(runStart, i), 'utf8'));
    // Consecutive escapes (a UTF-8 sequence) become one buffer.
    escaped.length = 0;
    while (raw.charCodeAt(i) === 37) {
      const high = hexValue(raw.charCodeAt(i + 1));
      const low = hexValue(raw.charCodeAt(i + 2));
      if (high === -1 || low === -1)
        throw new SignatureError('IncompleteSignature', `the query string is not valid percent-encoding near "${raw.slice(i, i + 3)}"`);
      escaped.push(high * 16 + low);
      i += 3;
    }
    parts.push(Buffer.from(escaped));
    runStart = i;
    i = raw.indexOf('%', i);
  }
  if (runStart < raw.length) parts.push(Buffer.from(raw.slice(runStart), 'utf8'));
  return Buffer.concat(parts);
}

/** A query parameter as it arrived: name and value still percent-encoded. */
interface RawQueryParam {
  name: string;
  value: string;
}

function splitQuery(rawQuery: string): RawQueryParam[] {
  if (rawQuery === '') return [];
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? { name: pair, value: '' } : { name: pair.slice(0, eq), value: pair.slice(eq + 1) };
    });
}

function decodeQueryComponent(raw: string): string {
  return percentDecodedBytes(raw).toString('utf8');
}

/** The query's parameters, decoded (for reading X-Amz-* values). */
export function parseQuery(rawQuery: string): Array<[string, string]> {
  return splitQuery(rawQuery).map(({ name, value }) => [decodeQueryComponent(name), decodeQueryComponent(value)]);
}

/**
 * SigV4 canonical query: each name and value decoded and URI-encoded again, sorted by name then value (byte order),
 * joined with `&`; a parameter without `=` gets an empty value. `excluded` names (decoded) are left out.
 */
function canonicalQuery(rawQuery: string, excluded: readonly string[] = []): string {
  return splitQuery(rawQuery)
    .filter(({ name }) => !excluded.includes(decodeQueryComponent(name)))
    .map(({ name, value }) => [uriEncodeBytes(percentDecodedBytes(name)), uriEncodeBytes(percentDecodedBytes(value))] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/**
 * SigV4, every service but S3: the path is normalised (empty and `.` segments dropped, `..` removes the segment before
 * it, a trailing `/` kept) and each segment of the path as sent is URI-encoded once more ("Each path segment must be
 * URI-encoded twice", create-signed-request.html). So the SDK's `/topics/a%2Fb` is canonically `/topics/a%252Fb`, and
 * curl's `/topics/a/b` is `/topics/a/b`, each what its signer computed. Normalisation as @smithy/signature-v4 does it.
 */
function canonicalUri(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncodeBytes(Buffer.from(segment, 'utf8')));
  }
  return `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
}

/**
 * SigV4 canonical header value: "trim any leading or trailing spaces, convert sequential spaces to a single space, and
 * separate the values for a multi-value header using commas" ("Create a canonical request",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html): each line's value is
 * trimmed and collapsed on its own, then the lines are joined with `,` in the order they arrived (the AWS suite's
 * get-header-key-duplicate, get-header-value-order). White space as @smithy/signature-v4 reads it (`\s`). A string is
 * one value; a string[] holds one value per header line.
 */
function canonicalHeaderValue(value: string | readonly string[]): string {
  const trimAll = (v: string) => v.trim().replace(/\s+/g, ' ');
  return typeof value === 'string' ? trimAll(value) : value.map(trimAll).join(',');
}

export interface CanonicalRequestInput {
  method: string;
  /** The path as sent (still percent-encoded). */
  path: string;
  /** The raw query string, without `?`. */
  rawQuery: string;
  /** Query parameters (decoded names) left out of the canonical query. */
  excludedQueryParams?: readonly string[];
  /** Signed header names, lower-case, sorted. */
  signedHeaders: readonly string[];
  /** The value of each signed header; a string[] is one value per header line. */
  headerValue: (name: string) => string | readonly string[] | undefined;
  /** Hex SHA-256 of the payload. */
  payloadHash: string;
}

/** The SigV4 canonical request (create-signed-request.html, "Create a canonical request"). */
export function canonicalRequest(input: CanonicalRequestInput): string {
  return canonicalRequestWithQuery(input, canonicalQuery(input.rawQuery, input.excludedQueryParams));
}

/** The canonical request with its canonical query already computed (the same for every host a presigned URL may name). */
function canonicalRequestWithQuery(input: Omit<CanonicalRequestInput, 'rawQuery' | 'excludedQueryParams'>, query: string): string {
  const headers = input.signedHeaders
    .map((name) => {
      const value = input.headerValue(name);
      if (value === undefined) throw new SignatureError('IncompleteSignature', `signed header "${name}" is missing from the request`);
      return `${name}:${canonicalHeaderValue(value)}\n`;
    })
    .join('');
  return [input.method.toUpperCase(), canonicalUri(input.path), query, headers, input.signedHeaders.join(';'), input.payloadHash].join('\n');
}

/** The SigV4 string to sign for a canonical request. */
export function stringToSign(amzDate: string, scope: Omit<CredentialScope, 'accessKeyId'>, canonical: string): string {
  return [ALGORITHM, amzDate, `${scope.date}/${scope.region}/${scope.service}/aws4_request`, createHash('sha256').update(canonical, 'utf8').digest('hex')].join(
    '\n',
  );
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

export function signingKey(secretAccessKey: string, scope: Omit<CredentialScope, 'accessKeyId'>): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, scope.date);
  return hmac(hmac(hmac(kDate, scope.region), scope.service), 'aws4_request');
}

/**
 * Signing keys derived lately, by scope and secret: a key depends on nothing else and is good for its whole day, which
 * is why AWS's signers cache it too (@smithy/signature-v4 keeps 50). The verifiers ask only for requests whose scope
 * has been checked and whose access key exists, so the entries come from the account's keys and at most two dates;
 * past the bound the oldest entry goes (a miss costs four HMACs, nothing else).
 */
export class SigningKeyCache {
  readonly #keys = new Map<string, Buffer>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.#keys.size;
  }

  /** Whether the key of `secret` for `scope` is cached (for tests of the eviction order). */
  has(secret: string, scope: Omit<CredentialScope, 'accessKeyId'>): boolean {
    return this.#keys.has(SigningKeyCache.#id(secret, scope));
  }

  key(secret: string, scope: Omit<CredentialScope, 'accessKeyId'>): Buffer {
    const id = SigningKeyCache.#id(secret, scope);
    let key = this.#keys.get(id);
    if (key === undefined) {
      key = signingKey(secret, scope);
      if (this.#keys.size >= this.maxEntries) this.#keys.delete(this.#keys.keys().next().value!);
      this.#keys.set(id, key);
    }
    return key;
  }

  static #id(secret: string, scope: Omit<CredentialScope, 'accessKeyId'>): string {
    return JSON.stringify([scope.date, scope.region, scope.service, secret]);
  }
}

const signingKeys = new SigningKeyCache(4096);

function signature(secret: string, scope: CredentialScope, toSign: string): string {
  return createHmac('sha256', signingKeys.key(secret, scope)).update(toSign, 'utf8').digest('hex');
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
    throw new SignatureError(
      'InvalidScope',
      `credential scope names service "${scope.service}"; this endpoint expects ${expected.services.map((s) => `"${s}"`).join(' or ')}`,
    );
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
  /** Request headers (lower-case names), for signed headers other than host; a string[] is one value per line. */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
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
  if (algorithm === undefined && given === undefined)
    throw new SignatureError('MissingAuthentication', 'the request is not signed: no X-Amz-* query parameters');
  if (algorithm !== ALGORITHM) throw new SignatureError('InvalidAlgorithm', `X-Amz-Algorithm must be ${ALGORITHM}`);
  for (const [name, value] of [
    ['X-Amz-Credential', credential],
    ['X-Amz-Date', amzDate],
    ['X-Amz-SignedHeaders', signedHeaders],
    ['X-Amz-Signature', given],
  ] as const) {
    if (value === undefined || value === '') throw new SignatureError('IncompleteSignature', `the presigned URL lacks ${name}`);
  }
  const scope = parseCredential(credential!);
  const signedAt = parseAmzDate(amzDate);
  checkScope(scope, amzDate!, expected);
  // Browser signers (aws-crt's, Amplify's) sign only `host`; aws-crt's native signer also signs `connection`.
  const headerNames = signedHeaders!.split(';');
  if (!headerNames.includes('host'))
    throw new SignatureError('IncompleteSignature', `the host header must be signed, got X-Amz-SignedHeaders=${signedHeaders}`);
  if (headerNames.join(';') !== [...headerNames].sort().join(';')) throw new SignatureError('IncompleteSignature', 'X-Amz-SignedHeaders must be sorted');
  checkTime(signedAt, get('X-Amz-Expires'), now, clockSkewSeconds);

  const secret = lookupSecret(scope.accessKeyId);
  if (secret === undefined) throw new SignatureError('UnknownAccessKey', `the access key ${scope.accessKeyId} does not exist in this account`);

  // IoT: the session token is not part of the canonical request.
  const query = canonicalQuery(request.rawQuery, ['X-Amz-Signature', 'X-Amz-Security-Token']);
  const matches = request.hostCandidates.some((host) => {
    const canonical = canonicalRequestWithQuery(
      {
        method: request.method,
        path: request.path,
        signedHeaders: headerNames,
        headerValue: (name) => (name === 'host' ? host.toLowerCase() : request.headers?.[name]),
        payloadHash: EMPTY_SHA256,
      },
      query,
    );
    return compare(signature(secret, scope, stringToSign(amzDate!, scope, canonical)), given!.toLowerCase());
  });
  if (!matches)
    throw new SignatureError(
      'SignatureDoesNotMatch',
      'the signature does not match the request (wrong secret, tampered query, or a host other than the one signed)',
    );
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
  /** The path as sent (still percent-encoded). */
  path: string;
  rawQuery: string;
  /**
   * Lower-case header names. A string[] holds the lines of a header in arrival order (`headerLinesByName` of Node's
   * `rawHeaders`); a string is taken as one value, so Node's `headers`, which joins repeated lines with ", ", would
   * not verify them.
   */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>;
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

/** One value of a header: a header sent on several lines is refused where only one makes sense (e.g. two dates). */
function singleHeader(headers: HeaderSignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  if (typeof v === 'string' || v === undefined) return v;
  if (v.length > 1) throw new SignatureError('IncompleteSignature', `the ${name} header was sent ${v.length} times`);
  return v[0];
}

/** What the verifier computes from an `Authorization`-signed request, before it looks at keys or clocks. */
export interface HeaderSignatureParts {
  scope: CredentialScope;
  amzDate: string;
  signedAt: Date;
  signedHeaders: string[];
  /** Hex SHA-256 of the body received. */
  payloadHash: string;
  /** The signature the request carries (lower-case hex). */
  givenSignature: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** Parses the `Authorization` header and computes the canonical request and string to sign the verifier checks. */
export function canonicalizeHeaderSignedRequest(request: HeaderSignedRequest): HeaderSignatureParts {
  const authorization = singleHeader(request.headers, 'authorization');
  if (authorization === undefined) throw new SignatureError('MissingAuthentication', 'missing Authorization header');
  const m = AUTH_HEADER.exec(authorization.trim());
  if (!m) {
    if (!authorization.startsWith(ALGORITHM)) throw new SignatureError('InvalidAlgorithm', `the Authorization header must use ${ALGORITHM}`);
    throw new SignatureError('IncompleteSignature', 'the Authorization header must have Credential=, SignedHeaders= and Signature=');
  }
  const scope = parseCredential(m[1]!);
  const signedHeaders = m[2]!.split(';');
  const amzDate = singleHeader(request.headers, 'x-amz-date');
  const signedAt = parseAmzDate(amzDate);
  if (!signedHeaders.includes('host')) throw new SignatureError('IncompleteSignature', 'the host header must be signed');
  if (signedHeaders.join(';') !== [...signedHeaders].sort().join(';')) throw new SignatureError('IncompleteSignature', 'SignedHeaders must be sorted');
  const payloadHash = createHash('sha256').update(request.body).digest('hex');
  const canonical = canonicalRequest({
    method: request.method,
    path: request.path,
    rawQuery: request.rawQuery,
    signedHeaders,
    headerValue: (name) => request.headers[name],
    payloadHash,
  });
  return {
    scope,
    amzDate: amzDate!,
    signedAt,
    signedHeaders,
    payloadHash,
    givenSignature: m[3]!.toLowerCase(),
    canonicalRequest: canonical,
    stringToSign: stringToSign(amzDate!, scope, canonical),
  };
}

/** Verifies an `Authorization: AWS4-HMAC-SHA256 ...` header (every signed AWS API call but presigned URLs). */
export function verifyAuthorizationHeader(
  request: HeaderSignedRequest,
  expected: ScopeExpectation,
  lookupSecret: SecretLookup,
  now: Date = new Date(),
  clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS,
): VerifiedSignature {
  const parts = canonicalizeHeaderSignedRequest(request);
  const { scope, signedAt } = parts;
  checkScope(scope, parts.amzDate, expected);
  checkTime(signedAt, undefined, now, clockSkewSeconds);

  const secret = lookupSecret(scope.accessKeyId);
  if (secret === undefined) throw new SignatureError('UnknownAccessKey', `the access key ${scope.accessKeyId} does not exist in this account`);

  const declaredHash = singleHeader(request.headers, 'x-amz-content-sha256');
  if (declaredHash !== undefined && declaredHash !== parts.payloadHash) {
    throw new SignatureError('SignatureDoesNotMatch', 'x-amz-content-sha256 does not match the body that was received');
  }
  if (!compare(signature(secret, scope, parts.stringToSign), parts.givenSignature)) {
    throw new SignatureError('SignatureDoesNotMatch', 'the request signature we calculated does not match the signature you provided');
  }
  return { scope, securityToken: singleHeader(request.headers, 'x-amz-security-token'), signedAt };
}
