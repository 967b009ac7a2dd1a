/**
 * The user directory's routes: a profile by id, and an exact lookup by username or email for invites. A caller's own
 * profile comes from their verified token (it is also what the registrar writes), and only it includes an email.
 */
import type { User, UserLookup, UserLookupQuery } from '../../core/contracts/users.js';
import type { Caller } from '../shared/caller.js';
import { UserNotFoundError } from '../shared/errors.js';
import { profileOf, type UserDirectory, type UserProfile } from './directory.js';

/** What others may see of a profile: never the email. */
const publicView = (profile: UserProfile): User => ({ userId: profile.userId, displayName: profile.displayName, kind: profile.kind });

/** GET /users/{userId}: 404 "No user with id ..." for an id the directory does not know. */
export async function getUser(caller: Caller, userId: string, deps: { directory: Pick<UserDirectory, 'get'> }): Promise<User> {
  if (userId === caller.userId) {
    const own = profileOf(caller);
    return { ...publicView(own), ...(own.email !== undefined ? { email: own.email } : {}) };
  }
  const profile = await deps.directory.get(userId);
  if (profile === undefined) throw new UserNotFoundError(`No user with id ${userId}`);
  return publicView(profile);
}

/** GET /users?username= | ?email=: exact matches only; 404 with a sentence when nobody matches. */
export async function lookupUsers(query: UserLookupQuery, deps: { directory: Pick<UserDirectory, 'findByUsername' | 'findByEmail'> }): Promise<UserLookup> {
  if (query.email !== undefined) {
    const found = await deps.directory.findByEmail(query.email);
    if (found === undefined) throw new UserNotFoundError(`No user with the email ${query.email}`);
    return { users: [publicView(found)] };
  }
  const username = query.username ?? '';
  const found = await deps.directory.findByUsername(username);
  if (found.length === 0) throw new UserNotFoundError(`No user named ${username}`);
  return { users: found.map(publicView) };
}
