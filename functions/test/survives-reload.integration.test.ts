/**
 * What a page finds again after a reload or on another device (issue 22), end to end on the local stack: the HTTP API,
 * the functions with their own roles, DynamoDB (dynalite behind the emulator's SigV4 + IAM), the job queue and worker,
 * and real MQTT clients. Read positions kept per membership (PUT /rooms/{roomId}/read, the counts of GET /rooms, the
 * member's other devices told on their own inbox and nobody else), each user's jobs with their outcome (GET /jobs, a
 * failed job's reason in words, a retry queued once), and the latest broadcasts (GET /broadcasts).
 */

import type { StoredBroadcast } from '../../core/contracts/http.js';
import type { JobRecord } from '../../core/contracts/jobs.js';
import type { JobEvent, ReadPositionChange } from '../../core/contracts/mqtt.js';
import { MAX_UNREAD_COUNT } from '../../core/contracts/rooms.js';
import { TopicScheme } from '../../core/topics.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { adminCredentials } from '../../test/support/emulator.js';
import { apiClient, appSubscriber, appToken, cognitoSession } from '../../test/support/local-api.js';
import { connectClient, sleep, type TestClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
let stack: LocalStack;
let watcher: TestClient;
const open: TestClient[] = [];
const api = apiClient(() => stack);

beforeAll(async () => {
  // Jobs are limited to 10 a minute per user as deployed; this file queues more than that for one user.
  stack = await startLocalStack({
    emulatorPort: 0,
    apiPort: 0,
    corsOrigins: [],
    logger: memoryLogger(),
    jobRetryDelayMs: 50,
    functionLogLevel: 'SILENT',
    rateLimit: { requests: 1000, windowSeconds: 60 },
  });
  // Sees every publish of the app: what reached whom, and that nothing reached anyone else.
  watcher = await connectClient(await presignMqttUrl(adminCredentials, { connectTo: stack.emulator.url }), 'watcher');
  await watcher.client.subscribeAsync(topics.appFilter(), { qos: 1 });
}, STACK_START_TIMEOUT_MS);
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => {
  await watcher?.end();
  await stack?.close();
});

let counter = 0;
/** A fresh app user who has used the API once (so the directory knows them and they can be invited). */
async function user(prefix: string): Promise<{ userId: string; token: string }> {
  counter += 1;
  const userId = `${prefix}${counter}`;
  const token = await appToken(api, userId);
  expect((await api('GET', '/rooms', { token })).status).toBe(200);
  return { userId, token };
}

/** A device of the user: an MQTT connection of its own (a tab id of its own) subscribed to the user's topics. */
async function device(token: string, userId: string, tab: string): Promise<TestClient> {
  const { client } = await appSubscriber(stack, api, token, tab);
  open.push(client);
  await client.client.subscribeAsync(topics.userFilter(userId), { qos: 1 });
  return client;
}

const post = async (token: string, roomId: string, text: string): Promise<string> => {
  const res = await api('POST', `/rooms/${roomId}/messages`, { token, body: { text } });
  expect(res.status).toBe(202);
  return res.body.messageId as string;
};
const markRead = (token: string, roomId: string, body: unknown, headers: Record<string, string> = {}) =>
  api('PUT', `/rooms/${roomId}/read`, { token, body, headers });
const roomsOf = async (token: string) => (await api('GET', '/rooms', { token })).body.rooms as Array<Record<string, unknown>>;
const payloadsOn = (topic: string, type: string) =>
  watcher.messages.filter((m) => m.topic === topic && (JSON.parse(m.payload) as { type: string }).type === type).map((m) => JSON.parse(m.payload));

