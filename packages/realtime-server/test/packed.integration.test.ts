/**
 * The server package as a third party gets it: `npm pack` of packages/realtime-server (prepack builds dist: ESM, type
 * declarations, and the core modules it imports), installed offline into a scratch service in a temporary folder
 * outside the repository (its dependencies from this repository's node_modules by file path, scripts off), checked to
 * stand alone, type-checked against its declarations, and run as a plain Node ESM script that imports the package by
 * name and notifies alice through the local stack's EventBridge bus (and straight through the IoT data plane), with
 * region, credentials and endpoint from the environment as a Lambda has them, while alice's MQTT connection receives
 * it and bob's does not. An invalid notification is refused by the package before any request leaves the process.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { publisherPolicy } from '../../../core/access/service-policies.js';
import type { Notification } from '../../../core/contracts/notifications.js';
import { eventBusName } from '../../../core/event-rules.js';
import { TopicScheme } from '../../../core/topics.js';
import { memoryLogger } from '../../../local/emulator/log.js';
import { LOCAL_DEPLOYMENT } from '../../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../../local/stack.js';
import { apiClient, appSubscriber, appToken } from '../../../test/support/local-api.js';
import { producerPolicy, roleSession } from '../../../test/support/local-roles.js';
import { sleep, type TestClient } from '../../../test/support/mqtt.js';

const run = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');
const NODE_MODULES = join(REPO, 'node_modules');
const PACKAGE = '@iot-realtime/realtime-server';
const DEPENDENCIES = ['@aws-sdk/client-eventbridge', '@aws-sdk/client-iot-data-plane', 'valibot'];

/**
 * What a service writes from the package's README. Region, credentials and endpoint come from the environment
 * (AWS_REGION, AWS_ACCESS_KEY_ID..., AWS_ENDPOINT_URL_EVENTBRIDGE / AWS_ENDPOINT_URL_IOT_DATA_PLANE), as in a Lambda.
 * Prints one JSON line: what was accepted, or the error the package threw.
 */
const SCRIPT = `
import { EventBridgeNotifier, IotNotifier, InvalidNotificationError, NotifyFailedError } from '@iot-realtime/realtime-server';

const [via, userId, text] = process.argv.slice(2);
const notification = { to: { kind: 'user', userId }, type: 'scratch.hello', data: { text } };
try {
  const sent =
    via === 'eventbridge'
      ? await new EventBridgeNotifier({ eventBusName: process.env.EVENT_BUS_NAME, source: 'com.example.scratch', retryDelayMs: 10 }).notify(notification)
      : await new IotNotifier({ app: process.env.APP, stage: process.env.STAGE, source: 'com.example.scratch' }).notify(notification);
  console.log(JSON.stringify({ sent }));
} catch (error) {
  console.log(JSON.stringify({
    error: {
      name: error.name,
      invalid: error instanceof InvalidNotificationError,
      failed: error instanceof NotifyFailedError,
      problems: error.problems,
      code: error.code,
    },
  }));
}
`;

