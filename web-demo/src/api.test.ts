import { ApiError, apiClient, attachPolicy, explainStatus } from './api.js';
import { retryAfterSeconds } from './api-request.js';

const realFetch = globalThis.fetch;
let calls: Array<{ url: string; init: RequestInit }>;

function answer(status: number, body?: unknown, headers: Record<string, string> = {}): void {
  globalThis.fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body), { status, headers });
  }) as typeof fetch;
}

beforeEach(() => {
  calls = [];
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

const api = apiClient('http://api.test', async () => 'jwt-1');

describe('apiClient (the rooms API as the demo calls it)', () => {
  it('sends the bearer token and the JSON body, and returns the checked answer', async () => {
    answer(201, { roomId: 'r1', name: 'Launch' });
    await expect(api.createRoom('Launch')).resolves.toEqual({ roomId: 'r1', name: 'Launch' });
    expect(calls[0]?.url).toBe('http://api.test/rooms');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.headers).toEqual({ authorization: 'Bearer jwt-1', 'content-type': 'application/json' });
    expect(calls[0]?.init.body).toBe('{"name":"Launch"}');
  });

  it("sends a Cognito user's access token beside the ID token, on every route and to attach-policy", async () => {
    const cognitoApi = apiClient('http://api.test', async () => ({ bearer: 'id-1', cognitoAccessToken: 'access-1' }));
    answer(200, { rooms: [] });
    await cognitoApi.listRooms();
    expect(calls[0]?.init.headers).toEqual({ authorization: 'Bearer id-1', 'cognito-access-token': 'access-1' });
    answer(200, { identityId: 'us-east-1:x', policyName: 'p' });
    await attachPolicy('http://api.test', { bearer: 'id-1', cognitoAccessToken: 'access-1' });
    expect(calls[1]?.init.headers).toEqual({ authorization: 'Bearer id-1', 'cognito-access-token': 'access-1' });
  });

  it('pages the room list and the history with the cursors the API gave', async () => {
    answer(200, { rooms: [{ roomId: 'r1', name: 'A', role: 'owner' }], nextCursor: 'abc' });
    await expect(api.listRooms()).resolves.toEqual({ rooms: [{ roomId: 'r1', name: 'A', role: 'owner' }], nextCursor: 'abc' });
    await api.listRooms('abc');
    answer(200, { messages: [] });
    await api.history('r1', { limit: 50 });
    await api.history('r1', { limit: 50, before: '01J0000000000000000000000' });
    expect(calls.map((c) => c.url)).toEqual([
      'http://api.test/rooms',
      'http://api.test/rooms?cursor=abc',
      'http://api.test/rooms/r1/messages?limit=50',
      'http://api.test/rooms/r1/messages?limit=50&before=01J0000000000000000000000',
    ]);
  });

  it('encodes ids in paths (Cognito identity ids contain ":")', async () => {
    answer(204);
    await expect(api.putMember('r1', 'us-east-1:0f3c1e6a-1111-2222-3333-444455556666')).resolves.toBeUndefined();
    await api.removeMember('r1', 'bob');
    expect(calls.map((c) => [c.init.method, c.url])).toEqual([
      ['PUT', 'http://api.test/rooms/r1/members/us-east-1%3A0f3c1e6a-1111-2222-3333-444455556666'],
      ['DELETE', 'http://api.test/rooms/r1/members/bob'],
    ]);
    expect(calls[0]?.init.body).toBe('{"role":"member"}');
    expect(calls[1]?.init.body).toBeUndefined();
  });

  it('calls the routes of issue 18 and 22: invite, delete, read positions, jobs and broadcasts, with Idempotency-Keys on writes', async () => {
    answer(201, { member: { userId: 'dana', displayName: 'Dana', role: 'member', online: false } });
    await expect(api.invite('r1', { username: 'dana' })).resolves.toEqual({ member: { userId: 'dana', displayName: 'Dana', role: 'member', online: false } });
    answer(200, { roomId: 'r1', lastRead: { messageId: '01JAAAAAAAAAAAAAAAAAAAAAAA', at: '2030-01-01T00:00:00.000Z' } });
    await api.markRead('r1', '01JAAAAAAAAAAAAAAAAAAAAAAA');
    answer(204);
    await api.deleteRoom('r1');
    answer(200, { jobs: [] });
    await api.jobs();
    answer(200, { broadcasts: [] });
    await api.broadcasts();
    answer(202, { jobId: 'j1', topic: 't' });
    await api.startJob({ kind: 'report', retryOf: 'j0' }, { idempotencyKey: 'retry-j0' });
    answer(201, { roomId: 'r2', name: 'Two' });
    await api.createRoom('Two', { idempotencyKey: 'k-2' });
    expect(calls.map((c) => [c.init.method, c.url, c.init.body])).toEqual([
      ['POST', 'http://api.test/rooms/r1/members', '{"username":"dana"}'],
      ['PUT', 'http://api.test/rooms/r1/read', '{"messageId":"01JAAAAAAAAAAAAAAAAAAAAAAA"}'],
      ['DELETE', 'http://api.test/rooms/r1', undefined],
      ['GET', 'http://api.test/jobs', undefined],
      ['GET', 'http://api.test/broadcasts', undefined],
      ['POST', 'http://api.test/jobs', '{"kind":"report","retryOf":"j0"}'],
      ['POST', 'http://api.test/rooms', '{"name":"Two"}'],
    ]);
    expect((calls[5]!.init.headers as Record<string, string>)['idempotency-key']).toBe('retry-j0');
    expect((calls[6]!.init.headers as Record<string, string>)['idempotency-key']).toBe('k-2');
  });

  it("drops a request still in flight when the session ends, whatever the call's own signal", async () => {
    const session = new AbortController();
    const client = apiClient('http://api.test', async () => 'jwt-1', session.signal);
    let sent = false;
    globalThis.fetch = ((_url: string | URL | Request, init?: RequestInit) => {
      sent = true;
      return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }) as typeof fetch;
    const pending = client.listRooms();
    while (!sent) await new Promise((resolve) => setTimeout(resolve, 1));
    session.abort();
    await expect(pending).rejects.toBeInstanceOf(ApiError);
  });

  it('asks for the token on every call, so a renewed token is used', async () => {
    let token = 'first';
    const client = apiClient('http://api.test', async () => token);
    answer(200, { rooms: [] });
    await client.listRooms();
    token = 'second';
    await client.listRooms();
    expect(calls.map((c) => (c.init.headers as Record<string, string>).authorization)).toEqual(['Bearer first', 'Bearer second']);
  });

  it("turns a refusal into an ApiError with the API's explanation and code", async () => {
    answer(409, { error: 'conflict', message: 'the last owner cannot leave a room that has other members' });
    const error = await api.removeMember('r1', 'alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'conflict', message: 'Not possible: the last owner cannot leave a room that has other members' });
  });

  it('says when to retry after a 429, and keeps Retry-After in seconds', async () => {
    answer(429, { error: 'too_many_requests', message: 'slow down' }, { 'retry-after': '3' });
    await expect(api.postMessage('r1', 'hi')).rejects.toMatchObject({ message: 'Too many requests; try again in 3 s', status: 429, retryAfterSeconds: 3 });
  });

  it('reports a request the caller gave up on (timeout) apart from an unreachable API', async () => {
    globalThis.fetch = (async () => {
      throw new DOMException('The operation timed out.', 'TimeoutError');
    }) as typeof fetch;
    await expect(api.postMessage('r1', 'hi', { signal: AbortSignal.timeout(1) })).rejects.toEqual(new ApiError('The API did not answer in time', 0, 'timeout'));
  });

  it('refuses an answer that is not what the contract says, instead of rendering it', async () => {
    answer(200, { rooms: [{ roomId: 'r1', name: 'A', role: 'admin' }] });
    await expect(api.listRooms()).rejects.toThrow('The API answered /rooms with something this page does not understand');
    answer(200, '<html>proxy page</html>');
    await expect(api.history('r1')).rejects.toThrow('something this page does not understand');
  });

  it('names an unreachable API only while the device is online, and the missing network when it is offline', async () => {
    globalThis.fetch = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(api.listRooms()).rejects.toEqual(new ApiError('The API cannot be reached; is the backend running?', 0, 'unreachable'));
    const navigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { onLine: false }, configurable: true });
    try {
      const error = await api.listRooms().catch((e: unknown) => e);
      expect(error).toEqual(new ApiError('This device is offline: no network', 0, 'offline'));
      expect((error as Error).message).not.toContain('backend');
    } finally {
      if (navigator) Object.defineProperty(globalThis, 'navigator', navigator);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  });

  it('sends the Idempotency-Key of a message, the same on every retry', async () => {
    answer(202, { messageId: 'm1', roomId: 'r1', sentAt: '2030-01-01T00:00:00.000Z' });
    await api.postMessage('r1', 'hi', { idempotencyKey: 'a3f1c1a8-0b55-4b1e-9d33-3b2f0f1f3e11' });
    await api.postMessage('r1', 'hi', { idempotencyKey: 'a3f1c1a8-0b55-4b1e-9d33-3b2f0f1f3e11' });
    expect(calls.map((c) => (c.init.headers as Record<string, string>)['idempotency-key'])).toEqual([
      'a3f1c1a8-0b55-4b1e-9d33-3b2f0f1f3e11',
      'a3f1c1a8-0b55-4b1e-9d33-3b2f0f1f3e11',
    ]);
    await api.listRooms().catch(() => undefined);
    expect(calls.at(-1)?.init.headers).not.toHaveProperty('idempotency-key');
  });
});

describe('retryAfterSeconds', () => {
  it('reads delay-seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterSeconds('7', now)).toBe(7);
    expect(retryAfterSeconds('Tue, 01 Jan 2030 00:00:12 GMT', now)).toBe(12);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});

describe('explainStatus', () => {
  it.each([
    [400, 'Not accepted: bad'],
    [401, 'Your sign-in is no longer valid (bad); sign in again'],
    [403, 'Not allowed: bad'],
    [404, 'Not found: bad'],
    [413, 'Too long: bad'],
    [503, 'The service had a problem (503): bad; try again shortly'],
    [418, 'The request failed (418): bad'],
  ])('explains %i', (status, text) => {
    expect(explainStatus(status, 'bad', null)).toBe(text);
  });

  it('says so when the API gave no explanation', () => {
    expect(explainStatus(500, undefined, null)).toBe('The service had a problem (500): no explanation was given; try again shortly');
    expect(explainStatus(429, undefined, null)).toBe('Too many requests; try again shortly');
  });
});
