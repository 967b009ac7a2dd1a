/**
 * Validation of every user-controlled value that ends up inside a topic name or a resource ARN.
 *
 * IoT: in policy resources `*` matches any run of characters and `?` one character, MQTT `+`/`#` are wildcards in
 * topic filters, `/` separates topic levels and `$` starts reserved topics. A value containing any of them widens
 * (or escapes) the grant it is substituted into, so ids are restricted to a conservative alphabet instead of being
 * escaped: there is no escaping in IoT policy resources or MQTT topics.
 */

export class InvalidIdError extends Error {
  override readonly name = 'InvalidIdError';
  constructor(
    readonly kind: string,
    readonly value: string,
    readonly reason: string,
  ) {
    super(`invalid ${kind} ${JSON.stringify(value.slice(0, 80))}: ${reason}`);
  }
}

/** Letters, digits, `_` and `-`: nothing that is a wildcard, a level separator or a reserved prefix anywhere. */
const SAFE_ID = /^[A-Za-z0-9_-]+$/;
const MAX_ID_LENGTH = 64;

/** A user id, room id or job id that is placed in a topic level or a client id. */
export function validateId(kind: string, value: unknown): string {
  if (typeof value !== 'string') throw new InvalidIdError(kind, String(value), 'must be a string');
  if (value.length === 0) throw new InvalidIdError(kind, value, 'must not be empty');
  if (value.length > MAX_ID_LENGTH) throw new InvalidIdError(kind, value, `must be at most ${MAX_ID_LENGTH} characters`);
  if (!SAFE_ID.test(value)) {
    throw new InvalidIdError(kind, value, 'may contain only letters, digits, "_" and "-" (wildcards, "/" and "$" would widen a policy grant)');
  }
  return value;
}

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH && SAFE_ID.test(value);
}

/** Cognito identity ids look like `us-east-1:0f3c...`; the `:` is harmless in topics and ARNs. */
const COGNITO_IDENTITY_ID = /^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isCognitoIdentityId(value: unknown): boolean {
  return typeof value === 'string' && COGNITO_IDENTITY_ID.test(value);
}

export function validateCognitoIdentityId(value: unknown): string {
  if (typeof value !== 'string' || !isCognitoIdentityId(value)) {
    throw new InvalidIdError('Cognito identity id', String(value), 'must look like "<region>:<uuid>"');
  }
  return value;
}

/**
 * A user id as it appears in topics: an app user id (safe id) or, for Cognito users, the identity id
 * (`region:uuid`, server-issued, so the `:` it contains cannot be chosen by the user).
 */
export function validateUserId(value: unknown): string {
  if (typeof value === 'string' && COGNITO_IDENTITY_ID.test(value)) return value;
  return validateId('user id', value);
}

export function isValidUserId(value: unknown): value is string {
  return isValidId(value) || (typeof value === 'string' && COGNITO_IDENTITY_ID.test(value));
}

/** Crockford's base32: no I, L, O, U; safe in topics, ARNs and URLs. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID-shaped id (26 characters: 10 of millisecond time, 16 random): ids made later sort after ids made earlier,
 * so a room's history is a key-ordered Query and `before=<messageId>` pages it. Safe as an id (see SAFE_ID).
 */
export function newSortableId(nowMs: number, randomBytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  let time = '';
  let t = Math.floor(nowMs);
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = Array.from(randomBytes(16), (b) => CROCKFORD[b % 32]!).join('');
  return time + random;
}