/** A TypeScript service against the installed declarations (strict, NodeNext, libraries checked too). */
const TYPED = `
import { EventBridgeNotifier, IotNotifier, InvalidNotificationError, NotifyFailedError, NOTIFICATION_DETAIL_TYPE, type NotificationRecipient, type ReceivedNotification } from '@iot-realtime/realtime-server';

// Declared as the README does: an interface.
interface BillingNotifications { 'invoice.ready': { invoiceId: string; total: number }; maintenance: null }

const notifier = new EventBridgeNotifier<BillingNotifications>({ eventBusName: 'app-prod-events', source: 'com.example.billing' });
const direct = new IotNotifier<BillingNotifications>({ app: 'app', stage: 'prod', source: 'com.example.billing' });

export async function send(): Promise<string> {
  const { eventId } = await notifier.notify({ to: { kind: 'user', userId: 'alice' }, type: 'invoice.ready', data: { invoiceId: 'i-1', total: 1 } });
  // The expectations below hold only if the declarations resolve (core's types included): were any of them missing,
  // the types would be any and these directives unused, which is an error.
  // @ts-expect-error: data of another type
  await notifier.notify({ to: { kind: 'user', userId: 'alice' }, type: 'invoice.ready', data: { invoiceId: 1 } });
  // @ts-expect-error: a recipient kind core's contract does not know
  await notifier.notify({ to: { kind: 'team', teamId: 't' }, type: 'maintenance', data: null });
  // @ts-expect-error: IotNotifier notifies one user
  await direct.notify({ to: { kind: 'everyone' }, type: 'maintenance', data: null });
  const { topic }: { topic: string } = await direct.notify({ to: { kind: 'user', userId: 'alice' }, type: 'maintenance', data: null });
  return eventId + topic;
}
export const detailType: string = NOTIFICATION_DETAIL_TYPE;
export const audience = (n: ReceivedNotification<BillingNotifications>): NotificationRecipient['kind'] => n.audience;
export const reason = (e: unknown): readonly string[] => (e instanceof InvalidNotificationError ? e.problems : e instanceof NotifyFailedError ? [e.code] : []);
`;

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const { region } = LOCAL_DEPLOYMENT;
let dir: string;
let app: string;
let stack: LocalStack;
const api = apiClient(() => stack);
const open: TestClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'server-package-'));
  app = join(dir, 'app');
  const install = async () => {
    // npm pack (prepack builds dist).
    await run('npm', ['pack', '-w', PACKAGE, '--pack-destination', dir], { cwd: REPO, timeout: 120_000 });
    const [tarball] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball to ${dir}`);
    // A scratch service installs it offline; its dependencies (and @types/node) come from this repository by file path.
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-service', private: true, type: 'module' }));
    const deps = [...DEPENDENCIES, '@types/node'].map((d) => `file:${join(NODE_MODULES, d)}`);
    await run('npm', ['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir, tarball), ...deps], { cwd: app, timeout: 120_000 });
    return tarball;
  };
  [stack] = await Promise.all([
    startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [], logger: memoryLogger(), functionLogLevel: 'SILENT' }),
    install(),
  ]);
}, 180_000);
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => {
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const installed = () => join(app, 'node_modules', PACKAGE);

/** Every module specifier in a built file (static and dynamic imports, re-exports). */
function specifiers(source: string): string[] {
  return [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** A user's MQTT connection with credentials from POST /credentials, subscribed to their own subtree and broadcast. */
async function subscriber(userId: string): Promise<TestClient> {
  const { client } = await appSubscriber(stack, api, await appToken(api, userId));
  open.push(client);
  await client.client.subscribeAsync([topics.userFilter(userId), topics.broadcast()], { qos: 1 });
  return client;
}

interface ScriptResult {
  sent?: { eventId: string; topic?: string };
  error?: { name: string; invalid: boolean; failed: boolean; problems?: string[]; code?: string };
}

/** `node notify.mjs <via> <userId> <text>` in the scratch service, with only this environment (no host AWS config). */
async function notifyFromScratch(
  args: [via: 'eventbridge' | 'iot', userId: string, text: string],
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string },
  endpoint: string,
): Promise<ScriptResult> {
  writeFileSync(join(app, 'notify.mjs'), SCRIPT);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: app,
    AWS_CONFIG_FILE: join(app, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(app, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoint,
    AWS_ENDPOINT_URL_IOT_DATA_PLANE: endpoint,
    EVENT_BUS_NAME: eventBusName(LOCAL_DEPLOYMENT),
    APP: LOCAL_DEPLOYMENT.app,
    STAGE: LOCAL_DEPLOYMENT.stage,
  };
  const { stdout } = await run(process.execPath, ['notify.mjs', ...args], { cwd: app, env, timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ScriptResult;
}

const isNotification = (m: { payload: string }) => (JSON.parse(m.payload) as { type?: unknown }).type === 'notification';
const notificationsOf = (client: TestClient) => client.messages.filter(isNotification);

describe(`${PACKAGE} from npm pack, in a scratch service outside the repository`, () => {
  it('ships built ESM, declarations and the core modules it imports, no sources; every import stays inside it or is a declared dependency', () => {
    const root = installed();
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      private?: boolean;
      exports: Record<string, unknown>;
      dependencies: Record<string, string>;
    };
    expect(manifest.private).toBeUndefined();
    expect(manifest.exports['.']).toEqual({
      'iot-realtime-source': './src/index.ts',
      types: './dist/packages/realtime-server/src/index.d.ts',
      import: './dist/packages/realtime-server/src/index.js',
    });
    expect(Object.keys(manifest.dependencies).sort()).toEqual(DEPENDENCIES);
    // The source condition points at files that are not shipped: only this repository's tools ask for it.
    expect(existsSync(join(root, 'src'))).toBe(false);
    for (const core of ['core/contracts/notifications', 'core/contracts/validate', 'core/notifications', 'core/topics', 'core/ids']) {
      expect(existsSync(join(root, 'dist', `${core}.js`))).toBe(true);
      expect(existsSync(join(root, 'dist', `${core}.d.ts`))).toBe(true);
    }
    const built = filesUnder(join(root, 'dist')).filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'));
    expect(built.length).toBeGreaterThan(20);
    const outside: string[] = [];
    for (const file of built) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), file.endsWith('.d.ts') ? specifier.replace(/\.js$/, '.d.ts') : specifier);
          if (relative(root, target).startsWith('..') || !existsSync(target)) outside.push(`${relative(root, file)}: ${specifier}`);
        } else if (!specifier.startsWith('node:')) {
          const name = specifier
            .split('/')
            .slice(0, specifier.startsWith('@') ? 2 : 1)
            .join('/');
          if (!(name in manifest.dependencies)) outside.push(`${relative(root, file)}: ${specifier} (not a dependency)`);
        }
      }
    }
    expect(outside).toEqual([]);
  });

  it('type-checks a TypeScript service against its declarations (strict, NodeNext, skipLibCheck off)', async () => {
    writeFileSync(join(app, 'typed.ts'), TYPED);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          lib: ['ES2023'],
          types: ['node'],
          skipLibCheck: false,
        },
        files: ['typed.ts'],
      }),
    );
    await expect(run(join(NODE_MODULES, '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: app, timeout: 60_000 })).resolves.toBeDefined();
  }, 60_000);

  it('a Node script notifies alice through the EventBridge bus with a producer role; alice receives it, bob does not', async () => {
    const [alice, bob] = await Promise.all([subscriber('alice'), subscriber('bob')]);
    const producer = roleSession(stack, 'scratch-producer', [producerPolicy(stack)]);
    const result = await notifyFromScratch(['eventbridge', 'alice', 'invoice ready'], producer, stack.emulator.url);
    expect(result.error).toBeUndefined();
    const eventId = result.sent!.eventId;
    const received = JSON.parse((await alice.next(topics.userNotifications('alice'), 5000, isNotification)).payload) as Notification;
    expect(received).toEqual({
      type: 'notification',
      eventId,
      source: 'com.example.scratch',
      notification: { type: 'scratch.hello', data: { text: 'invoice ready' } },
      sentAt: expect.stringMatching(/Z$/),
      audience: 'user',
    });
    await sleep(300);
    expect(notificationsOf(alice)).toEqual([]);
    expect(notificationsOf(bob)).toEqual([]);
  }, 30_000);

  it('a Node script notifies alice straight through the IoT data plane with a publish grant on notifications topics', async () => {
    const alice = await subscriber('alice');
    const publisher = roleSession(stack, 'scratch-publisher', [
      { name: 'publish-notifications', document: publisherPolicy(LOCAL_DEPLOYMENT, 'notifications') },
    ]);
    const result = await notifyFromScratch(['iot', 'alice', 'report ready'], publisher, stack.emulator.url);
    expect(result.error).toBeUndefined();
    expect(result.sent!.topic).toBe(topics.userNotifications('alice'));
    const received = JSON.parse((await alice.next(topics.userNotifications('alice'), 5000, isNotification)).payload) as Notification;
    expect(received).toMatchObject({
      eventId: result.sent!.eventId,
      source: 'com.example.scratch',
      audience: 'user',
      notification: { type: 'scratch.hello', data: { text: 'report ready' } },
    });
  }, 30_000);

  it('refuses an invalid notification with InvalidNotificationError before any request; a valid one does reach the endpoint', async () => {
    // An endpoint that records every request and refuses it as EventBridge refuses a caller without the grant
    // (awsJson1_1 error shape: __type and message; status 400).
    const requests: string[] = [];
    const recorder: Server = createServer((req, res) => {
      requests.push(`${req.method} ${req.headers['x-amz-target'] ?? req.url}`);
      req.resume();
      res
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ __type: 'AccessDeniedException', message: 'recorded, not served' }));
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', () => r()));
    try {
      const endpoint = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
      const anyKeys = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', sessionToken: 'token' };
      // "a/b" is no user id (core/ids.ts): a `/` would open another topic level.
      const invalid = await notifyFromScratch(['eventbridge', 'a/b', 'x'], anyKeys, endpoint);
      expect(invalid.error).toEqual({
        name: 'InvalidNotificationError',
        invalid: true,
        failed: false,
        problems: [expect.stringContaining('"to.userId" must be a user id')],
      });
      expect(requests).toEqual([]);
      // The same script, a valid notification, the same endpoint: the request is made (and refused), so the empty
      // record above means the package refused before sending, not that nothing could reach the recorder.
      const valid = await notifyFromScratch(['eventbridge', 'alice', 'x'], anyKeys, endpoint);
      expect(valid.error).toMatchObject({ name: 'NotifyFailedError', failed: true, code: 'AccessDeniedException' });
      expect(requests).toEqual(['POST AWSEvents.PutEvents']);
    } finally {
      recorder.close();
    }
  }, 30_000);
});