describe('read positions', () => {
  it('keeps where a member read up to, counts what others wrote since in GET /rooms, and tells only their own other devices', async () => {
    const owner = await user('reader-owner');
    const member = await user('reader');
    const roomId = (await api('POST', '/rooms', { token: owner.token, body: { name: 'Kept' } })).body.roomId as string;
    expect((await api('PUT', `/rooms/${roomId}/members/${member.userId}`, { token: owner.token })).status).toBe(204);
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) ids.push(await post(owner.token, roomId, text));
    await post(member.token, roomId, 'mine');
    // Before reading anything: everything others wrote since the member joined, and no position yet.
    expect((await roomsOf(member.token)).find((r) => r.roomId === roomId)).toEqual({ roomId, name: 'Kept', role: 'member', unread: 3 });

    const phone = await device(member.token, member.userId, 'phone');
    const read = await markRead(member.token, roomId, { messageId: ids[1] });
    expect(read).toMatchObject({ status: 200, body: { roomId, lastRead: { messageId: ids[1], at: expect.any(String) } } });
    const change = JSON.parse((await phone.next(topics.inbox(member.userId, roomId), 5000, (m) => m.payload.includes('"read"'))).payload);
    expect(change).toEqual({ type: 'read', roomId, messageId: ids[1]!, at: (read.body.lastRead as { at: string }).at } satisfies ReadPositionChange);
    // A reload (or another device) reads the position and the count from the store.
    expect((await roomsOf(member.token)).find((r) => r.roomId === roomId)).toEqual({
      roomId,
      name: 'Kept',
      role: 'member',
      unread: 1,
      lastRead: read.body.lastRead,
    });
    // A position older than the kept one (a slow device) changes nothing.
    expect((await markRead(member.token, roomId, { messageId: ids[0] })).body.lastRead).toEqual(read.body.lastRead);
    expect((await markRead(member.token, roomId, { messageId: ids[2] })).status).toBe(200);
    expect((await roomsOf(member.token)).find((r) => r.roomId === roomId)?.unread).toBe(0);
    // The owner's count is theirs: the member's "mine" is unread for them.
    expect((await roomsOf(owner.token)).find((r) => r.roomId === roomId)).toMatchObject({ unread: 1 });
    await sleep(300);
    // The read events went to the member's own inbox of the room, and to no one else's.
    const reads = watcher.messages.filter((m) => (JSON.parse(m.payload) as { type: string }).type === 'read').map((m) => m.topic);
    expect(new Set(reads)).toEqual(new Set([topics.inbox(member.userId, roomId)]));
    expect(payloadsOn(topics.inbox(member.userId, roomId), 'read')).toHaveLength(2);
  });

  it('gives a non-member the same 404 as for a room that does not exist, and keeps nothing for them', async () => {
    const owner = await user('private-owner');
    const outsider = await user('outsider');
    const roomId = (await api('POST', '/rooms', { token: owner.token, body: { name: 'Private' } })).body.roomId as string;
    const messageId = await post(owner.token, roomId, 'secret');
    const theirs = await markRead(outsider.token, roomId, { messageId });
    const missing = await markRead(outsider.token, 'nosuchroom', { messageId });
    expect([theirs.status, missing.status]).toEqual([404, 404]);
    expect(theirs.body).toEqual({ error: 'not_found', message: `room ${roomId} does not exist, or you are not a member of it` });
    expect(missing.body).toEqual({ error: 'not_found', message: 'room nosuchroom does not exist, or you are not a member of it' });
    expect(await roomsOf(outsider.token)).toEqual([]);
    expect(payloadsOn(topics.inbox(outsider.userId, roomId), 'read')).toEqual([]);
    // Without a token: 401 before anything is read.
    expect((await api('PUT', `/rooms/${roomId}/read`, { body: { messageId } })).status).toBe(401);
  });

  it('answers a bad body with 400 (415 for one that is not JSON) and a sentence naming the problem', async () => {
    const owner = await user('bad-body');
    const roomId = (await api('POST', '/rooms', { token: owner.token, body: { name: 'Bodies' } })).body.roomId as string;
    const cases: Array<[unknown, number, string]> = [
      [{}, 400, '"messageId"'],
      [{ messageId: 'hello' }, 400, 'must be a message id as the API issued it'],
      [{ messageId: 7 }, 400, 'must be a string'],
      ['[1,2]', 400, 'must be a JSON object'],
      ['{"messageId":', 400, 'not valid JSON'],
    ];
    for (const [body, status, words] of cases) {
      const res = await markRead(owner.token, roomId, body);
      expect([res.status, res.body.error]).toEqual([status, 'bad_request']);
      expect(res.body.message).toContain(words);
    }
    const notJson = await markRead(owner.token, roomId, 'messageId=1', { 'content-type': 'text/plain' });
    expect(notJson).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    expect((await roomsOf(owner.token))[0]).not.toHaveProperty('lastRead');
  });

  it(`counts at most ${MAX_UNREAD_COUNT} unread messages of a room, and says so`, async () => {
    const owner = await user('chatty');
    const member = await user('behind');
    const roomId = (await api('POST', '/rooms', { token: owner.token, body: { name: 'Busy' } })).body.roomId as string;
    await api('PUT', `/rooms/${roomId}/members/${member.userId}`, { token: owner.token });
    for (let i = 0; i < MAX_UNREAD_COUNT + 2; i += 1) await post(owner.token, roomId, `m${i}`);
    expect((await roomsOf(member.token)).find((r) => r.roomId === roomId)).toMatchObject({ unread: MAX_UNREAD_COUNT, unreadMore: true });
  }, 60_000);
});

