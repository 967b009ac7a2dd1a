/**
 * Presence end to end on one machine: real MQTT clients connect to the emulator with credentials from POST /credentials
 * (or a Cognito identity), the broker publishes lifecycle events, the emulator's rules engine runs the presence rule of
 * core/iot-rules.ts (the one infra deploys), whose SQS action sends them to the presence-events queue as IoT with the
 * rule's role; the queue's event source mapping hands them to the presence function in batches (gathered for up to
 * its 1 s batching window), and members see the change in their inbox and in GET /rooms/{roomId}/presence.
 */
import { CognitoIdentityClient, GetCredentialsForIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { CredentialsResponse } from '../../core/contracts/http.js';
import type { PresenceChange } from '../../core/contracts/mqtt.js';
import { functionName, resourceName } from '../../core/deployment.js';
import { PRESENCE_TABLE, tableName } from '../../core/store/tables.js';
import { TopicScheme } from '../../core/topics.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, appSubscriber, appToken, cognitoSession } from '../../test/support/local-api.js';
import { connectClient, sleep, type TestClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';
import { loginsKeyOf } from '../shared/cognito-identity.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const logger = memoryLogger();
let stack: LocalStack;
const open: TestClient[] = [];
/** Measured delays (ms), printed with PRESENCE_TIMINGS=1. */
const timings: Record<string, number[]> = {};

beforeAll(async () => {
  stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [], logger, functionLogLevel: 'SILENT' });
}, STACK_START_TIMEOUT_MS);
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => {
  await stack.close();
  if (process.env.PRESENCE_TIMINGS) process.stdout.write(`presence timings (ms): ${JSON.stringify(timings)}\n`);
});

const api = apiClient(() => stack);

/** A room owned by `owner` with `members`, all with app tokens; returns the room id and the tokens. */
async function roomWith(owner: string, members: string[]): Promise<{ roomId: string; tokens: Record<string, string> }> {
  const tokens: Record<string, string> = {};
  // Each user's first call to the rooms function records their profile (what makes them invitable), as the page does.
  for (const user of [owner, ...members]) {
    tokens[user] = await appToken(api, user);
    expect((await api('GET', '/rooms', { token: tokens[user] })).status).toBe(200);
  }
  const created = await api('POST', '/rooms', { token: tokens[owner], body: { name: `presence ${owner}` } });
  expect(created.status).toBe(201);
  const roomId = created.body.roomId as string;
  for (const member of members) expect((await api('PUT', `/rooms/${roomId}/members/${member}`, { token: tokens[owner] })).status).toBe(204);
  return { roomId, tokens };
}

async function connectTab(token: string, tab?: string): Promise<TestClient> {
  const { client } = await appSubscriber(stack, api, token, tab);
  open.push(client);
  return client;
}

async function onlineIn(roomId: string, token: string): Promise<string[]> {
  const res = await api('GET', `/rooms/${roomId}/presence`, { token });
  expect(res.status).toBe(200);
  return res.body.online as string[];
}

/** Polls until `check` holds; resolves with the time it took from `since`, rejects after `ms`. */
async function within(label: string, ms: number, since: number, check: () => Promise<boolean>): Promise<number> {
  while (!(await check())) {
    if (Date.now() - since > ms) throw new Error(`${label}: not within ${ms} ms`);
    await sleep(20);
  }
  const took = Date.now() - since;
  record(label, took);
  return took;
}

function record(label: string, ms: number): void {
  timings[label] = [...(timings[label] ?? []), ms];
}

const presenceOf = (payload: string) => JSON.parse(payload) as PresenceChange;
/**
 * How long a change may take to show: the event source mapping's batching window (1 s, functions/catalog.ts
 * PRESENCE_EVENTS_QUEUE; the smallest Lambda allows for batches over 10) plus the function's work, with room for a
 * loaded machine. A disconnect is noticed when the socket closes, then takes the same way.
 */
const ONLINE_WITHIN_MS = 3000;
const OFFLINE_WITHIN_MS = 6000;

