import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { CredentialsEnvSchema } from '../../core/contracts/function-env.js';
import { baseEnv, context, fakeVerifier, httpEvent, silentLogger, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { StsCredentialVendor } from '../shared/aws-adapters.js';
import { TooManyRequestsError } from '../shared/errors.js';
import { createCredentialsHandler } from './handler.js';
import type { TabLimiter } from './tab-limit.js';

const sts = mockClient(STSClient);
const handler = createCredentialsHandler({
  config: testConfig(CredentialsEnvSchema),
  logger: silentLogger(),
  verifyToken: fakeVerifier,
  vendor: new StsCredentialVendor(new STSClient(unitTestAws), baseEnv.BROWSER_CLIENT_ROLE_ARN),
});

const call = (authorization?: string, request: { body?: string; query?: Record<string, string>; headers?: Record<string, string> } = {}) =>
  handler(
    httpEvent({
      path: '/credentials',
      headers: { ...(authorization ? { authorization } : {}), ...request.headers },
      ...(request.body !== undefined ? { body: request.body } : {}),
      ...(request.query ? { queryStringParameters: request.query } : {}),
    }),
    context,
  );
const resolves = () =>
  sts
    .on(AssumeRoleCommand)
    .resolves({ Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2030-01-01T01:00:00Z') } });

beforeEach(() => sts.reset());

describe('POST /credentials', () => {
  it("assumes the browser-client role for one hour with the user's session policy", async () => {
    sts
      .on(AssumeRoleCommand)
      .resolves({ Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2030-01-01T01:00:00Z') } });
    const res = await call('Bearer bob:general');
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(JSON.parse(res.body!)).toMatchObject({
      accessKeyId: 'ASIA',
      region: 'eu-west-1',
      clientId: 'app.test.bob',
      iotEndpoint: 'abc-ats.iot.eu-west-1.amazonaws.com',
    });
    const input = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ RoleArn: baseEnv.BROWSER_CLIENT_ROLE_ARN, RoleSessionName: 'user-bob', DurationSeconds: 3600 });
    expect(input.Policy).toContain('topic/app/test/users/bob/*');
    expect(input.Policy).not.toContain('topic/app/test/rooms');
  });

  it('answers 401 without a token and never calls STS', async () => {
    expect((await call()).statusCode).toBe(401);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('answers 502 when STS refuses, 503 when it throttles', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    expect((await call('Bearer bob:general')).statusCode).toBe(502);
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('slow down'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    expect((await call('Bearer bob:general')).statusCode).toBe(503);
  });

  describe('a requested tab', () => {
    it.each([
      ['the body', { body: '{"tab":"x1"}' }],
      ['the query', { query: { tab: 'x1' } }],
      ['both, when they agree', { body: '{"tab":"x1"}', query: { tab: 'x1' } }],
    ])('is taken from %s and granted as exactly one client id', async (_where, request) => {
      resolves();
      const res = await call('Bearer bob:general', request);
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body!).clientId).toBe('app.test.bob.x1');
      const policy = JSON.parse(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input.Policy!) as { Statement: Array<{ Action: string; Resource: unknown }> };
      expect(policy.Statement.find((st) => st.Action === 'iot:Connect')?.Resource).toBe('arn:aws:iot:eu-west-1:123456789012:client/app.test.bob.x1');
    });

    it.each(['#', '+', 'a/b', '*', '?', 'a.b', 'tab\u0000', 'tab\u001b', 'x y', '', 'x'.repeat(65)])(
      'is refused with 400 when it is %j, and STS is never called',
      async (tab) => {
        for (const request of [{ body: JSON.stringify({ tab }) }, { query: { tab } }]) {
          const res = await call('Bearer bob:general', request);
          expect(res.statusCode).toBe(400);
          expect(JSON.parse(res.body!).message).toMatch(/"tab" must be 1-64 letters, digits, "_" or "-"/);
        }
        expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
      },
    );

    it('is refused when body and query disagree, or the body is not a JSON object', async () => {
      expect((await call('Bearer bob:general', { body: '{"tab":"x1"}', query: { tab: 'x2' } })).statusCode).toBe(400);
      expect((await call('Bearer bob:general', { body: '["x1"]' })).statusCode).toBe(400);
      expect((await call('Bearer bob:general', { body: 'tab=x1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).statusCode).toBe(415);
      expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    });

    it('needs a valid token first: 401 before the body is even read', async () => {
      expect((await call(undefined, { body: '{"tab":"#"}' })).statusCode).toBe(401);
    });
  });

  it('logs the RoleSessionName with the user id, so CloudTrail entries map back to the user', async () => {
    resolves();
    const logger = silentLogger();
    const lines: Array<Record<string, unknown>> = [];
    const info = logger.info.bind(logger);
    logger.info = ((message: string, ...extra: Array<Record<string, unknown>>) => {
      lines.push({ message, ...Object.assign({}, ...extra) });
      info(message, ...extra);
    }) as typeof logger.info;
    const logging = createCredentialsHandler({
      config: testConfig(CredentialsEnvSchema),
      logger,
      verifyToken: fakeVerifier,
      vendor: new StsCredentialVendor(new STSClient(unitTestAws), baseEnv.BROWSER_CLIENT_ROLE_ARN),
    });
    await logging(httpEvent({ path: '/credentials', headers: { authorization: 'Bearer bob' } }), context);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'credentials issued', userId: 'bob', roleSessionName: 'user-bob', clientId: 'app.test.bob' }),
    );
  });
});

describe('POST /credentials per-user limits', () => {
  /** A tab limiter stand-in: at most `max` distinct tabs per user (dynalite tests the real one). */
  const memoryTabs = (max: number): TabLimiter & { admitted: string[] } => {
    const held = new Map<string, Set<string>>();
    const admitted: string[] = [];
    return {
      admitted,
      async admit(userId, tab) {
        const tabs = held.get(userId) ?? new Set<string>();
        if (!tabs.has(tab) && tabs.size >= max) throw new TooManyRequestsError(`too many tabs: at most ${max}`, 600);
        tabs.add(tab);
        held.set(userId, tabs);
        admitted.push(`${userId}:${tab}`);
      },
    };
  };
  const limited = (requests: number, tabs: number) => {
    const rateLimiter = memoryRateLimiter(requests, 17);
    const tabLimiter = memoryTabs(tabs);
    const limitedHandler = createCredentialsHandler({
      config: testConfig(CredentialsEnvSchema),
      logger: silentLogger(),
      verifyToken: fakeVerifier,
      vendor: new StsCredentialVendor(new STSClient(unitTestAws), baseEnv.BROWSER_CLIENT_ROLE_ARN),
      rateLimiter,
      tabLimiter,
    });
    const ask = (user: string, tab?: string) =>
      limitedHandler(
        httpEvent({
          path: '/credentials',
          headers: { authorization: `Bearer ${user}`, ...(tab ? { 'content-type': 'application/json' } : {}) },
          ...(tab ? { body: JSON.stringify({ tab }) } : {}),
        }),
        context,
      );
    return { ask, rateLimiter, tabLimiter };
  };

  it('answers 429 with Retry-After past the per-user request limit, and never calls STS for it', async () => {
    resolves();
    const { ask } = limited(2, 10);
    expect((await ask('bob')).statusCode).toBe(200);
    expect((await ask('bob')).statusCode).toBe(200);
    const refused = await ask('bob');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '17' });
    expect(JSON.parse(refused.body!)).toMatchObject({ error: 'too_many_requests' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    // Another user has a limit of their own.
    expect((await ask('carol')).statusCode).toBe(200);
  });

  it('answers 429 with a message the page can show for one tab too many, serving the tabs it already holds', async () => {
    resolves();
    const { ask, tabLimiter } = limited(100, 2);
    expect((await ask('bob', 't1')).statusCode).toBe(200);
    expect((await ask('bob', 't2')).statusCode).toBe(200);
    const refused = await ask('bob', 't3');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '600' });
    expect(JSON.parse(refused.body!)).toEqual({ error: 'too_many_requests', message: 'too many tabs: at most 2' });
    expect((await ask('bob', 't1')).statusCode).toBe(200);
    // The user's own client id (no tab) is one id whatever happens, and is not counted as a tab.
    expect((await ask('bob')).statusCode).toBe(200);
    expect(tabLimiter.admitted).toEqual(['bob:t1', 'bob:t2', 'bob:t1']);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
  });

  it('counts nothing for a request it refuses anyway (no token, a bad tab)', async () => {
    const { ask, rateLimiter, tabLimiter } = limited(100, 2);
    expect((await ask('')).statusCode).toBe(401);
    expect((await ask('bob', 'bad/tab')).statusCode).toBe(400);
    expect(rateLimiter.consumed).toEqual([]);
    expect(tabLimiter.admitted).toEqual([]);
  });
});
