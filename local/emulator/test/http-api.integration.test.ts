/**
 * The emulator's API Gateway HTTP API with real functions behind it ("Working with HTTP APIs"): routes (the most
 * specific wins), Lambda proxy integrations with payload format 2.0, the function's resource-based policy, CORS
 * answered by API Gateway itself, stage throttling, integration errors and timeouts. And what the old local gateway
 * was held to, next to the developer's browser: a request from an origin that is not configured never reaches a
 * function or a local route; bad input is a 400 with a message, never a 404 or 500.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { createTestFunction } from '../../../test/support/function-package.js';
import type { HttpApiService } from '../services/apigateway/http-api.js';

const WEB_ORIGIN = 'http://127.0.0.1:5173';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

let emulator: TestEmulator;
let api: HttpApiService;
let apiId: string;
const localRouteCalls: string[] = [];

/** A function behind the API: it logs each event it gets (the test reads them from the emulator's log), then runs `body`. */
function apiFunction(name: string, body: string, options: { permission?: 'this-api' | 'other-api' | 'none'; timeoutSeconds?: number } = {}): string {
  createTestFunction(emulator, name, `export const handler = async (event) => { console.log(JSON.stringify({ event })); ${body} };`, {
    timeoutSeconds: options.timeoutSeconds ?? 3,
  });
  const permission = options.permission ?? 'this-api';
  if (permission !== 'none')
    emulator.lambda.addPermission(name, {
      statementId: 'AllowHttpApiInvoke',
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      sourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${permission === 'this-api' ? apiId : 'otherapi1'}/*/*`,
    });
  return emulator.lambda.getFunction(name)!.functionArn;
}

/** The events a function received. */
const eventsOf = (name: string) =>
  emulator.logs
    .filter((e) => typeof e.message === 'string' && e.message.startsWith(`${name}: {"event"`))
    .map((e) => (JSON.parse((e.message as string).slice(name.length + 2)) as { event: Record<string, unknown> }).event);

/** The next event a function receives after `before` events: its log line may reach the emulator after the response. */
async function nextEvent(name: string, before: number): Promise<Record<string, unknown>> {
  const end = Date.now() + 5000;
  while (eventsOf(name).length <= before) {
    if (Date.now() > end) throw new Error(`${name} logged no event`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return eventsOf(name)[before]!;
}

function route(routeKey: string, functionArn: string, timeoutMs?: number): void {
  const integration = api.createIntegration(apiId, {
    integrationType: 'AWS_PROXY',
    integrationUri: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${functionArn}/invocations`,
    payloadFormatVersion: '2.0',
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  api.createRoute(apiId, { routeKey, target: `integrations/${integration.id}` });
}

beforeAll(async () => {
  emulator = await startTestEmulator({ httpApi: { port: 0, allowedBrowserOrigins: [WEB_ORIGIN] } });
  api = emulator.httpApi!;
  apiId = api.createApi({
    name: 'test-api',
    protocolType: 'HTTP',
    cors: {
      allowOrigins: [WEB_ORIGIN],
      allowMethods: ['GET', 'POST'],
      allowHeaders: ['authorization', 'content-type'],
      exposeHeaders: ['x-request-id'],
      maxAgeSeconds: 600,
    },
  }).id;
  api.createStage(apiId, { name: '$default' });
  const room = apiFunction(
    'room',
    `return { statusCode: 200, headers: { 'x-request-id': 'r1', 'access-control-allow-origin': '*' }, body: JSON.stringify({ roomId: event.pathParameters.roomId }) };`,
  );
  const general = apiFunction('general', `return { statusCode: 200, body: 'the general room' };`);
  const proxy = apiFunction('proxy', `return { statusCode: 200, body: event.pathParameters.proxy };`);
  const echo = apiFunction(
    'echo',
    `return { statusCode: 201, headers: { 'content-type': 'text/plain' }, cookies: ['a=1', 'b=2'], body: Buffer.from('binary ok').toString('base64'), isBase64Encoded: true };`,
  );
  const plain = apiFunction('plain', `return { hello: 'world' };`);
  const fails = apiFunction('fails', `throw new Error('database down');`);
  const slow = apiFunction('slow', `await new Promise((r) => setTimeout(r, 1500)); return { statusCode: 200, body: 'late' };`);
  const malformed = apiFunction('malformed', `return { statusCode: 200, body: { not: 'a string' } };`);
  const unpermitted = apiFunction('unpermitted', `return { statusCode: 200, body: 'should not run' };`, { permission: 'none' });
  const otherApi = apiFunction('other-api', `return { statusCode: 200, body: 'should not run' };`, { permission: 'other-api' });
  route('GET /rooms/{roomId}', room);
  route('GET /rooms/general', general);
  route('ANY /files/{proxy+}', proxy);
  route('POST /echo', echo);
  route('GET /plain', plain);
  route('GET /fail', fails);
  route('GET /slow', slow, 200);
  route('GET /malformed', malformed);
  route('GET /unpermitted', unpermitted);
  route('GET /other-api', otherApi);
  api.setLocalRoutes(async (method, path, _body, _req, res) => {
    if (!path.startsWith('/dev/')) return false;
    localRouteCalls.push(`${method} ${path}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"token":"t"}');
    return true;
  });
});
afterAll(async () => emulator.close());
beforeEach(() => {
  localRouteCalls.length = 0;
});

const invocations = (name: string) => emulator.lambda.stats(name).invocations;

describe('HTTP API: browser origins (local, stricter than API Gateway)', () => {
  it('refuses a request from another origin with 403 before the function or a local route runs', async () => {
    const before = invocations('room');
    const evil = await fetch(`${api.url}/rooms/lobby`, { headers: { origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const dev = await fetch(`${api.url}/dev/token`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
      body: '{"sub":"alice"}',
    });
    expect(dev.status).toBe(403);
    const preflight = await fetch(`${api.url}/rooms/lobby`, { method: 'OPTIONS', headers: { origin: 'null', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(403);
    expect(localRouteCalls).toEqual([]);
    expect(invocations('room')).toBe(before);
  });

  it('serves the configured origin with CORS naming it, and a client without Origin without CORS', async () => {
    const before = invocations('room');
    const web = await fetch(`${api.url}/rooms/lobby`, { headers: { origin: WEB_ORIGIN } });
    expect(web.status).toBe(200);
    expect(web.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(web.headers.get('access-control-expose-headers')).toBe('x-request-id');
    const tool = await fetch(`${api.url}/rooms/lobby`);
    expect(tool.status).toBe(200);
    expect(tool.headers.get('access-control-allow-origin')).toBeNull();
    expect(invocations('room') - before).toBe(2);
    expect((await fetch(`${api.url}/dev/token`, { method: 'POST', headers: { origin: WEB_ORIGIN } })).status).toBe(200);
    expect(localRouteCalls).toEqual(['POST /dev/token']);
  });

  it("ignores the function's own CORS headers: API Gateway's configuration decides", async () => {
    // "If you configure CORS for an API, API Gateway ignores CORS headers returned from your backend integration."
    const tool = await fetch(`${api.url}/rooms/lobby`);
    expect(tool.headers.get('access-control-allow-origin')).toBeNull();
    expect(tool.headers.get('x-request-id')).toBe('r1');
    const web = await fetch(`${api.url}/rooms/lobby`, { headers: { origin: WEB_ORIGIN } });
    expect(web.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
  });

  it('answers a preflight itself, without invoking the function', async () => {
    const before = invocations('echo');
    const preflight = await fetch(`${api.url}/echo`, {
      method: 'OPTIONS',
      headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries([...preflight.headers].filter(([k]) => k.startsWith('access-control-')))).toEqual({
      'access-control-allow-origin': WEB_ORIGIN,
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'authorization,content-type',
      'access-control-expose-headers': 'x-request-id',
      'access-control-max-age': '600',
    });
    expect(invocations('echo')).toBe(before);
  });
});

describe('HTTP API: bad input', () => {
  it('answers a path parameter that is not valid percent-encoding with 400 and a message (not 404)', async () => {
    const before = invocations('room');
    const response = await fetch(`${api.url}/rooms/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/not valid percent-encoding/);
    expect(invocations('room')).toBe(before);
  });

  it('passes prototype keys through as plain values', async () => {
    const response = await fetch(`${api.url}/rooms/__proto__`);
    expect(await response.json()).toEqual({ roomId: '__proto__' });
  });

  it('answers a request target that is not a valid URL with 400, and keeps serving', async () => {
    const { port } = new URL(api.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET http://[bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let out = '';
      socket.on('data', (d: Buffer) => {
        out += d.toString();
      });
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('the request target is not a valid URL');
    const ok = await new Promise<number>((resolve) => request(`${api.url}/rooms/x`, (res) => resolve(res.statusCode ?? 0)).end());
    expect(ok).toBe(200);
  });

  it('refuses a body over the local limit with 413, invoking nothing', async () => {
    const before = invocations('echo');
    const response = await fetch(`${api.url}/echo`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(response.status).toBe(413);
    expect(invocations('echo')).toBe(before);
  });
});

describe('HTTP API: routes', () => {
  it('prefers the most specific route: a static segment before a path variable', async () => {
    expect(await (await fetch(`${api.url}/rooms/general`)).text()).toBe('the general room');
    expect(await (await fetch(`${api.url}/rooms/kitchen`)).json()).toEqual({ roomId: 'kitchen' });
  });

  it('matches a greedy path variable for any method of an ANY route, but not for nothing', async () => {
    expect(await (await fetch(`${api.url}/files/a/b/c.txt`)).text()).toBe('a/b/c.txt');
    expect(await (await fetch(`${api.url}/files/x`, { method: 'DELETE' })).text()).toBe('x');
    expect((await fetch(`${api.url}/files/`)).status).toBe(404);
  });

  it('answers a path or method without a route with 404 {"message":"Not Found"}', async () => {
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['POST', '/rooms/general'],
      ['GET', '/rooms/general/extra'],
      ['GET', '/echo'],
    ] as const) {
      const response = await fetch(`${api.url}${path}`, { method });
      expect([method, path, response.status]).toEqual([method, path, 404]);
      expect(await response.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('refuses route keys that are not METHOD /path or $default, and a second route with one key', () => {
    const arn = emulator.lambda.getFunction('room')!.functionArn;
    expect(() => route('FETCH /x', arn)).toThrow(/is not METHOD \/path or \$default/);
    expect(() => route('GET /rooms/{roomId}', arn)).toThrow(/already exists/);
    expect(() => api.createRoute(apiId, { routeKey: 'GET /y', target: 'integrations/nope' })).toThrow(/not an integration of the API/);
  });
});

describe('HTTP API: Lambda proxy integration, payload format 2.0', () => {
  it('hands the function the 2.0 event: route, raw path and query, headers, cookies, path parameters, body', async () => {
    const echoes = eventsOf('echo').length;
    await fetch(`${api.url}/echo?a=1&a=2&b=x%20y`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', cookie: 'session=abc; theme=dark', 'x-custom': 'yes' },
      body: new Uint8Array([0, 1, 2, 255]),
    });
    const event = await nextEvent('echo', echoes);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo',
      rawPath: '/echo',
      rawQueryString: 'a=1&a=2&b=x%20y',
      queryStringParameters: { a: '1,2', b: 'x y' },
      cookies: ['session=abc', 'theme=dark'],
      headers: expect.objectContaining({ 'x-custom': 'yes', 'content-type': 'application/octet-stream' }),
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      isBase64Encoded: true,
      requestContext: expect.objectContaining({
        accountId: ACCOUNT,
        apiId,
        routeKey: 'POST /echo',
        stage: '$default',
        http: expect.objectContaining({ method: 'POST', path: '/echo', sourceIp: '127.0.0.1' }),
      }),
    });
    expect((event.headers as Record<string, string>).cookie).toBeUndefined();
    const rooms = eventsOf('room').length;
    await fetch(`${api.url}/rooms/caf%C3%A9`);
    expect(await nextEvent('room', rooms)).toMatchObject({ routeKey: 'GET /rooms/{roomId}', pathParameters: { roomId: 'café' }, isBase64Encoded: false });
  });

  it("maps the function's result to the response: status, headers, cookies, base64 body", async () => {
    const response = await fetch(`${api.url}/echo`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.text()).toBe('binary ok');
  });

  it('treats a result without statusCode as a 200 JSON body', async () => {
    const response = await fetch(`${api.url}/plain`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it.each([
    ['the function fails', '/fail', 'fails'],
    ['the function returns a malformed response', '/malformed', 'malformed'],
  ])('answers 500 {"message":"Internal Server Error"} when %s, and keeps serving', async (_name, path, fn) => {
    const response = await fetch(`${api.url}${path}`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(invocations(fn)).toBeGreaterThan(0);
    expect((await fetch(`${api.url}/plain`)).status).toBe(200);
  });

  it('logs why the function failed, which the 500 answer never says', async () => {
    const response = await fetch(`${api.url}/fail`);
    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('database down');
    const logged = emulator.logs.filter((e) => e.message === 'HTTP API integration failed: function error: Error: database down');
    expect(logged.length).toBeGreaterThan(0);
  });

  it('answers 503 {"message":"Service Unavailable"} when the function outlasts the integration timeout', async () => {
    const started = Date.now();
    const response = await fetch(`${api.url}/slow`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: 'Service Unavailable' });
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it.each([
    ['the function has no resource-based policy', '/unpermitted', 'unpermitted'],
    ['its policy names another API', '/other-api', 'other-api'],
  ])('answers 500 without running the function when %s', async (_name, path, fn) => {
    const before = emulator.denials().length;
    const response = await fetch(`${api.url}${path}`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(invocations(fn)).toBe(0);
    expect(emulator.denials().slice(before)).toEqual([expect.objectContaining({ service: 'lambda', action: 'lambda:InvokeFunction' })]);
  });

  it('refuses integrations it does not emulate', () => {
    const uri = `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:${REGION}:${ACCOUNT}:function:room/invocations`;
    expect(() => api.createIntegration(apiId, { integrationType: 'HTTP_PROXY', integrationUri: 'https://example.com', payloadFormatVersion: '2.0' })).toThrow(
      /not emulated/,
    );
    expect(() => api.createIntegration(apiId, { integrationType: 'AWS_PROXY', integrationUri: uri, payloadFormatVersion: '1.0' })).toThrow(
      /payload format 1.0 is not emulated/,
    );
    expect(() => api.createIntegration(apiId, { integrationType: 'AWS_PROXY', integrationUri: uri, payloadFormatVersion: '2.0', timeoutMs: 30_001 })).toThrow(
      /50-30000/,
    );
    expect(() => api.createApi({ name: 'second', protocolType: 'HTTP' })).toThrow(/serves one HTTP API/);
    expect(() => api.createStage(apiId, { name: 'prod' })).toThrow(/only the \$default stage/);
  });
});

describe('HTTP API: stage throttling', () => {
  let throttled: TestEmulator;
  beforeAll(async () => {
    throttled = await startTestEmulator({ httpApi: { port: 0 } });
    const service = throttled.httpApi!;
    const id = service.createApi({ name: 'throttled', protocolType: 'HTTP' }).id;
    service.createStage(id, { name: '$default', throttle: { burstLimit: 3, rateLimit: 0.5 } });
    createTestFunction(throttled, 'ok', 'export const handler = async () => ({ statusCode: 200, body: "ok" });');
    throttled.lambda.addPermission('ok', {
      statementId: 'api',
      action: 'lambda:InvokeFunction',
      principal: 'apigateway.amazonaws.com',
      sourceArn: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${id}/*/*`,
    });
    const integration = service.createIntegration(id, {
      integrationType: 'AWS_PROXY',
      integrationUri: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${throttled.lambda.getFunction('ok')!.functionArn}/invocations`,
      payloadFormatVersion: '2.0',
    });
    service.createRoute(id, { routeKey: 'GET /ok', target: `integrations/${integration.id}` });
  });
  afterAll(async () => throttled.close());

  it('answers 429 {"message":"Too Many Requests"} past the burst, without invoking, and serves again as tokens refill', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${throttled.httpApi!.url}/ok`)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    expect(throttled.lambda.stats('ok').invocations).toBe(3);
    const limited = await fetch(`${throttled.httpApi!.url}/ok`);
    expect(await limited.json()).toEqual({ message: 'Too Many Requests' });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await fetch(`${throttled.httpApi!.url}/ok`)).status).toBe(200);
    // An unknown route is a 404 whatever the bucket holds.
    expect((await fetch(`${throttled.httpApi!.url}/missing`)).status).toBe(404);
  });
});
