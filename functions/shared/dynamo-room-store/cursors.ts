/**
 * Pagination cursors: a cursor is the DynamoDB key a listing stopped at (its ExclusiveStartKey), base64url-encoded.
 * Unchecked, a member of room A could page room B's members (or another user's rooms) by forging one, so each listing
 * accepts only keys of its own partition and shape.
 */
import { isValidId, isValidUserId } from '../../../core/ids.js';
import { MEMBERSHIP_KEYS } from '../../../core/store/tables.js';
import { InvalidCursorError } from '../errors.js';

/** A cursor is a base64url DynamoDB key of at most four short strings; anything longer was not issued here. */
const MAX_CURSOR_LENGTH = 1024;

type Key = Record<string, string>;

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key inside a cursor, if it is well formed and passes `belongs`; InvalidCursorError otherwise. */
export function decodeCursor(cursor: string, belongs: (key: Key) => boolean): Key {
  const invalid = () => new InvalidCursorError('the cursor was not issued for this listing');
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed);
  if (!entries.every(([, value]) => typeof value === 'string')) throw invalid();
  const key = Object.fromEntries(entries) as Key;
  if (!belongs(key)) throw invalid();
  return key;
}

const hasExactly = (key: Key, names: readonly string[]) => Object.keys(key).length === names.length && names.every((n) => n in key);

/** A members cursor: the key of a membership of exactly this room. */
export function isMemberKeyOf(key: Key, roomId: string): boolean {
  const sk = key.sk;
  if (!hasExactly(key, ['pk', 'sk']) || key.pk !== MEMBERSHIP_KEYS.roomPk(roomId) || sk === undefined) return false;
  return sk.startsWith(MEMBERSHIP_KEYS.memberSkPrefix) && isValidUserId(sk.slice(MEMBERSHIP_KEYS.memberSkPrefix.length));
}

/** A user's-rooms cursor: the table and index keys of a membership of exactly this user. */
export function isRoomKeyOf(key: Key, userId: string): boolean {
  if (!hasExactly(key, ['pk', 'sk', 'gsi1pk', 'gsi1sk'])) return false;
  const pk = key.pk;
  if (pk === undefined || key.gsi1pk !== MEMBERSHIP_KEYS.userGsiPk(userId) || key.sk !== MEMBERSHIP_KEYS.memberSk(userId) || pk !== key.gsi1sk) return false;
  const prefix = MEMBERSHIP_KEYS.roomPk('');
  return pk.startsWith(prefix) && isValidId(pk.slice(prefix.length));
}

/** The cursor of a members page that ended at `last`. */
export const memberCursor = (last: Record<string, unknown>): string => encodeCursor({ pk: last.pk, sk: last.sk });

/** A GSI's LastEvaluatedKey holds the table key and the index key (DynamoDB: Query, ExclusiveStartKey). */
export const userRoomsCursor = (last: Record<string, unknown>): string => encodeCursor({ pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk });
