/**
 * The behaviour every UserDirectory must have, run against the DynamoDB directory on dynalite
 * (dynamo-user-directory.integration.test.ts) and the in-memory one the unit tests use (memory-user-directory.test.ts).
 */
import type { UserDirectory, UserProfile } from './directory.js';

export function userDirectoryContract(name: string, setup: () => { directory: UserDirectory }): void {
  describe(`UserDirectory contract: ${name}`, () => {
    let directory: UserDirectory;
    beforeAll(() => {
      directory = setup().directory;
    });
    let seq = 0;
    const id = (prefix: string) => `${prefix}${name.replace(/\W/g, '')}${++seq}`;
    const cognitoId = () => `us-east-1:${String(++seq).padStart(8, '0')}-1111-4111-8111-${name.length.toString(16).padStart(12, '0')}`;

    it('reads a profile by id, several at once, and nothing for an unknown id', async () => {
      const alice: UserProfile = { userId: id('alice'), displayName: 'Alice A.', kind: 'app' };
      const bob: UserProfile = { userId: id('bob'), displayName: 'Bob', kind: 'app' };
      await directory.register(alice);
      await directory.register(bob);
      expect(await directory.get(alice.userId)).toEqual(alice);
      expect(await directory.get(id('nobody'))).toBeUndefined();
      const many = await directory.getMany([alice.userId, id('nobody'), bob.userId]);
      expect([...many.values()].sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([alice, bob]);
      expect((await directory.getMany([])).size).toBe(0);
    });

    it('replaces a profile when the token says something new', async () => {
      const userId = id('carol');
      await directory.register({ userId, displayName: 'Carol', kind: 'app' });
      await directory.register({ userId, displayName: 'Carol C.', kind: 'app' });
      expect((await directory.get(userId))?.displayName).toBe('Carol C.');
    });

    it('finds a Cognito user by exact username without regard to case, and an app user by exact user id', async () => {
      const username = id('Dana');
      const dana: UserProfile = { userId: cognitoId(), displayName: 'Dana', kind: 'cognito', username, email: `${username}@Example.com` };
      expect(await directory.register(dana)).toEqual({ usernameClaimed: true, emailClaimed: true });
      expect(await directory.findByUsername(username)).toEqual([dana]);
      expect(await directory.findByUsername(username.toUpperCase())).toEqual([dana]);
      // Exact only: no prefix, no suffix.
      expect(await directory.findByUsername(username.slice(0, -1))).toEqual([]);
      expect(await directory.findByUsername(`${username}x`)).toEqual([]);
      const app: UserProfile = { userId: id('erin'), displayName: 'Erin', kind: 'app' };
      await directory.register(app);
      expect(await directory.findByUsername(app.userId)).toEqual([app]);
      // App user ids are case-sensitive.
      expect(await directory.findByUsername(app.userId.toUpperCase())).toEqual([]);
    });

    it('returns both users when an app user id and a Cognito username are the same', async () => {
      const name = id('frank');
      const app: UserProfile = { userId: name, displayName: 'Frank (app)', kind: 'app' };
      const cognito: UserProfile = { userId: cognitoId(), displayName: 'Frank', kind: 'cognito', username: name };
      await directory.register(app);
      await directory.register(cognito);
      expect((await directory.findByUsername(name)).map((u) => u.kind).sort()).toEqual(['app', 'cognito']);
    });

    it('finds a user by verified email without regard to case, never by another part of it', async () => {
      const email = `${id('gina')}@example.com`;
      const gina: UserProfile = { userId: cognitoId(), displayName: 'Gina', kind: 'cognito', username: id('gina'), email };
      await directory.register(gina);
      expect(await directory.findByEmail(email.toUpperCase())).toEqual(gina);
      expect(await directory.findByEmail(email.replace('@', 'x@'))).toBeUndefined();
      expect(await directory.findByEmail('example.com')).toBeUndefined();
    });

    it('lets the first user keep a username; a later claimant is not found by it', async () => {
      const username = id('henry');
      const first: UserProfile = { userId: cognitoId(), displayName: 'Henry', kind: 'cognito', username };
      const second: UserProfile = { userId: cognitoId(), displayName: 'Henry 2', kind: 'cognito', username: username.toUpperCase() };
      await directory.register(first);
      expect(await directory.register(second)).toEqual({ usernameClaimed: false, emailClaimed: false });
      expect(await directory.findByUsername(username)).toEqual([first]);
      expect(await directory.get(second.userId)).toEqual(second);
    });

    it('does not find a user by a username they no longer have', async () => {
      const old = id('ivy');
      const userId = cognitoId();
      await directory.register({ userId, displayName: 'Ivy', kind: 'cognito', username: old });
      await directory.register({ userId, displayName: 'Ivy', kind: 'cognito', username: id('ivy') });
      expect(await directory.findByUsername(old)).toEqual([]);
    });
  });
}
