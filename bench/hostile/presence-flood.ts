/**
 * A connection flood against the local stack: how long the presence work it causes takes to drain, and how long
 * stack.close() (Ctrl-C in `npm start`) takes in the middle of one. One user (or BENCH_FLOOD_USERS) connects and
 * disconnects BENCH_FLOOD_CONNECTS times over BENCH_FLOOD_PARALLEL tab client ids at once (each connect and each
 * disconnect is a lifecycle event: the presence rule sends each to the presence-events queue, whose event source
 * mapping hands them to the presence function in batches); the user is in a room
 * with BENCH_FLOOD_MEMBERS other members, who are told when they come and go. Then either
 *   - (default) waits until the Lambda service has nothing queued or running, and reports how long that took, the
 *     presence function's invocations, errors and throttles, and what the presence table says at the end; or
 *   - (BENCH_FLOOD_CLOSE_AFTER_MS) calls stack.close() that long after the flood started and reports how long it took.
 * BENCH_FLOOD_ENVIRONMENTS sets the local account concurrency (execution environments of all functions together).
 * Not run in CI: `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true tsx bench/hostile/presence-flood.ts`.
 */

import type { CredentialsResponse } from '../../core/contracts/http.js';
import { functionName } from '../../core/deployment.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { startLocalStack } from '../../local/stack.js';
import { apiClient, appToken } from '../../test/support/local-api.js';
import { connectClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

const CONNECTS = intFromEnv('BENCH_FLOOD_CONNECTS', 3000, 1, 100_000);
const PARALLEL = intFromEnv('BENCH_FLOOD_PARALLEL', 10, 1, 200);
const USERS = intFromEnv('BENCH_FLOOD_USERS', 1, 1, 200);
const MEMBERS = intFromEnv('BENCH_FLOOD_MEMBERS', 5, 0, 100);
const CLOSE_AFTER_MS = process.env.BENCH_FLOOD_CLOSE_AFTER_MS ? intFromEnv('BENCH_FLOOD_CLOSE_AFTER_MS', 0, 0, 600_000) : undefined;
/** Gives up on the drain after this long (and says so). */
/** The account's concurrency locally (LOCAL_LAMBDA_MAX_ENVIRONMENTS; the stack's default when unset). */
const ENVIRONMENTS = process.env.BENCH_FLOOD_ENVIRONMENTS ? intFromEnv('BENCH_FLOOD_ENVIRONMENTS', 64, 1, 1000) : undefined;
const DRAIN_LIMIT_MS = intFromEnv('BENCH_FLOOD_DRAIN_LIMIT_MS', 300_000, 1000, 3_600_000);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const logger = memoryLogger();
const stack = await startLocalStack({
  emulatorPort: 0,
  apiPort: 0,
  corsOrigins: [],
  logger,
  functionLogLevel: 'SILENT',
  apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
  ...(ENVIRONMENTS ? { maxLambdaEnvironments: ENVIRONMENTS } : {}),
});
const presence = functionName(LOCAL_DEPLOYMENT, 'presence-events');
const stats = () => stack.emulator.lambda.stats(presence);
const api = apiClient(() => stack);

// The flooding users, each in a room with MEMBERS others (so every change of theirs is told to someone).
const users = await Promise.all(Array.from({ length: USERS }, async (_, i) => ({ id: `flood${i}`, token: await appToken(api, `flood${i}`), roomId: '' })));
for (const [i, u] of users.entries()) {
  const members = await Promise.all(
    Array.from({ length: MEMBERS }, async (_, m) => {
      const token = await appToken(api, `flood${i}m${m}`);
      await api('GET', '/rooms', { token });
      return `flood${i}m${m}`;
    }),
  );
  u.roomId = (await api('POST', '/rooms', { token: u.token, body: { name: 'flood' } })).body.roomId as string;
  for (const m of members) await api('PUT', `/rooms/${u.roomId}/members/${m}`, { token: u.token });
}
const sockets: Array<{ url: string; clientId: string }> = [];
for (let p = 0; p < PARALLEL; p += 1) {
  const u = users[p % USERS]!;
  const res = await api('POST', '/credentials', { token: u.token, body: { tab: `f${Math.floor(p / USERS)}` } });
  if (res.status !== 200) throw new Error(`credentials: ${res.status} ${JSON.stringify(res.body)}`);
  const creds = res.body as unknown as CredentialsResponse;
  const url = await presignMqttUrl(creds, { connectTo: stack.emulator.url, signedHost: creds.iotEndpoint, region: creds.region, expiresIn: 900 });
  sockets.push({ url, clientId: creds.clientId });
}
await stack.idle();
const before = stats();
console.log(`bench:presence-flood: ${CONNECTS} connects over ${PARALLEL} client ids of ${USERS} user(s), each in a room with ${MEMBERS} members`);

let connects = 0;
let failures = 0;
let closing: Promise<number> | undefined;
const started = performance.now();
const ticker = setInterval(() => {
  const s = stats();
  console.log(
    `  t=${seconds(performance.now() - started).padStart(7)}  connects ${connects} (failed ${failures})  presence invocations ${s.invocations - before.invocations}, errors ${s.errors - before.errors}, throttles ${s.throttles - before.throttles}  rss ${mib(process.memoryUsage().rss)}`,
  );
}, 5000);
if (CLOSE_AFTER_MS !== undefined) {
  setTimeout(() => {
    const at = performance.now();
    console.log(`stack.close() at ${seconds(at - started)}, after ${connects} connects`);
    closing = stack.close().then(() => performance.now() - at);
  }, CLOSE_AFTER_MS);
}
await Promise.all(
  sockets.map(async ({ url, clientId }) => {
    while (connects + failures < CONNECTS && closing === undefined) {
      try {
        const client = await connectClient(url, clientId, { clean: false, connectTimeout: 10_000 });
        connects += 1;
        await client.end();
      } catch {
        failures += 1;
      }
    }
  }),
);
const floodMs = performance.now() - started;
console.log(`flood: ${connects} connects and disconnects (${failures} failed) in ${seconds(floodMs)}`);
if (closing !== undefined) {
  console.log(`stack.close() took ${seconds(await closing)}`);
  clearInterval(ticker);
  process.exit(0);
}
const drainStarted = performance.now();
const drained = await Promise.race([stack.idle().then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), DRAIN_LIMIT_MS))]);
const drainMs = performance.now() - drainStarted;
clearInterval(ticker);
const s = stats();
console.log(
  `drain: ${drained ? 'complete' : 'NOT complete'} ${seconds(drainMs)} after the flood ended (${seconds(floodMs + drainMs)} after it began); presence invocations ${s.invocations - before.invocations}, cold starts ${s.coldStarts - before.coldStarts}, errors ${s.errors - before.errors}, timeouts ${s.timeouts - before.timeouts}, throttles ${s.throttles - before.throttles}`,
);
// What the presence function could not record after the queue's retries lands in its dead-letter queue.
const { queue: presenceQueue, deadLetters: presenceDeadLetters } = stack.queues.presenceEvents;
console.log(`presence queue: ${presenceQueue.depth} left, ${presenceDeadLetters.depth} in its dead-letter queue; rss ${mib(process.memoryUsage().rss)}`);
// Every connection is closed: once the drain is complete, nobody of the flood may still show as online.
let stillOnline = 0;
for (const u of users) stillOnline += ((await api('GET', `/rooms/${u.roomId}/presence`, { token: u.token })).body.online as string[]).length;
console.log(`users still shown online after the drain: ${stillOnline} (expected 0)`);
const closeStarted = performance.now();
await stack.close();
console.log(`stack.close() after the drain took ${seconds(performance.now() - closeStarted)}`);
