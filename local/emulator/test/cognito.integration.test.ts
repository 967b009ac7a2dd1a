/**
 * Cognito Identity through the real @aws-sdk/client-cognito-identity, then MQTT with the vended credentials:
 * guests get broadcast only; signed-in identities need the IoT policy attached (through the real
 * @aws-sdk/client-iot AttachPolicy, as the attach Lambda's role) before they may connect.
 */
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { AttachPolicyCommand, DescribeEndpointCommand, DetachPolicyCommand, IoTClient, ListAttachedPoliciesCommand } from '@aws-sdk/client-iot';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { policy } from '../../../core/policy/document.js';
import { TopicScheme } from '../../../core/topics.js';
import { browserCredentials, functionCredentials, localModel } from '../../../test/support/credentials.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { closesWithin, connectClient, type TestClient } from '../../../test/support/mqtt.js';
import { SEEDED_IDENTITY_POOL_ID, SEEDED_USER_POOL_CLIENT_ID } from '../../../test/support/seeded-account.js';
import { type AwsCredentials, presignMqttUrl } from '../../../test/support/sign.js';
import { startTestIssuer, type TestIssuer } from '../../../test/support/token-issuer.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
/** MQTT 3.1.1 (3.2.2.3): CONNACK return code 5, "Connection Refused, not authorized"; MQTT.js reports it as error.code. */
const CONNACK_NOT_AUTHORIZED = 5;
let emulator: TestEmulator;
let issuer: TestIssuer;
let loginsKey: string;
const open: TestClient[] = [];

/**
 * A principal granted iot:AttachPolicy on the policy's ARN, as the attach function's role once was: IAM never
 * evaluates AttachPolicy against the policy (the Service Authorization Reference lists only cert and thinggroup
 * resources), so this grant allows nothing for a Cognito identity target.
 */
const policyArnOnly = {
  userName: 'attacher-on-policy-arn',
  accessKeyId: 'AKIAPOLICYARNONLY000',
  secretAccessKey: 'policy-arn-only-secret',
  policies: [
    {
      name: 'attach-on-policy-arn',
      document: policy({ Effect: 'Allow', Action: 'iot:AttachPolicy', Resource: `arn:aws:iot:us-east-1:000000000000:policy/iot-realtime-local-cognito-user` }),
    },
  ],
};

beforeAll(async () => {
  issuer = await startTestIssuer(SEEDED_USER_POOL_CLIENT_ID);
  emulator = await startTestEmulator({ userPoolIssuerUrl: issuer.url, extraUsers: [policyArnOnly] });
  loginsKey = new URL(issuer.url).host;
});
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => {
  await emulator.close();
  await issuer.close();
});

// Unsigned, like the browser's Amplify calls; the endpoint override is what Amplify's identityPoolEndpoint sets.
const cognito = () =>
  new CognitoIdentityClient({ region: 'us-east-1', endpoint: emulator.url, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
const iot = (credentials: AwsCredentials) => new IoTClient({ region: 'us-east-1', endpoint: emulator.url, credentials });

async function identityCredentials(logins?: Record<string, string>) {
  const { IdentityId } = await cognito().send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, ...(logins ? { Logins: logins } : {}) }));
  const out = await cognito().send(new GetCredentialsForIdentityCommand({ IdentityId: IdentityId!, ...(logins ? { Logins: logins } : {}) }));
  const c = out.Credentials!;
  return {
    identityId: IdentityId!,
    credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! },
    expiration: c.Expiration!,
  };
}

async function connect(credentials: AwsCredentials, clientId: string) {
  const c = await connectClient(await presignMqttUrl(credentials, { connectTo: emulator.url }), clientId);
  open.push(c);
  return c;
}

