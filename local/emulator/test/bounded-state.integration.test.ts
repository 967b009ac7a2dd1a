/**
 * Bounded state never evicts what is valid (issue 20 item 1), and identities and credentials survive a restart (issue
 * 21), through real clients: @aws-sdk/client-cognito-identity and client-sts, MQTT.js.
 * - A guest flooding GetCredentialsForIdentity is throttled and, at the store's bound, refused: the functions' own and
 *   other users' unexpired credentials keep working.
 * - New guest identities are throttled per source; signed-in users' GetId is not.
 * - One user opening many persistent sessions is refused at their bound (CONNACK 3): another user's session keeps its
 *   queued QoS 1 message.
 * - With a data folder, a former guest gets back in after a restart and unexpired credentials keep working.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { TopicScheme } from '../../../core/topics.js';
import { browserCredentials, functionCredentials, localModel } from '../../../test/support/credentials.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { connectClient, sleep, type TestClient } from '../../../test/support/mqtt.js';
import { SEEDED_IDENTITY_POOL_ID, SEEDED_USER_POOL_CLIENT_ID } from '../../../test/support/seeded-account.js';
import { type AwsCredentials, presignMqttUrl } from '../../../test/support/sign.js';
import { startTestIssuer, type TestIssuer } from '../../../test/support/token-issuer.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import { COGNITO_IDENTITIES_FILE, TEMPORARY_CREDENTIALS_FILE } from '../emulator.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const region = LOCAL_DEPLOYMENT.region;
const open: TestClient[] = [];
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));

const cognito = (emulator: TestEmulator) =>
  new CognitoIdentityClient({ region, endpoint: emulator.url, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' }, maxAttempts: 1 });
const sts = (emulator: TestEmulator, credentials: AwsCredentials) => new STSClient({ region, endpoint: emulator.url, credentials, maxAttempts: 1 });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } },
  );

async function guest(emulator: TestEmulator) {
  const { IdentityId } = await cognito(emulator).send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID }));
  return IdentityId!;
}
async function guestCredentials(emulator: TestEmulator, identityId: string): Promise<AwsCredentials> {
  const c = (await cognito(emulator).send(new GetCredentialsForIdentityCommand({ IdentityId: identityId }))).Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! };
}
async function connect(emulator: TestEmulator, credentials: AwsCredentials, clientId: string, clean = false): Promise<TestClient> {
  const c = await connectClient(await presignMqttUrl(credentials, { connectTo: emulator.url }), clientId, { clean });
  open.push(c);
  return c;
}

describe('a credential flood (issue 20): refused at the bound, nothing valid evicted', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({
      bounds: { maxTemporaryCredentials: 25, cognitoCredentialsPerIdentityPerMinute: 4, cognitoGuestIdentitiesPerMinute: 1000 },
    });
  });
  afterAll(async () => emulator.close());

  it("keeps the functions' and other users' unexpired credentials working while a guest floods GetCredentialsForIdentity", async () => {
    const fn = functionCredentials(emulator, 'messages');
    const alice = await browserCredentials(emulator, 'alice');
    const refusals: string[] = [];
    // The guest makes identities and asks each for credentials until it is refused every time.
    for (let i = 0; i < 12; i += 1) {
      const identityId = await guest(emulator);
      for (let j = 0; j < 6; j += 1) {
        const error = await failure(guestCredentials(emulator, identityId));
        if (error) refusals.push(`${error.name} ${error.$metadata?.httpStatusCode}`);
      }
    }
    // Alice's and 6 identities x 4 (the per-identity rate): 25, the bound. Then every request is refused, with
    // Cognito's throttling error: 2 of each of the first 6 identities, all 6 of the next 6.
    expect(emulator.account.credentials.countOf('requested')).toBe(25);
    expect(new Set(refusals)).toEqual(new Set(['TooManyRequestsException 400']));
    expect(refusals).toHaveLength(6 * 2 + 6 * 6);
    expect(emulator.logs).toContainEqual(expect.objectContaining({ message: expect.stringContaining('temporary credentials at their bound') }));

    // Every credential issued before the flood still works.
    expect((await sts(emulator, alice).send(new GetCallerIdentityCommand({}))).Arn).toMatch(/assumed-role\/.+\/alice$/);
    const inbox = topics.inbox('alice', 'flood');
    const me = await connect(emulator, alice, alice.clientId, true);
    await me.client.subscribeAsync(inbox, { qos: 1 });
    const data = new IoTDataPlaneClient({ region, endpoint: emulator.url, credentials: fn, maxAttempts: 1 });
    await data.send(new PublishCommand({ topic: inbox, qos: 1, payload: new TextEncoder().encode('still here') }));
    expect((await me.next(inbox)).payload).toBe('still here');
    // New sessions of callers are refused as STS refuses over its quota; the functions' own still start.
    const credentialsFn = functionCredentials(emulator, 'credentials');
    const refused = await failure(
      sts(emulator, credentialsFn).send(new AssumeRoleCommand({ RoleArn: localModel.browserClientRole.arn, RoleSessionName: 'bob' })),
    );
    expect(refused).toMatchObject({ name: 'Throttling', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
  });
});

describe('Cognito Identity quotas per principal', () => {
  let emulator: TestEmulator;
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer(SEEDED_USER_POOL_CLIENT_ID);
    emulator = await startTestEmulator({
      userPoolIssuerUrl: issuer.url,
      bounds: { cognitoGuestIdentitiesPerMinute: 3, cognitoCredentialsPerIdentityPerMinute: 2 },
    });
  });
  afterAll(async () => {
    await emulator.close();
    await issuer.close();
  });

  it('throttles new guest identities per source; a signed-in user still gets their identity', async () => {
    const ids = [await guest(emulator), await guest(emulator), await guest(emulator)];
    expect(new Set(ids).size).toBe(3);
    expect(await failure(guest(emulator))).toMatchObject({ name: 'TooManyRequestsException', message: 'Rate exceeded' });
    const logins = { [new URL(issuer.url).host]: await issuer.sign({ sub: 'signed-in' }) };
    const out = await cognito(emulator).send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: logins }));
    expect(out.IdentityId).toMatch(/^us-east-1:/);
  });
});

describe('credentials per identity per minute', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ bounds: { cognitoCredentialsPerIdentityPerMinute: 2 } });
  });
  afterAll(async () => emulator.close());

  it('refuses the third request of one identity within the minute, and serves another identity', async () => {
    const [a, b] = [await guest(emulator), await guest(emulator)];
    await guestCredentials(emulator, a);
    await guestCredentials(emulator, a);
    expect(await failure(guestCredentials(emulator, a))).toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 400 } });
    expect((await guestCredentials(emulator, b)).accessKeyId).toMatch(/^ASIA/);
  });
});

describe('persistent sessions (issue 20, "Session eviction"): one user cannot expire another user\'s', () => {
  let emulator: TestEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ limits: { maxPersistentSessionsPerUser: 3, maxPersistentSessions: 4 } });
  });
  afterAll(async () => emulator.close());

  it("refuses the user's session over their bound with CONNACK 3; the other user's session keeps its queued message", async () => {
    const alice = await browserCredentials(emulator, 'alice');
    const inbox = topics.inbox('alice', 'r1');
    const first = await connect(emulator, alice, alice.clientId);
    await first.client.subscribeAsync(inbox, { qos: 1 });
    await first.end();

    for (const tab of ['t0', 't1', 't2']) {
      const mallory = await browserCredentials(emulator, 'mallory', tab);
      await (await connect(emulator, mallory, mallory.clientId)).end();
    }
    const fourth = await browserCredentials(emulator, 'mallory', 't3');
    // MQTT 3.1.1 section 3.2.2.3: 3, "Connection Refused, Server unavailable".
    expect(await failure(connect(emulator, fourth, fourth.clientId))).toMatchObject({ code: 3 });
    // A clean session needs no room.
    await (await connect(emulator, fourth, fourth.clientId, true)).end();
    // The broker's bound (4): carol's first persistent session is refused too, and nobody's is ended for it.
    const carol = await browserCredentials(emulator, 'carol');
    expect(await failure(connect(emulator, carol, carol.clientId))).toMatchObject({ code: 3 });
    expect(emulator.broker.usage.persistentSessions).toBe(4);

    const data = new IoTDataPlaneClient({ region, endpoint: emulator.url, credentials: adminCredentials, maxAttempts: 1 });
    await data.send(new PublishCommand({ topic: inbox, qos: 1, payload: new TextEncoder().encode('queued while away') }));
    await sleep(50);
    const back = await connect(emulator, alice, alice.clientId);
    expect((await back.next(inbox)).payload).toBe('queued while away');
  });
});

describe('identities and credentials survive a restart with a data folder (issue 21)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-restart-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a former guest gets back in, and unexpired keys keep working, after the emulator restarts', async () => {
    const before = await startTestEmulator({ dataDir: dir });
    const identityId = await guest(before);
    const guestKeys = await guestCredentials(before, identityId);
    const alice = await browserCredentials(before, 'alice');
    await before.close();
    expect(statSync(join(dir, TEMPORARY_CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, COGNITO_IDENTITIES_FILE)).isFile()).toBe(true);

    const after = await startTestEmulator({ dataDir: dir });
    try {
      // The browser kept its identity id: Cognito knows it still.
      expect((await guestCredentials(after, identityId)).accessKeyId).toMatch(/^ASIA/);
      const who = await sts(after, guestKeys).send(new GetCallerIdentityCommand({}));
      expect(who.Arn).toBe(`arn:aws:sts::000000000000:assumed-role/${localModel.cognitoGuestRole.name}/CognitoIdentityCredentials`);
      const guestClient = await connect(after, guestKeys, topics.clientId(identityId), true);
      await guestClient.client.subscribeAsync(topics.broadcast(), { qos: 1 });
      const aliceClient = await connect(after, alice, alice.clientId, true);
      expect(aliceClient.client.connected).toBe(true);
    } finally {
      await after.close();
    }
  });

  it('without a data folder, a restart forgets them (memory only)', async () => {
    const before = await startTestEmulator();
    const identityId = await guest(before);
    await before.close();
    const after = await startTestEmulator();
    try {
      expect(await failure(guestCredentials(after, identityId))).toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      await after.close();
    }
  });
});
