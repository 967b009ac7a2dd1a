/**
 * The port to the user directory (core/store/tables.ts USERS_TABLE; contract in core/contracts/users.ts): a profile
 * per user, written on first use from their verified token, read by id, and found by exact username or email. There is
 * deliberately no way to list profiles or search by prefix.
 */
import type { UserKind } from '../../core/contracts/users.js';
import type { Caller } from '../shared/caller.js';

export interface UserProfile {
  userId: string;
  displayName: string;
  kind: UserKind;
  /** Cognito users: what others find them by (see caller.ts cognitoProfile). */
  username?: string;
  /** Cognito users with a verified email. Shown to nobody but the user. */
  email?: string;
}

export interface RegisterOutcome {
  /** False when another user holds the username already (they keep it; this user is found by id or email). */
  usernameClaimed: boolean;
  emailClaimed: boolean;
}

export interface UserDirectory {
  /** Writes the profile (replacing the previous one) and claims its username and email for lookups. */
  register(profile: UserProfile): Promise<RegisterOutcome>;
  get(userId: string): Promise<UserProfile | undefined>;
  /** The profiles of those of `userIds` that have one (at most 100 ids per call). */
  getMany(userIds: readonly string[]): Promise<Map<string, UserProfile>>;
  /**
   * The users with exactly this username: the app user whose user id it is (case-sensitive, as ids are) and the Cognito
   * user who claimed it (case-insensitive). At most one of each kind.
   */
  findByUsername(username: string): Promise<UserProfile[]>;
  /** The Cognito user with exactly this verified email (case-insensitive). */
  findByEmail(email: string): Promise<UserProfile | undefined>;
}

/** Usernames and emails are compared without regard to case (Cognito with case-insensitive usernames does the same). */
export const normalizeLookup = (value: string): string => value.trim().toLowerCase();

/** What a verified caller's token says about them, as their directory profile. */
export function profileOf(caller: Caller): UserProfile {
  return {
    userId: caller.userId,
    displayName: caller.displayName,
    kind: caller.kind,
    ...(caller.username !== undefined ? { username: caller.username } : {}),
    ...(caller.email !== undefined ? { email: caller.email } : {}),
  };
}
