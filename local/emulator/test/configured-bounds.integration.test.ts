/**
 * Bounds set the way `npm start` sets them (issue 20 item 1: every bound settable): the environment is read by
 * emulatorConfigFromEnv, as start.ts reads it, and its `bounds` given to the emulator, as startLocalStack does. Each
 * bound is then observed through a real SDK client:
 * - LOCAL_SQS_MAX_MESSAGES: the send past it is refused with SQS's OverLimit (the SDK's own exception class), and
 *   every message already queued is still received.
 * - LOCAL_COGNITO_SRP_WORKERS / LOCAL_COGNITO_SRP_QUEUE: with one worker and no queue, concurrent USER_SRP_AUTH steps
 *   past the one running are shed with TooManyRequestsException; with the defaults the same burst is served.
 * - LOCAL_COGNITO_USER_AUTHENTICATION_PER_SECOND: the user pools' UserAuthentication quota.
 */
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  TooManyRequestsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { DeleteMessageCommand, OverLimit, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { emulatorConfigFromEnv } from '../config.js';
import type { UserPoolConfig } from '../services/cognito-user-pool/config.js';
import { startSrpClient } from '../services/cognito-user-pool/srp-client.test-support.js';
import { userPoolClientFromTerraform, userPoolFromTerraform } from '../services/cognito-user-pool/terraform.js';
import { synthesizedUserPool } from '../services/cognito-user-pool/terraform.test-support.js';

const REGION = 'us-east-1';
const POOL_ID = 'us-east-1_Bounds1';
const CLIENT_ID = 'boundsweb';
const synth = synthesizedUserPool();
const pool: UserPoolConfig = { ...userPoolFromTerraform(synth.pool, POOL_ID), clients: [userPoolClientFromTerraform(synth.client, CLIENT_ID).client] };

const running: TestEmulator[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

/** The emulator as `npm start` configures it from these variables. */
async function emulatorFromEnv(env: NodeJS.ProcessEnv): Promise<TestEmulator> {
  const { bounds } = emulatorConfigFromEnv(env);
  const emulator = await startTestEmulator({ bounds, userPools: [pool] });
  running.push(emulator);
  return emulator;
}

async function outcome<T>(promise: Promise<T>): Promise<{ ok: T } | { error: Error }> {
  try {
    return { ok: await promise };
  } catch (error) {
    return { error: error as Error };
  }
}

describe('LOCAL_SQS_MAX_MESSAGES', () => {
  let emulator: TestEmulator;
  let sqs: SQSClient;
  beforeAll(async () => {
    emulator = await emulatorFromEnv({ LOCAL_SQS_MAX_MESSAGES: '5' });
    sqs = new SQSClient({ region: REGION, endpoint: emulator.url, credentials: adminCredentials, maxAttempts: 1 });
  });
  afterAll(() => sqs.destroy());

  it('refuses the 6th SendMessage with OverLimit (403) and keeps the 5 already queued', async () => {
    const queue = emulator.sqs.createQueue({ name: 'bounded', attributes: {} });
    for (let i = 1; i <= 5; i += 1) await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: `m${i}` }));

    const refused = await outcome(sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'm6' })));
    expect('error' in refused).toBe(true);
    const error = (refused as { error: OverLimit }).error;
    expect(error).toBeInstanceOf(OverLimit);
    expect(error.name).toBe('OverLimit');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toMatch(/already holds 5 messages, its bound \(LOCAL_SQS_MAX_MESSAGES\)/);

    // A batch at the bound: each entry fails with OverLimit, as a sender fault; the request itself succeeds.
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'a', MessageBody: 'b1' },
          { Id: 'b', MessageBody: 'b2' },
        ],
      }),
    );
    expect(batch.Successful ?? []).toEqual([]);
    expect(batch.Failed?.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([
      ['a', 'OverLimit', true],
      ['b', 'OverLimit', true],
    ]);

    // Nothing queued was lost: all five are received, and once one is deleted there is room for one more.
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
    expect(received.Messages?.map((m) => m.Body)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: received.Messages![0]!.ReceiptHandle! }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'm6' }));
    expect(queue.peek().map((m) => m.body)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6']);
  });
});

