import { context, fakeCaller, httpEvent, silentLogger } from '../../test/fixtures/events.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { MemoryUserDirectory } from '../../test/support/memory-user-directory.js';
import type { Caller } from '../shared/caller.js';
import { createUsersHandler } from './handler.js';
import { profileRegistrar } from './registration.js';

const DANA_ID = 'us-east-1:11111111-1111-4111-8111-111111111111';
const dana = { userId: DANA_ID, displayName: 'Dana D.', kind: 'cognito' as const, username: 'dana', email: 'dana@example.com' };

function setup(options: { limit?: number; resolveCaller?: (headers: Readonly<Record<string, string | undefined>>) => Promise<Caller> } = {}) {
  const directory = MemoryUserDirectory.with(dana, { userId: 'bob', displayName: 'Bob', kind: 'app' });
  const limiter = memoryRateLimiter(options.limit ?? 100);
  const logger = silentLogger();
  const handler = createUsersHandler({
    logger,
    resolveCaller: options.resolveCaller ?? fakeCaller,
    directory,
    registrar: profileRegistrar(directory, logger),
    rateLimiter: limiter,
  });
  const get = (user: string | undefined, route: 'GET /users/{userId}' | 'GET /users', params: Record<string, string> = {}) =>
    handler(
      httpEvent({
        method: 'GET',
        path: route.slice(4),
        routeKey: route,
        headers: user ? { authorization: `Bearer ${user}` } : {},
        ...(route === 'GET /users/{userId}' ? { pathParameters: params } : { queryStringParameters: params }),
      }),
      context,
    );
  return { directory, limiter, get };
}

const json = (res: { body?: string }) => JSON.parse(res.body!);

describe('GET /users/{userId}', () => {
  it("returns a user's id, display name and kind, never their email", async () => {
    const { get } = setup();
    const res = await get('alice', 'GET /users/{userId}', { userId: DANA_ID });
    expect([res.statusCode, json(res)]).toEqual([200, { userId: DANA_ID, displayName: 'Dana D.', kind: 'cognito' }]);
    expect(res.body).not.toContain('dana@example.com');
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store' });
  });

  it("returns the caller's own profile from their token, email included", async () => {
    const self: Caller = { userId: DANA_ID, kind: 'cognito', displayName: 'Dana D.', username: 'dana', email: 'dana@example.com' };
    const { get } = setup({ resolveCaller: async () => self });
    expect(json(await get('dana', 'GET /users/{userId}', { userId: DANA_ID }))).toEqual({
      userId: DANA_ID,
      displayName: 'Dana D.',
      kind: 'cognito',
      email: 'dana@example.com',
    });
  });

  it('answers 404 with a sentence for an unknown id, 400 for an id that is not one, 401 without a token', async () => {
    const { get } = setup();
    const missing = await get('alice', 'GET /users/{userId}', { userId: 'ghost' });
    expect([missing.statusCode, json(missing)]).toEqual([404, { error: 'not_found', message: 'No user with id ghost' }]);
    expect((await get('alice', 'GET /users/{userId}', { userId: 'a/b' })).statusCode).toBe(400);
    expect((await get(undefined, 'GET /users/{userId}', { userId: 'bob' })).statusCode).toBe(401);
  });
});

describe('GET /users?username= | ?email=', () => {
  it('finds exactly one user by username or email, without regard to case', async () => {
    const { get } = setup();
    expect(json(await get('alice', 'GET /users', { username: 'Dana' }))).toEqual({ users: [{ userId: DANA_ID, displayName: 'Dana D.', kind: 'cognito' }] });
    expect(json(await get('alice', 'GET /users', { email: 'DANA@example.com' }))).toEqual({
      users: [{ userId: DANA_ID, displayName: 'Dana D.', kind: 'cognito' }],
    });
    expect(json(await get('alice', 'GET /users', { username: 'bob' })).users).toEqual([{ userId: 'bob', displayName: 'Bob', kind: 'app' }]);
  });

  it('answers 404 "No user named ..." to anything but an exact match: no prefix search, no listing', async () => {
    const { get } = setup();
    for (const username of ['dan', 'dana2', 'd*', '%']) {
      const res = await get('alice', 'GET /users', { username });
      expect([res.statusCode, json(res).message]).toEqual([404, `No user named ${username}`]);
    }
    expect(json(await get('alice', 'GET /users', { email: 'dana@example' })).message).toBe('No user with the email dana@example');
  });

  it('answers 400 unless exactly one of username and email is given', async () => {
    const { get } = setup();
    const cases: Array<Record<string, string>> = [{}, { username: 'dana', email: 'dana@example.com' }, { email: 'not an email' }, { username: 'two words' }];
    for (const params of cases) {
      const res = await get('alice', 'GET /users', params);
      expect([res.statusCode, json(res).error]).toEqual([400, 'bad_request']);
    }
  });

  it('counts every lookup against the caller, answering 429 with Retry-After past the limit', async () => {
    const { get, limiter } = setup({ limit: 3 });
    for (const username of ['a1', 'a2', 'a3']) expect((await get('mallory', 'GET /users', { username })).statusCode).toBe(404);
    const refused = await get('mallory', 'GET /users', { username: 'dana' });
    expect([refused.statusCode, refused.headers?.['retry-after']]).toEqual([429, '42']);
    expect(refused.body).not.toContain(DANA_ID);
    expect(limiter.consumed).toEqual(['mallory', 'mallory', 'mallory']);
  });

  it("writes the caller's profile on first use, so others can find them next", async () => {
    const { get, directory } = setup();
    await get('erin', 'GET /users', { username: 'dana' });
    expect(await directory.get('erin')).toEqual({ userId: 'erin', displayName: 'Erin', kind: 'app' });
    expect(json(await get('bob', 'GET /users', { username: 'erin' })).users).toEqual([{ userId: 'erin', displayName: 'Erin', kind: 'app' }]);
  });
});