describe('jobs kept for the page', () => {
  const jobsOf = async (token: string) => (await api('GET', '/jobs', { token })).body.jobs as JobRecord[];
  async function finished(token: string, jobId: string): Promise<JobRecord> {
    for (let i = 0; i < 100; i += 1) {
      const job = (await jobsOf(token)).find((j) => j.jobId === jobId);
      if (job?.status === 'succeeded' || job?.status === 'failed') return job;
      await sleep(100);
    }
    throw new Error(`job ${jobId} did not finish`);
  }

  it("lists a user's own jobs, newest first, with their outcome and a failed job's reason in words", async () => {
    const owner = await user('jobs');
    const other = await user('other-jobs');
    const ok = await api('POST', '/jobs', { token: owner.token, body: { kind: 'report', steps: 2, stepMs: 20 } });
    const bad = await api('POST', '/jobs', { token: owner.token, body: { kind: 'import', steps: 3, stepMs: 20, failAtStep: 2 } });
    expect([ok.status, bad.status]).toEqual([202, 202]);
    expect(await finished(owner.token, ok.body.jobId as string)).toMatchObject({ status: 'succeeded', progress: 100, result: { summary: expect.any(String) } });
    const failed = await finished(owner.token, bad.body.jobId as string);
    expect(failed).toMatchObject({
      kind: 'import',
      status: 'failed',
      step: 2,
      error: 'The import stopped at step 2 of 3: a row of the file could not be read (this demo job was asked to fail there).',
    });
    expect((await jobsOf(owner.token)).map((j) => j.jobId)).toEqual([bad.body.jobId, ok.body.jobId]);
    expect(await jobsOf(other.token)).toEqual([]);
  });

  it('queues one retry of a failed job however often the same retry is sent, and keeps which job it retries', async () => {
    const owner = await user('retrier');
    const device1 = await device(owner.token, owner.userId, 'one');
    const bad = await api('POST', '/jobs', { token: owner.token, body: { kind: 'report', steps: 2, stepMs: 10, failAtStep: 1 } });
    await finished(owner.token, bad.body.jobId as string);
    const retry = { kind: 'report', steps: 2, stepMs: 10, retryOf: bad.body.jobId };
    const headers = { 'idempotency-key': `retry-${bad.body.jobId as string}` };
    const answers = await Promise.all([1, 2, 3].map(() => api('POST', '/jobs', { token: owner.token, body: retry, headers })));
    const accepted = answers.filter((a) => a.status === 202);
    // Concurrent duplicates: one queues it, the others get the same 202 or a 409 while it is being queued.
    expect(new Set(accepted.map((a) => a.body.jobId)).size).toBe(1);
    for (const a of answers) expect([202, 409]).toContain(a.status);
    const again = await api('POST', '/jobs', { token: owner.token, body: retry, headers });
    expect(again).toMatchObject({ status: 202, body: { jobId: accepted[0]!.body.jobId } });
    const retried = await finished(owner.token, accepted[0]!.body.jobId as string);
    expect(retried).toMatchObject({ status: 'succeeded', retryOf: bad.body.jobId });
    expect((await jobsOf(owner.token)).filter((j) => j.retryOf === bad.body.jobId)).toHaveLength(1);
    // Its progress reached the owner's device live too.
    const events = device1.messages.filter((m) => m.topic === topics.job(owner.userId, retried.jobId)).map((m) => JSON.parse(m.payload) as JobEvent);
    expect(events.at(-1)).toMatchObject({ status: 'succeeded' });
  });

  it('shows the newest 20 jobs only', async () => {
    const owner = await user('busy-jobs');
    const ids: string[] = [];
    for (let i = 0; i < 22; i += 1)
      ids.push((await api('POST', '/jobs', { token: owner.token, body: { kind: 'report', steps: 1, stepMs: 0 } })).body.jobId as string);
    const listed = await jobsOf(owner.token);
    expect(listed.map((j) => j.jobId)).toEqual(ids.slice(-20).reverse());
  }, 60_000);

  it('answers 401 to a Cognito user and to no token: the jobs API serves app users', async () => {
    expect((await api('GET', '/jobs', (await cognitoSession(api, 'jobs-dana')).auth)).status).toBe(401);
    expect((await api('GET', '/jobs')).status).toBe(401);
  });
});

