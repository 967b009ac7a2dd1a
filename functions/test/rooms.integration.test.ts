/**
 * Rooms end to end on one machine: the HTTP API, the functions with their own roles, DynamoDB (dynalite behind the
 * emulator's SigV4 + IAM), the fan-out queue, and real MQTT subscribers on their own inbox topics.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { generateKeyPair, SignJWT } from 'jose';
import type { CredentialsResponse } from '../../core/contracts/http.js';
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import { TopicScheme } from '../../core/topics.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { type ApiCall, apiClient, appSubscriber, appToken, cognitoSession } from '../../test/support/local-api.js';
import { closesWithin, connectClient, sleep, type TestClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';
import { loginsKeyOf } from '../shared/cognito-identity.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
let stack: LocalStack;
let api: ApiCall;
const open: TestClient[] = [];

beforeAll(async () => {
  // One user creates 500 rooms below: a limit that is still checked (through the emulator's IAM) but never reached.
  stack = await startLocalStack({
    emulatorPort: 0,
    apiPort: 0,
    corsOrigins: [],
    logger: memoryLogger(),
    jobRetryDelayMs: 50,
    functionLogLevel: 'SILENT',
    directFanoutMax: 5,
    rateLimit: { requests: 1000, windowSeconds: 60 },
    // The stage's throttle (100 burst, 50/s by default, as deployed) would refuse the setup's 500 room creations.
    apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
  });
  api = apiClient(() => stack);
}, STACK_START_TIMEOUT_MS);
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => stack.close());

let userCounter = 0;
/** A fresh user with a token and an MQTT connection subscribed to their inbox filter. */
async function member(prefix = 'u'): Promise<{ userId: string; token: string; client: TestClient }> {
  userCounter += 1;
  const userId = `${prefix}${userCounter}`;
  const token = await appToken(api, userId);
  // As the page does when it loads: the user's first call to the rooms function also records their profile, which
  // is what makes them invitable (an invite names an existing user).
  expect((await api('GET', '/rooms', { token })).status).toBe(200);
  const { client } = await appSubscriber(stack, api, token);
  open.push(client);
  await client.client.subscribeAsync(topics.inboxFilter(userId), { qos: 1 });
  return { userId, token, client };
}

async function createRoom(token: string, name: string): Promise<string> {
  const res = await api('POST', '/rooms', { token, body: { name } });
  expect(res.status).toBe(201);
  return res.body.roomId as string;
}

const add = (token: string, roomId: string, userId: string, role?: 'owner' | 'member') =>
  api('PUT', `/rooms/${roomId}/members/${encodeURIComponent(userId)}`, { token, ...(role ? { body: { role } } : {}) });

const post = (token: string, roomId: string, text: string) => api('POST', `/rooms/${roomId}/messages`, { token, body: { text } });

/** The next room message on a member's inbox (presence notices about the room's members travel on the inbox too). */
const isRoomMessage = (m: { payload: string }) => (JSON.parse(m.payload) as { type?: string }).type === 'message';
async function nextInbox(client: TestClient, userId: string, roomId: string, timeoutMs = 5000): Promise<InboxMessage> {
  return JSON.parse((await client.next(topics.inbox(userId, roomId), timeoutMs, isRoomMessage)).payload) as InboxMessage;
}

