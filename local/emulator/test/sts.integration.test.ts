/** STS through the real @aws-sdk/client-sts, reaching the emulator via AWS_ENDPOINT_URL_STS. */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { browserSessionPolicy } from '../../../core/access/browser-policies.js';
import { functionCredentials, localModel } from '../../../test/support/credentials.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';

let emulator: TestEmulator;
const previousEndpoint = process.env.AWS_ENDPOINT_URL_STS;

beforeAll(async () => {
  emulator = await startTestEmulator();
  // The SDK resolves the endpoint from the environment, as a Lambda under `npm start` does.
  process.env.AWS_ENDPOINT_URL_STS = emulator.url;
});
afterAll(async () => {
  if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
  else process.env.AWS_ENDPOINT_URL_STS = previousEndpoint;
  await emulator.close();
});

const sts = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => new STSClient({ region: 'us-east-1', credentials });
const policy = JSON.stringify(browserSessionPolicy(LOCAL_DEPLOYMENT, { userId: 'alice' }).policy);

async function stsError(promise: Promise<unknown>): Promise<STSServiceException> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof STSServiceException) return e;
    throw e;
  }
  throw new Error('expected an STS error');
}

describe('STS AssumeRole', () => {
  it('lets the credentials Lambda assume the browser-client role with a session policy, for one hour', async () => {
    const before = Date.now();
    const out = await sts(functionCredentials(emulator, 'credentials')).send(
      new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'alice', DurationSeconds: 3600, Policy: policy }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.SessionToken).toBeTruthy();
    const ttl = out.Credentials!.Expiration!.getTime() - before;
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3601_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::000000000000:assumed-role/${localModel.browserClientRole.name}/alice`);
    // STS: AssumedRoleId is <RoleId>:<RoleSessionName>, the RoleId an AROA unique id.
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z2-7]{17}:alice$/);
    expect(out.PackedPolicySize).toBeGreaterThan(0);

    const who = await sts({
      accessKeyId: out.Credentials!.AccessKeyId!,
      secretAccessKey: out.Credentials!.SecretAccessKey!,
      sessionToken: out.Credentials!.SessionToken!,
    }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(out.AssumedRoleUser?.Arn);
    expect(who.UserId).toBe(out.AssumedRoleUser?.AssumedRoleId);
    expect(who.Account).toBe('000000000000');
  });

  it('names sessions of one role with one RoleId, whoever started them (STS or the Lambda service)', async () => {
    const lambdaSession = await sts(functionCredentials(emulator, 'credentials')).send(new GetCallerIdentityCommand({}));
    const role = localModel.functionRoles.credentials;
    expect(lambdaSession.Arn).toBe(`arn:aws:sts::000000000000:assumed-role/${role.name}/${role.name}-test`);
    expect(lambdaSession.UserId).toMatch(new RegExp(`^AROA[A-Z2-7]{17}:${role.name}-test$`));

    const first = await sts(functionCredentials(emulator, 'credentials')).send(
      new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'bob' }),
    );
    const second = await sts(functionCredentials(emulator, 'credentials')).send(
      new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'carol' }),
    );
    const roleIdOf = (assumedRoleId: string | undefined) => assumedRoleId?.split(':')[0];
    expect(roleIdOf(first.AssumedRoleUser?.AssumedRoleId)).toBe(roleIdOf(second.AssumedRoleUser?.AssumedRoleId));
    expect(roleIdOf(first.AssumedRoleUser?.AssumedRoleId)).not.toBe(roleIdOf(lambdaSession.UserId));
  });

  it('answers GetCallerIdentity for an IAM user with its AIDA unique id', async () => {
    const who = await sts(adminCredentials).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:iam::000000000000:user/local-admin');
    expect(who.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('refuses role chaining beyond one hour', async () => {
    const e = await stsError(
      sts(functionCredentials(emulator, 'credentials')).send(
        new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'alice', DurationSeconds: 7200 }),
      ),
    );
    expect(e.name).toBe('ValidationError');
    expect(e.message).toContain('role chaining');
    expect(e.$metadata.httpStatusCode).toBe(400);
  });

  it('refuses callers the trust policy does not name, even an administrator', async () => {
    const admin = await stsError(sts(adminCredentials).send(new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'x1' })));
    expect(admin.name).toBe('AccessDenied');
    expect(admin.$metadata.httpStatusCode).toBe(403);
    const publisher = await stsError(
      sts(functionCredentials(emulator, 'messages')).send(new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'x2' })),
    );
    expect(publisher.name).toBe('AccessDenied');
    expect(emulator.denials().some((d) => d.service === 'sts' && String(d.reason).includes('identity policies'))).toBe(true);
  });

  it('refuses session policies over 2048 characters, malformed ones, and bad session names', async () => {
    const client = sts(functionCredentials(emulator, 'credentials'));
    const big = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Receive', Resource: 'x'.repeat(2100) }] });
    const tooBig = await stsError(client.send(new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'alice', Policy: big })));
    // STS API reference: Policy has a maximum length of 2048; a length constraint fails as ValidationError (400).
    expect(tooBig.name).toBe('ValidationError');
    expect(tooBig.$metadata.httpStatusCode).toBe(400);
    expect(tooBig.message).toContain('2048');
    const malformed = await stsError(
      client.send(new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'alice', Policy: '{"Statement": 1' })),
    );
    // STS answers code MalformedPolicyDocument; the SDK maps it to its modeled exception class.
    expect(malformed.name).toBe('MalformedPolicyDocumentException');
    expect(malformed.$metadata.httpStatusCode).toBe(400);
    const badName = await stsError(client.send(new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'a b' })));
    expect(badName.name).toBe('ValidationError');
    expect(badName.$metadata.httpStatusCode).toBe(400);
  });

  it('refuses unknown keys, wrong secrets and expired credentials', async () => {
    const unknown = await stsError(sts({ accessKeyId: 'AKIANOSUCHKEY0000000', secretAccessKey: 'x' }).send(new GetCallerIdentityCommand({})));
    expect(unknown.name).toBe('InvalidClientTokenId');
    const wrongSecret = await stsError(sts({ ...adminCredentials, secretAccessKey: 'wrong' }).send(new GetCallerIdentityCommand({})));
    expect(wrongSecret.name).toBe('SignatureDoesNotMatch');
    const expired = functionCredentials(emulator, 'credentials', -1000);
    const e = await stsError(sts(expired).send(new GetCallerIdentityCommand({})));
    expect(e.name).toBe('ExpiredToken');
  });
});