describe('presence from IoT lifecycle events', () => {
  it('shows a member online within 3 s of connecting and offline within 6 s of closing, live and in GET', async () => {
    const { roomId, tokens } = await roomWith('p1owner', ['p1member']);
    const watcher = await connectTab(tokens.p1owner!);
    await watcher.client.subscribeAsync(topics.inboxFilter('p1owner'), { qos: 1 });
    // The owner's own connection goes the same way (rule, queue, batch) and shows within the same bound.
    await within('owner online', ONLINE_WITHIN_MS, Date.now(), async () => JSON.stringify(await onlineIn(roomId, tokens.p1owner!)) === '["p1owner"]');

    const connectedAt = Date.now();
    const member = await connectTab(tokens.p1member!);
    await within('connect -> online (GET)', ONLINE_WITHIN_MS, connectedAt, async () => (await onlineIn(roomId, tokens.p1owner!)).includes('p1member'));
    const live = presenceOf((await watcher.next(topics.inbox('p1owner', roomId), ONLINE_WITHIN_MS)).payload);
    expect(live).toEqual({ type: 'presence', roomId, userId: 'p1member', online: true });
    record('connect -> online (inbox)', Date.now() - connectedAt);

    const closedAt = Date.now();
    await member.end();
    await within('close -> offline (GET)', OFFLINE_WITHIN_MS, closedAt, async () => !(await onlineIn(roomId, tokens.p1owner!)).includes('p1member'));
    expect(presenceOf((await watcher.next(topics.inbox('p1owner', roomId), OFFLINE_WITHIN_MS)).payload)).toEqual({
      type: 'presence',
      roomId,
      userId: 'p1member',
      online: false,
    });
    // The user's own pages are not told about themselves.
    expect(watcher.messages.filter((m) => presenceOf(m.payload).userId === 'p1owner')).toEqual([]);

    // A reload: the same client id connects again (a newer connection version), and the member is back online.
    const reconnectedAt = Date.now();
    await connectTab(tokens.p1member!);
    await within('reconnect same client id -> online', ONLINE_WITHIN_MS, reconnectedAt, async () =>
      (await onlineIn(roomId, tokens.p1owner!)).includes('p1member'),
    );
  });

  it('keeps a user with two tabs online until both have closed', async () => {
    const { roomId, tokens } = await roomWith('p2owner', ['p2member']);
    const watcher = await connectTab(tokens.p2owner!);
    await watcher.client.subscribeAsync(topics.inboxFilter('p2owner'), { qos: 1 });
    const first = await connectTab(tokens.p2member!, 'tab1');
    const second = await connectTab(tokens.p2member!, 'tab2');
    await within('two tabs -> online', ONLINE_WITHIN_MS, Date.now(), async () => (await onlineIn(roomId, tokens.p2owner!)).includes('p2member'));
    // Both connects recorded (in one batch or two) before the first tab closes: idle() waits for the queue too.
    await stack.idle();

    const inbox = topics.inbox('p2owner', roomId);
    expect(presenceOf((await watcher.next(inbox, ONLINE_WITHIN_MS)).payload)).toEqual({ type: 'presence', roomId, userId: 'p2member', online: true });

    // A clean DISCONNECT of the first tab: the user stays online, and nobody is told anything.
    await first.client.endAsync(false);
    await sleep(300);
    await stack.idle();
    expect(await onlineIn(roomId, tokens.p2owner!)).toContain('p2member');
    await sleep(200);
    expect(watcher.messages).toEqual([]);

    const closedAt = Date.now();
    await second.end();
    await within('second tab closed -> offline', OFFLINE_WITHIN_MS, closedAt, async () => !(await onlineIn(roomId, tokens.p2owner!)).includes('p2member'));
    expect(presenceOf((await watcher.next(inbox, OFFLINE_WITHIN_MS)).payload)).toEqual({ type: 'presence', roomId, userId: 'p2member', online: false });
  });

  it("records a burst of one user's connects and disconnects from the queue in a few batches, and tells the net change", async () => {
    const { roomId, tokens } = await roomWith('p6owner', ['p6member']);
    const watcher = await connectTab(tokens.p6owner!);
    await watcher.client.subscribeAsync(topics.inboxFilter('p6owner'), { qos: 1 });
    await stack.idle();
    const presenceFunction = functionName(LOCAL_DEPLOYMENT, 'presence-events');
    const before = stack.emulator.lambda.stats(presenceFunction).invocations;
    // Three tabs, each connecting and closing three times in a row: 18 lifecycle events of one user.
    const urls = await Promise.all(
      ['b0', 'b1', 'b2'].map(async (tab) => {
        const res = await api('POST', '/credentials', { token: tokens.p6member!, body: { tab } });
        expect(res.status).toBe(200);
        const creds = res.body as unknown as CredentialsResponse;
        return {
          clientId: creds.clientId,
          url: await presignMqttUrl(creds, { connectTo: stack.emulator.url, signedHost: creds.iotEndpoint, region: creds.region }),
        };
      }),
    );
    for (let round = 0; round < 3; round += 1) await Promise.all(urls.map(async ({ url, clientId }) => (await connectClient(url, clientId)).end()));
    // The last disconnects are published when the broker sees the sockets close.
    await sleep(300);
    await stack.idle();
    const invocations = stack.emulator.lambda.stats(presenceFunction).invocations - before;
    // One invocation per event through a Lambda action (18); a batch gathers what arrives within its window.
    expect(invocations).toBeGreaterThanOrEqual(1);
    expect(invocations).toBeLessThan(9);
    expect(await onlineIn(roomId, tokens.p6owner!)).toEqual(['p6owner']);
    // Whatever the batches were, the owner is told the member's net changes only: online then offline, never twice in a row.
    const told = watcher.messages.map((m) => presenceOf(m.payload)).filter((c) => c.userId === 'p6member');
    for (let i = 1; i < told.length; i += 1) expect(told[i]!.online).not.toBe(told[i - 1]!.online);
    expect(told.at(-1)?.online ?? false).toBe(false);
    // Nothing went to the rule's failures queue or the presence-events dead-letter queue.
    for (const purpose of ['presence-failures', 'presence-events-dlq'])
      expect(stack.emulator.sqs.queueByName(resourceName(LOCAL_DEPLOYMENT, purpose))!.depth).toBe(0);
  });

  it('answers 404 to a non-member, whether or not the room exists, and 401 without a token', async () => {
    const { roomId } = await roomWith('p3owner', []);
    const outsider = await appToken(api, 'p3outsider');
    // The same 404 for someone else's room and for no room at all: a non-member learns nothing about rooms they are not in.
    expect(await api('GET', `/rooms/${roomId}/presence`, { token: outsider })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect(await api('GET', '/rooms/no-such-room/presence', { token: outsider })).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await api('GET', `/rooms/${roomId}/presence`)).status).toBe(401);
  });

  it('tracks a signed-in Cognito user by identity id: their client id is <app>.<stage>.<identity id>', async () => {
    const session = await cognitoSession(api, 'presence-dana');
    const attached = await api('POST', '/iot/attach-policy', session.auth);
    expect(attached.status).toBe(200);
    const identityId = attached.body.identityId as string;
    expect((await api('GET', '/rooms', session.auth)).status).toBe(200);
    const { roomId, tokens } = await roomWith('p4owner', []);
    expect((await api('PUT', `/rooms/${roomId}/members/${encodeURIComponent(identityId)}`, { token: tokens.p4owner })).status).toBe(204);

    const cognito = new CognitoIdentityClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const out = await cognito.send(
      new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: { [loginsKeyOf(stack.userPool.issuer)]: session.idToken } }),
    );
    const c = out.Credentials!;
    const connectedAt = Date.now();
    const dana = await connectClient(
      await presignMqttUrl({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! }, { connectTo: stack.emulator.url }),
      topics.clientId(identityId),
    );
    open.push(dana);
    await within('Cognito connect -> online', ONLINE_WITHIN_MS, connectedAt, async () => (await onlineIn(roomId, tokens.p4owner!)).includes(identityId));
    // And the Cognito user reads presence with their tokens like any member.
    const own = await api('GET', `/rooms/${roomId}/presence`, session.auth);
    expect(own.body.online).toEqual([identityId]);
    await dana.end();
    await within('Cognito close -> offline', OFFLINE_WITHIN_MS, Date.now(), async () => !(await onlineIn(roomId, tokens.p4owner!)).includes(identityId));
  });

  it('ignores lifecycle events of client ids that belong to no user of this stage', async () => {
    const before = Object.keys(await presenceItems()).length;
    // The local admin may connect with any client id (AdministratorAccess).
    const admin = await connectClient(await presignMqttUrl(LOCAL_ADMIN_CREDENTIALS, { connectTo: stack.emulator.url }), 'some-tool.42');
    open.push(admin);
    await sleep(200);
    await stack.idle();
    expect(Object.keys(await presenceItems()).length).toBe(before);
    expect(logger.entries.filter((e) => e.message === 'topic rule action failed')).toEqual([]);
  });
});

/** The presence table's users, read as the local admin straight from the store. */
async function presenceItems(): Promise<Record<string, unknown>> {
  const client = new DynamoDBClient({ region: 'us-east-1', endpoint: stack.store.url, credentials: LOCAL_ADMIN_CREDENTIALS });
  try {
    const out = await client.send(new ScanCommand({ TableName: tableName(LOCAL_DEPLOYMENT, PRESENCE_TABLE) }));
    return Object.fromEntries((out.Items ?? []).map((item) => [item.userId!.S!, item]));
  } finally {
    client.destroy();
  }
}