describe('guests (unauthenticated identities)', () => {
  it('get an identity id shaped region:uuid and one-hour credentials (SecretKey, epoch-seconds Expiration)', async () => {
    const { identityId, credentials, expiration } = await identityCredentials();
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    const ttl = expiration.getTime() - Date.now();
    expect(ttl).toBeGreaterThan(3500_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
  });

  it('hold a session of the guest role, named as STS names every role session', async () => {
    const { credentials } = await identityCredentials();
    const who = await new STSClient({ region: 'us-east-1', endpoint: emulator.url, credentials }).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::000000000000:assumed-role/${localModel.cognitoGuestRole.name}/CognitoIdentityCredentials`);
    expect(who.UserId).toMatch(/^AROA[A-Z2-7]{17}:CognitoIdentityCredentials$/);
  });

  it('may receive broadcast and nothing else', async () => {
    const { identityId, credentials } = await identityCredentials();
    const guest = await connect(credentials, topics.clientId(identityId));
    await guest.client.subscribeAsync(topics.broadcast(), { qos: 1 });
    guest.client.subscribe(topics.inbox('alice', 'general'));
    expect(await closesWithin(guest, 2000)).toBe(true);
  });

  it('may connect only as <app>.<stage>.<their identity id>', async () => {
    const { identityId, credentials } = await identityCredentials();
    for (const clientId of ['someone-else', identityId, topics.clientId('us-east-1:00000000-0000-4000-a000-000000000000')]) {
      const url = await presignMqttUrl(credentials, { connectTo: emulator.url });
      await expect(connectClient(url, clientId)).rejects.toMatchObject({ code: CONNACK_NOT_AUTHORIZED });
    }
  });
});

describe('signed-in identities', () => {
  it('refuse tokens that are expired, for another audience, or signed by an unknown key', async () => {
    for (const token of [
      await issuer.sign({ sub: 'u1' }, { expiresAt: Math.floor(Date.now() / 1000) - 60 }),
      await issuer.sign({ sub: 'u1' }, { audience: 'another-app' }),
      await issuer.sign({ sub: 'u1' }, { key: issuer.foreignKey }),
    ]) {
      await expect(cognito().send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: { [loginsKey]: token } }))).rejects.toMatchObject({
        name: 'NotAuthorizedException',
      });
    }
  });

  it('map the same login to the same identity id, and refuse credentials without the login', async () => {
    const token = await issuer.sign({ sub: 'stable-user' });
    const a = await cognito().send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: { [loginsKey]: token } }));
    const b = await cognito().send(
      new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: { [loginsKey]: await issuer.sign({ sub: 'stable-user' }) } }),
    );
    expect(a.IdentityId).toBe(b.IdentityId);
    await expect(cognito().send(new GetCredentialsForIdentityCommand({ IdentityId: a.IdentityId! }))).rejects.toMatchObject({ name: 'NotAuthorizedException' });
  });

  it('cannot connect until the IoT policy is attached; then reach only their own topics', async () => {
    const logins = { [loginsKey]: await issuer.sign({ sub: 'dana' }) };
    const { identityId, credentials } = await identityCredentials(logins);
    const url = await presignMqttUrl(credentials, { connectTo: emulator.url });
    await expect(connectClient(url, topics.clientId(identityId))).rejects.toMatchObject({ code: CONNACK_NOT_AUTHORIZED });
    expect(emulator.denials().some((d) => String(d.reason).includes(`IoT policies attached to ${identityId}`))).toBe(true);

    const attacher = iot(functionCredentials(emulator, 'attach-policy'));
    await attacher.send(new AttachPolicyCommand({ policyName: localModel.cognitoUserIotPolicy.name, target: identityId }));
    await attacher.send(new AttachPolicyCommand({ policyName: localModel.cognitoUserIotPolicy.name, target: identityId })); // idempotent
    const listed = await iot(adminCredentials).send(new ListAttachedPoliciesCommand({ target: identityId }));
    expect(listed.policies?.map((p) => p.policyName)).toEqual([localModel.cognitoUserIotPolicy.name]);

    const me = await connect(credentials, topics.clientId(identityId));
    await me.client.subscribeAsync(`${topics.userRoot(identityId)}/#`, { qos: 1 });
    me.client.subscribe(`${topics.prefix}/users/us-east-1:00000000-0000-4000-a000-000000000000/#`);
    expect(await closesWithin(me, 2000)).toBe(true);

    await iot(adminCredentials).send(new DetachPolicyCommand({ policyName: localModel.cognitoUserIotPolicy.name, target: identityId }));
    await expect(connectClient(await presignMqttUrl(credentials, { connectTo: emulator.url }), topics.clientId(identityId))).rejects.toMatchObject({
      code: CONNACK_NOT_AUTHORIZED,
    });
  });
});

describe('IoT control plane', () => {
  it('answers DescribeEndpoint with the advertised host for iot:Data-ATS', async () => {
    const out = await iot(adminCredentials).send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    expect(out.endpointAddress).toBe(emulator.advertisedHost);
  });

  it('authorizes AttachPolicy against its target as AWS does (*, for a Cognito identity), never against the policy', async () => {
    const target = 'us-east-1:11111111-2222-4333-8444-555555555555';
    const accessDenied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } };
    // A grant on the policy's ARN alone allows nothing: the request is evaluated against *.
    const onPolicyArn = { accessKeyId: policyArnOnly.accessKeyId, secretAccessKey: policyArnOnly.secretAccessKey };
    await expect(iot(onPolicyArn).send(new AttachPolicyCommand({ policyName: localModel.cognitoUserIotPolicy.name, target }))).rejects.toMatchObject(
      accessDenied,
    );
    expect(emulator.denials().at(-1)).toMatchObject({ action: 'iot:AttachPolicy', resource: '*' });
    // The attach function's role, granted on * as the reference requires, may.
    await iot(functionCredentials(emulator, 'attach-policy')).send(new AttachPolicyCommand({ policyName: localModel.cognitoUserIotPolicy.name, target }));
    expect((await iot(adminCredentials).send(new ListAttachedPoliciesCommand({ target }))).policies?.map((p) => p.policyName)).toEqual([
      localModel.cognitoUserIotPolicy.name,
    ]);
    await iot(adminCredentials).send(new DetachPolicyCommand({ policyName: localModel.cognitoUserIotPolicy.name, target }));
  });

  it('refuses AttachPolicy to principals without iot:AttachPolicy, and unknown policies', async () => {
    const target = 'us-east-1:11111111-2222-4333-8444-555555555555';
    const browser = await browserCredentials(emulator, 'alice');
    const accessDenied = { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } };
    await expect(iot(browser).send(new AttachPolicyCommand({ policyName: localModel.cognitoUserIotPolicy.name, target }))).rejects.toMatchObject(accessDenied);
    await expect(
      iot(functionCredentials(emulator, 'attach-policy')).send(new AttachPolicyCommand({ policyName: 'AdminPolicy', target })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(await iot(adminCredentials).send(new ListAttachedPoliciesCommand({ target }))).toMatchObject({ policies: [] });
    await expect(iot(adminCredentials).send(new AttachPolicyCommand({ policyName: 'no-such-policy', target }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      iot(adminCredentials).send(new AttachPolicyCommand({ policyName: localModel.cognitoUserIotPolicy.name, target: 'not-an-identity' })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
