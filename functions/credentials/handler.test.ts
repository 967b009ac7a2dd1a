import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { CredentialsEnvSchema } from '../../core/contracts/function-env.js';
import { baseEnv, context, fakeVerifier, httpEvent, silentLogger, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { StsCredentialVendor } from '../shared/aws-adapters.js';
import { createCredentialsHandler } from './handler.js';

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
