/**
 * The client package as a third party gets it: `npm pack` of packages/realtime-client, installed into a scratch app in
 * a temporary folder (offline: its dependencies and the SDK from this repository's node_modules by file path, scripts
 * off), type-checked against the package's .d.ts and `exports` map, bundled with esbuild with no bundler settings (no
 * `define`, no alias), and run in Chromium against the local stack: it gets credentials from POST /credentials,
 * connects, and receives a live room message and a notification, each once.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { NOTIFICATION_DETAIL_TYPE } from '../../core/contracts/notifications.js';
import { eventBusName } from '../../core/event-rules.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, appToken } from '../../test/support/local-api.js';
import { launchChromium } from './browser.js';
import { apiUser } from './stack.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../..');
const NODE_MODULES = join(REPO, 'node_modules');

/** What a developer writes from the package's README: no app topics, no bundler settings. */
const APP = `
import { CustomCredentialSource, RealtimeClient, RefreshingCredentials, routeIotWebSockets, sdkTransport } from '@iot-realtime/realtime-client';

const params = new URLSearchParams(location.search);
const received = [];
window.received = received;
const source = new CustomCredentialSource(params.get('api'), async () => params.get('token'));
const credentials = new RefreshingCredentials(source);
await credentials.refresh();
const session = source.session;
routeIotWebSockets(session.iotEndpoint, params.get('mqtt'));
const client = new RealtimeClient({
  endpoint: session.iotEndpoint,
  clientId: session.clientId,
  credentials,
  transport: sdkTransport,
  // The app's payloads: room messages carry messageId, notifications eventId.
  dedupKey: (_topic, json) => json?.messageId ?? json?.eventId,
});
client.on('json', ({ topic, json }) => {
  received.push({ topic, json });
  const li = document.createElement('li');
  li.textContent = JSON.stringify(json);
  document.getElementById('log').append(li);
});
await client.connect();
for (const filter of session.topics.subscribe) await client.subscribe(filter);
document.body.dataset.ready = 'true';
`;

/** The same in TypeScript, checked against the installed package's declarations. */
const TYPED = `
import { RealtimeClient, RefreshingCredentials, CustomCredentialSource, sdkTransport, UnsupportedEnvironmentError, type StateChange } from '@iot-realtime/realtime-client';
const source = new CustomCredentialSource('http://127.0.0.1:4511', () => 'token');
const credentials = new RefreshingCredentials(source, { onRefreshFailed: (error: unknown, retryInMs: number | undefined) => void [error, retryInMs] });
const client = new RealtimeClient({ endpoint: 'localhost', clientId: 'app.local.alice', credentials, transport: sdkTransport });
client.on('state', (change: StateChange) => void change.state);
export const unsupported: Error = new UnsupportedEnvironmentError('x');
`;

let dir: string;
let server: Server;
let origin: string;
let stack: LocalStack;
let browser: Browser;
const files = new Map<string, { type: string; body: Buffer }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'client-package-'));
  // The page's own origin, known before the stack starts: the stack allows it (LOCAL_CORS_ORIGINS does this for npm start).
  server = createServer((req, res) => {
    const file = files.get((req.url ?? '/').split('?')[0]!);
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type }).end(file.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  [stack, browser] = await Promise.all([
    startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [origin], logger: memoryLogger(), functionLogLevel: 'SILENT', jobRetryDelayMs: 200 }),
    launchChromium(),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('@iot-realtime/realtime-client from npm pack', () => {
  it('packs, installs offline into a scratch app, type-checks, bundles without settings and receives live messages in Chromium', async () => {
    // 1. npm pack (prepack builds dist: ESM + .d.ts).
    await run('npm', ['pack', '-w', '@iot-realtime/realtime-client', '--pack-destination', dir], { cwd: REPO, timeout: 120_000 });
    const [tarball] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^iot-realtime-realtime-client-\d+\.\d+\.\d+\.tgz$/);

    // 2. A scratch app installs it, offline; its dependencies and peers come from this repository by file path.
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true, type: 'module' }));
    const deps = ['buffer', 'events', 'util', 'aws-crt', 'aws-iot-device-sdk-v2'].map((d) => `file:${join(NODE_MODULES, d)}`);
    await run('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, tarball!), ...deps], { cwd: app, timeout: 120_000 });
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/@iot-realtime/realtime-client/package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    expect(readdirSync(join(app, 'node_modules/@iot-realtime/realtime-client'))).not.toContain('src');
    expect(installed.exports['.']).toMatchObject({ types: './dist/index.d.ts', import: './dist/index.js' });

    // 3. Its declarations type-check a TypeScript consumer (strict, bundler resolution).
    writeFileSync(join(app, 'typed.ts'), TYPED);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'ESNext',
          moduleResolution: 'Bundler',
          target: 'ES2022',
          lib: ['ES2023', 'DOM'],
          types: [],
          skipLibCheck: true,
        },
        files: ['typed.ts'],
      }),
    );
    await run(join(NODE_MODULES, '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: app, timeout: 60_000 });

    // 4. Bundled for the browser as is: no define, no alias, no polyfill plugin.
    writeFileSync(join(app, 'app.js'), APP);
    const bundled = await build({
      absWorkingDir: app,
      entryPoints: ['app.js'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
    });
    files.set('/app.js', { type: 'text/javascript', body: Buffer.from(bundled.outputFiles[0]!.text) });
    files.set('/', {
      type: 'text/html',
      body: Buffer.from(
        '<!doctype html><html lang="en"><title>scratch</title><link rel="icon" href="data:,"><ul id="log"></ul><script type="module" src="/app.js"></script></html>',
      ),
    });

    // 5. In Chromium, against the local stack: alice signs in, connects, subscribes.
    const api = apiClient(() => stack);
    const token = await appToken(api, 'alice');
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const query = new URLSearchParams({ api: stack.api.url, token, mqtt: stack.emulator.mqttUrl });
    await page.goto(`${origin}/?${query}`);
    await page.waitForSelector('body[data-ready=true]', { state: 'attached', timeout: 20_000 });

    // 6. A live room message (bob posts in general) and a notification through the bus, each once.
    const messageId = await (await apiUser(stack, 'bob')).post('general', 'hello from bob');
    const put = await new EventBridgeClient({ region: LOCAL_DEPLOYMENT.region, endpoint: stack.emulator.url, credentials: LOCAL_ADMIN_CREDENTIALS }).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBusName(LOCAL_DEPLOYMENT),
            Source: 'com.example.scratch',
            DetailType: NOTIFICATION_DETAIL_TYPE,
            Detail: JSON.stringify({ to: { kind: 'user', userId: 'alice' }, type: 'hello', data: { text: 'hi' } }),
          },
        ],
      }),
    );
    const eventId = put.Entries![0]!.EventId!;
    await page.waitForFunction(
      ([m, e]) => {
        const got = (window as unknown as { received: Array<{ json: { messageId?: string; eventId?: string } }> }).received;
        return got.some((r) => r.json.messageId === m) && got.some((r) => r.json.eventId === e);
      },
      [messageId, eventId],
      { timeout: 10_000 },
    );
    await page.waitForTimeout(300);
    const received = await page.evaluate(() => (window as unknown as { received: Array<{ topic: string; json: Record<string, unknown> }> }).received);
    const ofInterest = received.filter((r) => r.json.messageId === messageId || r.json.eventId === eventId);
    expect(ofInterest.map((r) => r.topic).sort()).toEqual(['iot-realtime/local/users/alice/notifications', 'iot-realtime/local/users/alice/rooms/general']);
    expect(errors).toEqual([]);
    await context.close();
  }, 240_000);
});