describe('rooms', () => {
  it("creates a room, invites a member, and delivers a message to each member's own inbox", async () => {
    const owner = await member();
    const guest = await member();
    const roomId = await createRoom(owner.token, 'Launch');
    expect((await add(owner.token, roomId, guest.userId)).status).toBe(204);
    expect((await api('GET', '/rooms', { token: guest.token })).body).toEqual({ rooms: [{ roomId, name: 'Launch', role: 'member', unread: 0 }] });
    const res = await post(owner.token, roomId, '  liftoff  ');
    expect(res.status).toBe(202);
    for (const m of [owner, guest])
      expect(await nextInbox(m.client, m.userId, roomId)).toEqual({
        type: 'message',
        messageId: res.body.messageId,
        roomId,
        from: owner.userId,
        fromName: owner.userId,
        text: 'liftoff',
        sentAt: res.body.sentAt,
      });
  });

  it('stops delivering to a removed member on the very next message, while the same socket stays open', async () => {
    const owner = await member();
    const leaver = await member();
    const roomId = await createRoom(owner.token, 'Temporary');
    await add(owner.token, roomId, leaver.userId);
    await post(owner.token, roomId, 'before');
    expect((await nextInbox(leaver.client, leaver.userId, roomId)).text).toBe('before');
    expect((await nextInbox(owner.client, owner.userId, roomId)).text).toBe('before');
    expect((await api('DELETE', `/rooms/${roomId}/members/${leaver.userId}`, { token: owner.token })).status).toBe(204);
    await post(owner.token, roomId, 'after');
    expect((await nextInbox(owner.client, owner.userId, roomId)).text).toBe('after');
    await sleep(300);
    // `next` consumed 'before'; nothing else reached the removed member's inbox.
    expect(leaver.client.messages.filter((m) => m.topic === topics.inbox(leaver.userId, roomId) && isRoomMessage(m))).toEqual([]);
    expect(leaver.client.client.connected).toBe(true);
  });

  it('delivers rooms above the direct threshold through the fan-out queue, every member exactly once', async () => {
    const owner = await member();
    const others = await Promise.all(Array.from({ length: 12 }, () => member()));
    const roomId = await createRoom(owner.token, 'Crowd');
    for (const o of others) expect((await add(owner.token, roomId, o.userId)).status).toBe(204);
    const res = await post(owner.token, roomId, 'to the crowd');
    expect(res.status).toBe(202);
    for (const o of others) expect((await nextInbox(o.client, o.userId, roomId)).messageId).toBe(res.body.messageId);
    await sleep(200);
    // `next` consumed each member's copy; no second copy arrived.
    for (const o of others) expect(o.client.messages.filter((m) => m.topic === topics.inbox(o.userId, roomId) && isRoomMessage(m))).toEqual([]);
  }, 60_000);

  it('lets one user in 500 rooms receive from the 500th, with the same credentials policy as a user in one room', async () => {
    const busy = await member('busy');
    const single = await member('solo');
    await createRoom(single.token, 'only one');
    const rooms: string[] = [];
    for (let batch = 0; batch < 50; batch += 1)
      rooms.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => createRoom(busy.token, `room ${batch * 10 + i}`)))));
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api('GET', `/rooms?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { token: busy.token });
      expect(page.status).toBe(200);
      listed.push(...(page.body.rooms as Array<{ roomId: string }>).map((r) => r.roomId));
      cursor = page.body.nextCursor as string | undefined;
    } while (cursor);
    expect(new Set(listed)).toEqual(new Set(rooms));
    const last = rooms.at(-1)!;
    const res = await post(busy.token, last, 'from the 500th');
    expect((await nextInbox(busy.client, busy.userId, last)).messageId).toBe(res.body.messageId);
    const policyOf = async (token: string) => {
      const creds = (await api('POST', '/credentials', { token })).body as unknown as CredentialsResponse;
      return creds.topics;
    };
    expect((await policyOf(busy.token)).subscribe).toHaveLength((await policyOf(single.token)).subscribe.length);
  }, 60_000);

  it("refuses a member another user's inbox: the broker closes the connection", async () => {
    const a = await member();
    const b = await member();
    const roomId = await createRoom(a.token, 'Shared');
    await add(a.token, roomId, b.userId);
    b.client.client.subscribe(topics.inbox(a.userId, roomId));
    expect(await closesWithin(b.client, 2000)).toBe(true);
  });

  it('answers a non-member exactly as for a room that does not exist, on every room route (no existence oracle)', async () => {
    const owner = await member();
    const stranger = await member();
    const roomId = await createRoom(owner.token, 'Private');
    const asStranger = async (room: string) =>
      Promise.all([
        post(stranger.token, room, 'let me in'),
        api('GET', `/rooms/${room}/messages`, { token: stranger.token }),
        api('GET', `/rooms/${room}/members`, { token: stranger.token }),
        api('GET', `/rooms/${room}/presence`, { token: stranger.token }),
        add(stranger.token, room, stranger.userId),
        api('DELETE', `/rooms/${room}/members/${owner.userId}`, { token: stranger.token }),
        api('PATCH', `/rooms/${room}`, { token: stranger.token, body: { name: 'Mine now' } }),
        api('DELETE', `/rooms/${room}`, { token: stranger.token }),
      ]);
    const existing = await asStranger(roomId);
    const missing = await asStranger('no-such-room');
    for (const [i, res] of existing.entries()) {
      expect(res.status).toBe(404);
      // The same words for both, the room id aside.
      expect(JSON.stringify(res.body).replaceAll(roomId, 'ROOM')).toBe(JSON.stringify(missing[i]!.body).replaceAll('no-such-room', 'ROOM'));
    }
    expect((await add(owner.token, 'no-such-room', stranger.userId)).status).toBe(404);
  });

  it('pages history newest page first, each page oldest first, until nextCursor runs out', async () => {
    const owner = await member();
    const roomId = await createRoom(owner.token, 'Chatty');
    const sent: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      sent.push(`m${i}`);
      expect((await post(owner.token, roomId, `m${i}`)).status).toBe(202);
    }
    const pages: string[][] = [];
    let before: string | undefined;
    do {
      const page = await api('GET', `/rooms/${roomId}/messages?limit=3${before ? `&before=${before}` : ''}`, { token: owner.token });
      expect(page.status).toBe(200);
      pages.push((page.body.messages as Array<{ text: string }>).map((m) => m.text));
      before = page.body.nextCursor as string | undefined;
    } while (before);
    expect(pages).toEqual([['m4', 'm5', 'm6'], ['m1', 'm2', 'm3'], ['m0']]);
    expect((await api('GET', `/rooms/${roomId}/messages?limit=500`, { token: owner.token })).status).toBe(400);
    expect((await api('GET', `/rooms/${roomId}/messages?before=*`, { token: owner.token })).status).toBe(400);
  });

  it('refuses a pagination cursor of another listing', async () => {
    const a = await member();
    const b = await member();
    for (let i = 0; i < 3; i += 1) await createRoom(a.token, `a${i}`);
    const page = await api('GET', '/rooms?limit=1', { token: a.token });
    const stolen = page.body.nextCursor as string;
    expect(stolen).toBeDefined();
    expect(await api('GET', `/rooms?limit=1&cursor=${stolen}`, { token: b.token })).toMatchObject({ status: 400, body: { error: 'bad_request' } });
  });
});

describe('signed-in Cognito users are members like anyone', () => {
  it('create, invite, and receive rooms with their identity id', async () => {
    const session = await cognitoSession(api, 'dana');
    expect((await api('POST', '/iot/attach-policy', session.auth)).status).toBe(200);
    const created = await api('POST', '/rooms', { ...session.auth, body: { name: 'Cognito room' } });
    expect(created.status).toBe(201);
    const roomId = created.body.roomId as string;
    const members = await api('GET', `/rooms/${roomId}/members`, session.auth);
    const identityId = (members.body.members as Array<{ userId: string }>)[0]!.userId;
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);

    const cognito = new CognitoIdentityClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const out = await cognito.send(
      new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: { [loginsKeyOf(stack.userPool.issuer)]: session.idToken } }),
    );
    const c = out.Credentials!;
    const dana = await connectClient(
      await presignMqttUrl({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! }, { connectTo: stack.emulator.url }),
      topics.clientId(identityId),
    );
    open.push(dana);
    await dana.client.subscribeAsync(topics.inboxFilter(identityId), { qos: 1 });

    const app = await member();
    expect((await api('PUT', `/rooms/${roomId}/members/${app.userId}`, session.auth)).status).toBe(204);
    const res = await post(app.token, roomId, 'hello dana');
    expect(res.status).toBe(202);
    expect(await nextInbox(dana, identityId, roomId)).toMatchObject({ messageId: res.body.messageId, from: app.userId });
    expect((await nextInbox(app.client, app.userId, roomId)).text).toBe('hello dana');
  });

  it('refuses forged and foreign ID tokens on every room route, with or without a genuine access token', async () => {
    const session = await cognitoSession(api, 'dana');
    const genuine = session.idToken;
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${signature}`;
    const { privateKey } = await generateKeyPair('RS256');
    const foreignKey = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid })
      .sign(privateKey);
    for (const token of [tampered, foreignKey]) {
      for (const headers of [{}, session.auth.headers]) {
        expect((await api('GET', '/rooms', { token, headers })).status).toBe(401);
        expect((await api('POST', '/rooms', { token, headers, body: { name: 'x' } })).status).toBe(401);
      }
    }
    // The genuine ID token alone (no access token to check the sign-in with) is refused too.
    expect(await api('GET', '/rooms', { token: genuine })).toMatchObject({ status: 401, body: { message: expect.stringContaining('Cognito-Access-Token') } });
    expect((await api('GET', '/rooms', session.auth)).status).toBe(200);
  });
});

describe('the store survives a restart', () => {
  it('keeps rooms, history and valid tokens across a stop and start on the same data folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iot-realtime-data-'));
    try {
      const first = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [], logger: memoryLogger(), functionLogLevel: 'SILENT', dataDir: dir });
      const firstApi = apiClient(() => first);
      const token = await appToken(firstApi, 'keeper');
      const created = await firstApi('POST', '/rooms', { token, body: { name: 'Persistent' } });
      await firstApi('POST', `/rooms/${created.body.roomId as string}/messages`, { token, body: { text: 'still here' } });
      const apiPort = first.api.port;
      await first.close();

      const second = await startLocalStack({ emulatorPort: 0, apiPort, corsOrigins: [], logger: memoryLogger(), functionLogLevel: 'SILENT', dataDir: dir });
      try {
        const secondApi = apiClient(() => second);
        expect((await secondApi('GET', '/rooms', { token })).body.rooms).toEqual(
          expect.arrayContaining([{ roomId: created.body.roomId, name: 'Persistent', role: 'owner', unread: 0 }]),
        );
        const history = await secondApi('GET', `/rooms/${created.body.roomId as string}/messages`, { token });
        expect((history.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual(['still here']);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
