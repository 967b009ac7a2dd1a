/** An in-memory UserDirectory for unit tests, held to the same contract suite as the DynamoDB one (functions/users). */
import { isValidId } from '../../core/ids.js';
import { normalizeLookup, type RegisterOutcome, type UserDirectory, type UserProfile } from '../../functions/users/directory.js';

export class MemoryUserDirectory implements UserDirectory {
  readonly profiles = new Map<string, UserProfile>();
  readonly usernames = new Map<string, string>();
  readonly emails = new Map<string, string>();

  /** Test set-up: profiles as if each user had signed in once. */
  static with(...profiles: UserProfile[]): MemoryUserDirectory {
    const directory = new MemoryUserDirectory();
    for (const profile of profiles) void directory.register(profile);
    return directory;
  }

  async register(profile: UserProfile): Promise<RegisterOutcome> {
    this.profiles.set(profile.userId, { ...profile });
    const claim = (claims: Map<string, string>, value: string | undefined) => {
      if (value === undefined) return false;
      const key = normalizeLookup(value);
      const holder = claims.get(key);
      if (holder !== undefined && holder !== profile.userId) return false;
      claims.set(key, profile.userId);
      return true;
    };
    return { usernameClaimed: claim(this.usernames, profile.username), emailClaimed: claim(this.emails, profile.email) };
  }

  async get(userId: string): Promise<UserProfile | undefined> {
    const profile = this.profiles.get(userId);
    return profile && { ...profile };
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, UserProfile>> {
    if (userIds.length > 100) throw new RangeError(`at most 100 keys per read, got ${userIds.length}`);
    const found = new Map<string, UserProfile>();
    for (const userId of userIds) {
      const profile = this.profiles.get(userId);
      if (profile) found.set(userId, { ...profile });
    }
    return found;
  }

  async findByUsername(username: string): Promise<UserProfile[]> {
    const found: UserProfile[] = [];
    const app = isValidId(username) ? this.profiles.get(username) : undefined;
    if (app?.kind === 'app') found.push({ ...app });
    const holder = this.profiles.get(this.usernames.get(normalizeLookup(username)) ?? '');
    if (holder?.kind === 'cognito' && holder.username !== undefined && normalizeLookup(holder.username) === normalizeLookup(username))
      found.push({ ...holder });
    return found;
  }

  async findByEmail(email: string): Promise<UserProfile | undefined> {
    const holder = this.profiles.get(this.emails.get(normalizeLookup(email)) ?? '');
    return holder?.email !== undefined && normalizeLookup(holder.email) === normalizeLookup(email) ? { ...holder } : undefined;
  }
}
