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

const call = (authorization?: string) => handler(httpEvent({ path: '/credentials', headers: authorization ? { authorization } : {} }), context);

beforeEach(() => sts.reset());

describe('POST /credentials', () => {
  it('assumes the browser-client role for one hour with the user\'s session policy', async () => {
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date('2030-01-01T01:00:00Z') } });
    const res = await call('Bearer bob:general');
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store' });
    expect(JSON.parse(res.body!)).toMatchObject({ accessKeyId: 'ASIA', region: 'eu-west-1', clientId: 'app.test.bob', iotEndpoint: 'abc-ats.iot.eu-west-1.amazonaws.com' });
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

});
