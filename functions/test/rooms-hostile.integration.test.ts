/**
 * Hostile users against the rooms API, through the whole local stack with the catalog's limits:
 * - membership consent: nobody becomes an owner of a room without having been a member first, a stranger cannot make
 *   themselves an owner of someone else's room, and one user cannot keep pulling another into rooms (invite limit);
 * - the existence oracle: a non-member gets the very same 404 for someone else's room as for a room that does not
 *   exist, on every route that names a room, so room ids cannot be probed.
 */
import { newSortableId } from '../../core/ids.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { type ApiResponse, apiClient, appToken } from '../../test/support/local-api.js';
import { functionDefinition } from '../catalog.js';

let stack: LocalStack;
const api = apiClient(() => stack);

beforeAll(async () => {
  stack = await startLocalStack({
    emulatorPort: 0,
    apiPort: 0,
    corsOrigins: [],
    logger: memoryLogger(),
    functionLogLevel: 'SILENT',
    apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
  });
});
afterAll(async () => stack.close());

interface User {
  userId: string;
  token: string;
}

let counter = 0;
/** A new app user the directory knows (their first request registers them, so they can be invited). */
async function user(prefix: string): Promise<User> {
  counter += 1;
  const userId = `${prefix}${counter}`;
  const token = await appToken(api, userId);
  expect((await api('GET', '/rooms', { token })).status).toBe(200);
  return { userId, token };
}

async function roomOf(owner: User, name = 'private'): Promise<string> {
  const created = await api('POST', '/rooms', { token: owner.token, body: { name } });
  expect(created.status).toBe(201);
  return created.body.roomId as string;
}

const membersOf = async (roomId: string, asUser: User) =>
  ((await api('GET', `/rooms/${roomId}/members`, { token: asUser.token })).body.members as Array<{ userId: string; role: string }>).map(({ userId, role }) => ({
    userId,
    role,
  }));
const roomIdsOf = async (u: User) => ((await api('GET', '/rooms', { token: u.token })).body.rooms as Array<{ roomId: string }>).map((r) => r.roomId);

describe('membership consent', () => {
  it('refuses to make a stranger an owner of a room they were never a member of, and leaves them out of it', async () => {
    const stranger = await user('consent-stranger');
    const victim = await user('consent-victim');
    const roomId = await roomOf(stranger);
    const refused = await api('PUT', `/rooms/${roomId}/members/${victim.userId}`, { token: stranger.token, body: { role: 'owner' } });
    expect(refused).toMatchObject({ status: 409, body: { error: 'conflict', message: expect.stringContaining('only members can be made owners') } });
    expect(await roomIdsOf(victim)).not.toContain(roomId);
    expect(await membersOf(roomId, stranger)).toEqual([{ userId: stranger.userId, role: 'owner' }]);
  });

  it('adds an invitee as a member only, whatever role the invite asks for', async () => {
    const stranger = await user('consent-stranger');
    const victim = await user('consent-victim');
    const roomId = await roomOf(stranger);
    const invited = await api('POST', `/rooms/${roomId}/members`, { token: stranger.token, body: { userId: victim.userId, role: 'owner' } });
    expect(invited.status).toBeLessThan(300);
    expect(await membersOf(roomId, stranger)).toEqual(
      expect.arrayContaining([
        { userId: stranger.userId, role: 'owner' },
        { userId: victim.userId, role: 'member' },
      ]),
    );
    // The invitee may leave at once, and is then out.
    expect((await api('DELETE', `/rooms/${roomId}/members/${victim.userId}`, { token: victim.token })).status).toBe(204);
    expect(await roomIdsOf(victim)).not.toContain(roomId);
  });

  it("does not let a stranger make themselves (or anyone) an owner of someone else's room", async () => {
    const owner = await user('consent-owner');
    const stranger = await user('consent-stranger');
    const roomId = await roomOf(owner);
    for (const body of [{ role: 'owner' }, { role: 'member' }, undefined]) {
      const res = await api('PUT', `/rooms/${roomId}/members/${stranger.userId}`, { token: stranger.token, ...(body ? { body } : {}) });
      expect(res.status).toBe(404);
    }
    expect((await api('PUT', `/rooms/${roomId}/members/${owner.userId}`, { token: stranger.token, body: { role: 'member' } })).status).toBe(404);
    expect(await membersOf(roomId, owner)).toEqual([{ userId: owner.userId, role: 'owner' }]);
  });

  it('does not let a member promote themselves', async () => {
    const owner = await user('consent-owner');
    const member = await user('consent-member');
    const roomId = await roomOf(owner);
    expect((await api('PUT', `/rooms/${roomId}/members/${member.userId}`, { token: owner.token })).status).toBe(204);
    const refused = await api('PUT', `/rooms/${roomId}/members/${member.userId}`, { token: member.token, body: { role: 'owner' } });
    expect(refused).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    expect(await membersOf(roomId, owner)).toEqual(
      expect.arrayContaining([
        { userId: owner.userId, role: 'owner' },
        { userId: member.userId, role: 'member' },
      ]),
    );
  });

  it('stops one user from pulling another into more rooms than the invite limit per pair allows', async () => {
    const { requests } = functionDefinition('rooms').inviteLimit!;
    const stranger = await user('consent-puller');
    const victim = await user('consent-pulled');
    const rooms: string[] = [];
    for (let i = 0; i <= requests; i += 1) rooms.push(await roomOf(stranger, `pull ${i}`));
    const statuses: number[] = [];
    for (const roomId of rooms) statuses.push((await api('PUT', `/rooms/${roomId}/members/${victim.userId}`, { token: stranger.token })).status);
    expect(statuses).toEqual([...Array<number>(requests).fill(204), 429]);
    expect((await roomIdsOf(victim)).filter((id) => rooms.includes(id))).toHaveLength(requests);
    // Somebody else may still invite the victim.
    const friend = await user('consent-friend');
    expect((await api('PUT', `/rooms/${await roomOf(friend)}/members/${victim.userId}`, { token: friend.token })).status).toBe(204);
  });
});