describe('broadcasts kept for the page', () => {
  const adminToken = (sub: string, name?: string) => stack.issuers.app.sign({ roles: ['admin'], ...(name ? { name } : {}) }, { subject: sub });

  it('shows the latest broadcasts to any signed-in user, oldest first, with the admin named; refused ones are not kept', async () => {
    const admin = await adminToken('boss', 'The Boss');
    const before = ((await api('GET', '/broadcasts', { token: admin })).body.broadcasts as StoredBroadcast[]).length;
    const first = await api('POST', '/broadcast', { token: admin, body: { text: 'kept for later' } });
    const second = await api('POST', '/broadcast', { token: admin, body: { text: 'and this one' } });
    expect((await api('POST', '/broadcast', { token: (await user('not-admin')).token, body: { text: 'refused' } })).status).toBe(403);
    for (const auth of [{ token: (await user('reader-of-news')).token }, (await cognitoSession(api, 'news-dana')).auth]) {
      const res = await api('GET', '/broadcasts', auth);
      expect(res.status).toBe(200);
      const kept = res.body.broadcasts as StoredBroadcast[];
      expect(kept.slice(before)).toEqual([
        { messageId: first.body.messageId, from: 'boss', fromName: 'The Boss', text: 'kept for later', sentAt: first.body.sentAt },
        { messageId: second.body.messageId, from: 'boss', fromName: 'The Boss', text: 'and this one', sentAt: second.body.sentAt },
      ]);
    }
    // What was published live is what was kept, named alike.
    const live = payloadsOn(topics.broadcast(), 'broadcast').find((b) => b.messageId === first.body.messageId);
    expect(live).toEqual({
      type: 'broadcast',
      messageId: first.body.messageId,
      from: 'boss',
      fromName: 'The Boss',
      text: 'kept for later',
      sentAt: first.body.sentAt,
    });
    expect((await api('GET', '/broadcasts')).status).toBe(401);
  });
});
