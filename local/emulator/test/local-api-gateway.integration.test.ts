/**
 * The local HTTP API (local/api/gateway.ts) next to the developer's browser: a request from an origin that is not
 * configured never reaches a function or a dev route; bad input is a 400 with a message, never a 404 or 500.
 * (Here rather than beside gateway.ts: this engineer's area is the emulator and that one file of local/api.)
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type RunningApi, startLocalApi } from '../../api/gateway.js';
import { createLocalTokenIssuer } from '../../api/token-issuer.js';
import { memoryLogger } from '../log.js';

const WEB_ORIGIN = 'http://127.0.0.1:5173';
let api: RunningApi;
const calls: APIGatewayProxyEventV2[] = [];

beforeAll(async () => {
  const app = await createLocalTokenIssuer('http://127.0.0.1:9/issuer', 'test-audience');
  api = await startLocalApi({
    host: '127.0.0.1',
    port: 0,
    corsOrigins: [WEB_ORIGIN],
    logger: memoryLogger(),
    issuers: { app, cognitoIdToken: async () => 'unused' },
    routes: [
      {
        method: 'GET',
        path: '/rooms/{roomId}',
        functionName: 'rooms',
        handler: async (event) => {
          calls.push(event);
          return { statusCode: 200, body: JSON.stringify({ roomId: event.pathParameters?.roomId }) };
        },
      },
    ],
  });
});
beforeEach(() => {
  calls.splice(0);
});
afterAll(async () => api.close());

describe('local API: browser origins', () => {
  it('refuses a request from another origin with 403 before the function or a dev route runs', async () => {
    const evil = await fetch(`${api.url}/rooms/general`, { headers: { origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(
      (
        await fetch(`${api.url}/dev/token`, {
          method: 'POST',
          headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
          body: '{"sub":"alice"}',
        })
      ).status,
    ).toBe(403);
    expect(calls).toEqual([]);
  });

  it('serves the configured origin with CORS naming it, and a client without Origin without CORS', async () => {
    const web = await fetch(`${api.url}/rooms/general`, { headers: { origin: WEB_ORIGIN } });
    expect(web.status).toBe(200);
    expect(web.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    const tool = await fetch(`${api.url}/rooms/general`);
    expect(tool.status).toBe(200);
    expect(tool.headers.get('access-control-allow-origin')).toBeNull();
    expect(calls).toHaveLength(2);
  });
});

describe('local API: bad input', () => {
  it('answers a path parameter that is not valid percent-encoding with 400 and a message (not 404)', async () => {
    const response = await fetch(`${api.url}/rooms/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/not valid percent-encoding/);
    expect(calls).toEqual([]);
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
});