describe('the room existence oracle', () => {
  /** Every route that names a room, as a non-member would try it. */
  const probes = (roomId: string, someone: User, self: User) =>
    [
      ['PATCH', `/rooms/${roomId}`, { name: 'mine now' }],
      ['DELETE', `/rooms/${roomId}`, undefined],
      ['GET', `/rooms/${roomId}/members`, undefined],
      ['POST', `/rooms/${roomId}/members`, { userId: self.userId }],
      ['PUT', `/rooms/${roomId}/members/${self.userId}`, undefined],
      ['PUT', `/rooms/${roomId}/members/${self.userId}`, { role: 'owner' }],
      ['PUT', `/rooms/${roomId}/members/${someone.userId}`, { role: 'member' }],
      ['DELETE', `/rooms/${roomId}/members/${someone.userId}`, undefined],
      ['DELETE', `/rooms/${roomId}/members/${self.userId}`, undefined],
      ['POST', `/rooms/${roomId}/messages`, { text: 'hello?' }],
      ['GET', `/rooms/${roomId}/messages`, undefined],
      ['GET', `/rooms/${roomId}/presence`, undefined],
    ] as const;

  /** What a caller can compare: status, error, message (with the room id it named blanked), and the header names. */
  const seen = (res: ApiResponse, roomId: string) => ({
    status: res.status,
    error: res.body.error,
    message: String(res.body.message).replaceAll(roomId, '<room>'),
    headers: [...res.headers.keys()].filter((h) => !['date', 'apigw-requestid', 'x-amzn-requestid', 'x-amzn-trace-id'].includes(h)).sort(),
  });

  async function answersTo(prober: User, roomId: string, someone: User) {
    const answers = [];
    for (const [method, path, body] of probes(roomId, someone, prober)) {
      const res = await api(method, path, { token: prober.token, ...(body ? { body } : {}) });
      answers.push({ route: `${method} ${path.replaceAll(roomId, '{roomId}')}${body ? ` ${JSON.stringify(body)}` : ''}`, ...seen(res, roomId) });
    }
    return answers;
  }

  it("answers a non-member the same 404 for someone else's room as for no room, on every route", async () => {
    const owner = await user('oracle-owner');
    const prober = await user('oracle-prober');
    const roomId = await roomOf(owner, 'secret');
    expect((await api('POST', `/rooms/${roomId}/messages`, { token: owner.token, body: { text: 'in here' } })).status).toBe(202);
    const missing = newSortableId(Date.now()).toLowerCase();
    expect(missing).toHaveLength(roomId.length);

    const existing = await answersTo(prober, roomId, owner);
    const absent = await answersTo(prober, missing, owner);
    expect(existing).toEqual(absent);
    for (const answer of existing)
      expect(answer).toMatchObject({ status: 404, error: 'not_found', message: 'room <room> does not exist, or you are not a member of it' });
    // And nothing changed: the room, its name, its member and its history are as they were.
    expect(await roomIdsOf(owner)).toContain(roomId);
    expect(await membersOf(roomId, owner)).toEqual([{ userId: owner.userId, role: 'owner' }]);
    const history = await api('GET', `/rooms/${roomId}/messages`, { token: owner.token });
    expect((history.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual(['in here']);
  });

  it('answers a former member the same 404 once they are removed', async () => {
    const owner = await user('oracle-owner');
    const former = await user('oracle-former');
    const roomId = await roomOf(owner, 'was shared');
    expect((await api('PUT', `/rooms/${roomId}/members/${former.userId}`, { token: owner.token })).status).toBe(204);
    expect((await api('GET', `/rooms/${roomId}/messages`, { token: former.token })).status).toBe(200);
    expect((await api('DELETE', `/rooms/${roomId}/members/${former.userId}`, { token: owner.token })).status).toBe(204);
    const missing = newSortableId(Date.now()).toLowerCase();
    expect(await answersTo(former, roomId, owner)).toEqual(await answersTo(former, missing, owner));
  });

  it('does not tell a non-member whether the person they name exists', async () => {
    const owner = await user('oracle-owner');
    const prober = await user('oracle-prober');
    const roomId = await roomOf(owner);
    const known = await api('POST', `/rooms/${roomId}/members`, { token: prober.token, body: { userId: owner.userId } });
    const unknown = await api('POST', `/rooms/${roomId}/members`, { token: prober.token, body: { userId: 'nobody-by-this-name' } });
    expect(seen(known, roomId)).toEqual(seen(unknown, roomId));
    expect(known.status).toBe(404);
  });
});
