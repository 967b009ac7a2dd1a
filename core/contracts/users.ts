/**
 * The user directory: a profile per user (created on first use from their verified token), read by id and found by
 * exact username or email for invites. No route lists users or searches by prefix, so the directory cannot be
 * enumerated; lookups are rate-limited per caller.
 */
import * as v from 'valibot';
import { EmailSchema, isControlCharacter, UsernameSchema } from './rooms.js';

export const USER_KINDS = ['app', 'cognito'] as const;
export type UserKind = (typeof USER_KINDS)[number];

export const MAX_DISPLAY_NAME_LENGTH = 64;

/**
 * A display name taken from a token claim (`name`, `preferred_username`, ...): trimmed, control characters refused,
 * clipped to MAX_DISPLAY_NAME_LENGTH characters. Undefined when the claim is absent or unusable, so the caller falls
 * back to the next claim.
 */
export function displayNameFromClaim(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (trimmed === '' || [...trimmed].some(isControlCharacter)) return undefined;
  return [...trimmed].slice(0, MAX_DISPLAY_NAME_LENGTH).join('');
}

/**
 * GET /users/{userId} -> 200 (any signed-in user; 404 "No user with id ..." otherwise). `email` only ever appears in
 * the caller's own profile, never in anyone else's.
 */
export const UserSchema = v.object({
  userId: v.string(),
  displayName: v.string(),
  kind: v.picklist(USER_KINDS),
  email: v.optional(v.string()),
});
export type User = v.InferOutput<typeof UserSchema>;

/**
 * GET /users?username=<exact> or ?email=<exact> -> 200 {users}: the users with exactly that username (at most one app
 * user, whose username is their user id, and one Cognito user) or that verified email; 404 with a sentence when none.
 */
export const UserLookupSchema = v.object({ users: v.array(UserSchema) });
export type UserLookup = v.InferOutput<typeof UserLookupSchema>;

export const UserLookupQuerySchema = v.pipe(
  v.object({ username: v.optional(UsernameSchema), email: v.optional(EmailSchema) }),
  v.check((q) => (q.username === undefined) !== (q.email === undefined), 'give exactly one of the query parameters "username" or "email"'),
);
export type UserLookupQuery = v.InferOutput<typeof UserLookupQuerySchema>;