describe('LOCAL_COGNITO_SRP_WORKERS and LOCAL_COGNITO_SRP_QUEUE', () => {
  const BURST = 8;
  /** BURST concurrent USER_SRP_AUTH starts (unknown users: the same work as known ones, the decoy's). */
  async function srpBurst(emulator: TestEmulator): Promise<Array<{ ok: InitiateAuthCommandOutput } | { error: Error }>> {
    const idp = new CognitoIdentityProviderClient({
      region: REGION,
      endpoint: emulator.url,
      credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
      maxAttempts: 1,
    });
    try {
      return await Promise.all(
        Array.from({ length: BURST }, (_, i) =>
          outcome(
            idp.send(
              new InitiateAuthCommand({
                ClientId: CLIENT_ID,
                AuthFlow: 'USER_SRP_AUTH',
                AuthParameters: { USERNAME: `ghost${i}@example.com`, SRP_A: startSrpClient().srpA },
              }),
            ),
          ),
        ),
      );
    } finally {
      idp.destroy();
    }
  }

  it('with one worker and no queue, sheds the concurrent SRP steps past the running one with TooManyRequestsException', async () => {
    const emulator = await emulatorFromEnv({ LOCAL_COGNITO_SRP_WORKERS: '1', LOCAL_COGNITO_SRP_QUEUE: '0' });
    const results = await srpBurst(emulator);
    const served = results.filter((r) => 'ok' in r);
    const shed = results.filter((r): r is { error: Error } => 'error' in r);
    // The first starts the only worker; the others arrive while it works and nothing may wait for it.
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(shed.length).toBeGreaterThanOrEqual(1);
    for (const { error } of shed) {
      expect(error).toBeInstanceOf(TooManyRequestsException);
      expect(error.message).toBe('Rate exceeded');
    }
    for (const r of served) expect((r as { ok: InitiateAuthCommandOutput }).ok.ChallengeName).toBe('PASSWORD_VERIFIER');
  });

  it('with the defaults (8 may wait), the same burst is served whole', async () => {
    const emulator = await emulatorFromEnv({});
    const results = await srpBurst(emulator);
    expect(results.map((r) => ('ok' in r ? r.ok.ChallengeName : r.error.name))).toEqual(Array(BURST).fill('PASSWORD_VERIFIER'));
  });
});

describe('LOCAL_COGNITO_USER_AUTHENTICATION_PER_SECOND', () => {
  it("is the user pools' UserAuthentication quota: past it InitiateAuth is TooManyRequestsException", async () => {
    // 1 per second: of 6 concurrent starts (well within the SRP pool's default queue), the bucket admits one, and
    // refills one more only if the burst were spread over a second. With the default (120) all 8 above were served.
    const emulator = await emulatorFromEnv({ LOCAL_COGNITO_USER_AUTHENTICATION_PER_SECOND: '1' });
    const idp = new CognitoIdentityProviderClient({
      region: REGION,
      endpoint: emulator.url,
      credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
      maxAttempts: 1,
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          outcome(
            idp.send(
              new InitiateAuthCommand({
                ClientId: CLIENT_ID,
                AuthFlow: 'USER_SRP_AUTH',
                AuthParameters: { USERNAME: `quota${i}@example.com`, SRP_A: startSrpClient().srpA },
              }),
            ),
          ),
        ),
      );
      const served = results.filter((r) => 'ok' in r);
      const refused = results.filter((r): r is { error: Error } => 'error' in r);
      expect(served.length).toBeGreaterThanOrEqual(1);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      for (const { error } of refused) {
        expect(error).toBeInstanceOf(TooManyRequestsException);
        expect(error.message).toBe('Rate exceeded');
      }
    } finally {
      idp.destroy();
    }
  });
});
