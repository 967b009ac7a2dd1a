/**
 * `npm run bench:fanout`: rooms at scale on the local stack. Three processes: the stack (bench/fanout/stack-process.ts,
 * as `npm start` runs it), the members' MQTT connections (bench/fanout/subscribers-process.ts) and this one, which
 * sets up users, rooms and credentials through the HTTP API and drives the measurements.
 *
 * 1. Rooms of 10, 100 and 1000 connected members: POST /rooms/{id}/messages -> the last member's inbox delivery,
 *    against two baselines measured in the same run, round-robin with it, on the same members' connections:
 *    - PublishCommand to each member's inbox topic at concurrency 64 (the fan-out worker's default), from the stack
 *      process with the worker role's credentials: publishing alone, without membership lookup, history, queue;
 *    - ONE PublishCommand to a shared topic the same members subscribe to (what IoT's own fan-out costs).
 * 2. POST /credentials for a user in 1000 rooms and for a user in 1 room: latency and the session policy STS got.
 * 3. IoT Core messaging cost per room message, inbox fan-out vs a shared topic.
 * Before measuring, the bench waits for the fan-out queue to be empty: setting up a room of N members one PUT at a time
 * queues about N^2/2 member_added deliveries (each event goes to every current member; 1000 members: about 500,000, in
 * some 5,000 tasks of 100), which the local queue hands out oldest first (SQS standard queues: best-effort order), so a
 * room message posted meanwhile waits behind them: measured at once (BENCH_FANOUT_DRAIN=0), the first messages to the
 * room of 100 reach nobody for 20 to 105 s, late but not lost.
 * A wait that times out is detailed at the end (warm-up rounds included): the members missing and when each got the
 * message after all, and what the fan-out queue held at that moment.
 * Knobs: BENCH_FANOUT_SIZES (10,100,1000), BENCH_FANOUT_MESSAGES (50,50,20), BENCH_CREDENTIAL_ROOMS (1000),
 * BENCH_FANOUT_DRAIN (1; 0 measures right after the setup, its room events still queued),
 * BENCH_CPU_PROF_DIR (writes a CPU profile of the stack process while each room size is measured; it slows the stack,
 * so figures from profiled runs are not the benchmark's).
 */

import { mkdirSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { CredentialsResponse } from '../core/contracts/http.js';
import type { InboxMessage } from '../core/contracts/mqtt.js';
import { newSortableId } from '../core/ids.js';
import { TopicScheme } from '../core/topics.js';
import { LOCAL_DEPLOYMENT } from '../local/local-deployment.js';
import { presignMqttUrl } from '../test/support/sign.js';
import { LocalApi, mapWithConcurrency } from './fanout/api.js';
import { wallClockMs } from './fanout/clock.js';
import { roomMessageCost, USD_PER_MILLION_MESSAGES } from './fanout/cost.js';
import { IpcChild } from './fanout/ipc.js';
import type { FanoutState, StackInfo, StackProtocol } from './fanout/stack-process.js';
import type { Arrivals, LateArrivals, Straggler, SubscribersProtocol } from './fanout/subscribers-process.js';

function listFromEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`${name} must be a comma-separated list of positive integers, got ${JSON.stringify(raw)}`);
  return values;
}

const SIZES = listFromEnv('BENCH_FANOUT_SIZES', [10, 100, 1000]);
const MESSAGES = listFromEnv('BENCH_FANOUT_MESSAGES', [50, 50, 20]);
const [CREDENTIAL_ROOMS = 1000] = listFromEnv('BENCH_CREDENTIAL_ROOMS', [1000]);
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
const DRAIN = (process.env.BENCH_FANOUT_DRAIN ?? '1') !== '0';
/** How long the setup's room events may take to be delivered before the bench gives up on a settled start. */
const DRAIN_TIMEOUT_MS = 5 * 60_000;
const MAX_SUBSCRIBERS = 1000;
/** The fan-out worker's default FANOUT_PUBLISH_CONCURRENCY (core/contracts/function-env.ts). */
const PUBLISH_CONCURRENCY = 64;
const WARMUP_ROUNDS = 3;
const CREDENTIAL_SAMPLES = 50;
const DELIVERY_TIMEOUT_MS = 20_000;
/** The whole run must end by itself. */
const GIVE_UP_AFTER_MS = 10 * 60_000;
const GOAL_RATIO = 0.8;
const GOAL_P99_1000_MS = 1000;

if (MESSAGES.length !== SIZES.length) throw new Error('BENCH_FANOUT_MESSAGES needs one count per size in BENCH_FANOUT_SIZES');
const largest = Math.max(...SIZES);
if (largest > MAX_SUBSCRIBERS) throw new Error(`at most ${MAX_SUBSCRIBERS} subscribers (rooms of up to ${MAX_SUBSCRIBERS} members)`);

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const memberId = (i: number) => `fan${String(i).padStart(4, '0')}`;

type PathName = 'room' | 'each' | 'shared';
const PATHS: PathName[] = ['room', 'each', 'shared'];
const PATH_LABEL: Record<PathName, string> = {
  room: 'POST /rooms/{id}/messages -> last inbox',
  each: `baseline: PublishCommand x N, ${PUBLISH_CONCURRENCY} in flight`,
  shared: 'baseline: 1 PublishCommand, shared topic',
};

interface PathSamples {
  /** Start of the path (POST sent, first PublishCommand sent) to the last member's delivery, ms. */
  toLast: number[];
  /** The POST's own round trip (202), ms; room path only. */
  answered: number[];
  incomplete: number;
  duplicates: number;
  outside: number;
}

const emptySamples = (): PathSamples => ({ toLast: [], answered: [], incomplete: 0, duplicates: 0, outside: 0 });

/** A wait that timed out before every member had the message (warm-up rounds included). */
interface IncompleteWait {
  tag: string;
  size: number;
  path: PathName;
  /** Negative: a warm-up round, not in the figures. */
  round: number;
  startedAt: number;
  missing: number[];
  /** The fan-out queue when the wait had timed out. */
  queue: FanoutState;
}

const describeQueue = (q: FanoutState) =>
  `${q.visible} tasks waiting, ${q.inFlight} in flight (worker: ${q.worker.invocations} invocations, ${q.worker.errors} errors, ${q.worker.timeouts} timeouts, ${q.worker.throttles} throttles)`;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const ms = (v: number) => (Number.isNaN(v) ? '   n/a' : v.toFixed(1).padStart(7));
const perSecond = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v.toFixed(0)).padStart(6);
const machine = () =>
  `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;

/** A message of the same shape and size as the room's, naming its measurement in `text`. */
function inboxMessage(roomId: string, from: string, tag: string): InboxMessage {
  return { type: 'message', messageId: newSortableId(Date.now()), roomId, from, fromName: from, text: tag, sentAt: new Date().toISOString() };
}

async function main(): Promise<void> {
  console.log(`bench:fanout: ${machine()}`);
  const stack = await IpcChild.start<StackProtocol, StackInfo>(new URL('./fanout/stack-process.ts', import.meta.url).pathname, { startTimeoutMs: 60_000 });
  console.log('local stack in its own process; for the bench only:');
  for (const setting of stack.info.settings) console.log(`  - ${setting}`);
  const subscribers = await IpcChild.start<SubscribersProtocol, null>(new URL('./fanout/subscribers-process.ts', import.meta.url).pathname, {
    startTimeoutMs: 30_000,
  });
  const giveUp = setTimeout(() => {
    console.error(`bench:fanout: gave up after ${GIVE_UP_AFTER_MS / 60_000} min`);
    stack.process.kill('SIGKILL');
    subscribers.process.kill('SIGKILL');
    process.exit(1);
  }, GIVE_UP_AFTER_MS);
  try {
    const api = new LocalApi(stack.info.apiUrl);
    const credentials = await measureCredentials(api, stack);
    const fanout = await measureFanout(api, stack, subscribers);
    await printIncomplete(fanout.incomplete, stack, subscribers);
    const deadLetters = await stack.call('fanoutDeadLetters', null);
    const counters = await subscribers.call('counters', null);
    console.log(
      `\nintegrity: fan-out dead letters ${deadLetters}, deliveries after their wait ended ${describeLate(counters.late)}, connections closed by the broker ${counters.closed}`,
    );
    printCost(fanout.payloadBytes, fanout.sampleInbox);
    console.log(
      `\nmachine at the end: load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const met = fanout.goalsMet && credentials.sameSize;
    console.log(met ? 'all targets met' : 'at least one target missed (see above)');
  } finally {
    clearTimeout(giveUp);
    await subscribers.stop();
    await stack.stop();
  }
}

/** POST /credentials for a user in CREDENTIAL_ROOMS rooms and for one in 1 room, alternating. */
async function measureCredentials(api: LocalApi, stack: IpcChild<StackProtocol, StackInfo>): Promise<{ sameSize: boolean }> {
  const busyToken = await api.token('cred-busy');
  const soloToken = await api.token('cred-solo');
  const started = performance.now();
  await mapWithConcurrency(
    Array.from({ length: CREDENTIAL_ROOMS }, (_, i) => i),
    8,
    (i) => api.createRoom(busyToken, `busy ${i}`),
  );
  await api.createRoom(soloToken, 'solo');
  const [busyRooms, soloRooms] = [await api.roomCount(busyToken), await api.roomCount(soloToken)];
  if (busyRooms !== CREDENTIAL_ROOMS || soloRooms !== 1) throw new Error(`room setup failed: ${busyRooms} and ${soloRooms} rooms`);
  console.log(`setup: cred-busy in ${busyRooms} rooms, cred-solo in ${soloRooms} (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  const users = [
    { name: `user in ${busyRooms} rooms`, token: busyToken, latencies: [] as number[], policyChars: new Set<number>(), grants: new Set<number>() },
    { name: `user in ${soloRooms} room`, token: soloToken, latencies: [] as number[], policyChars: new Set<number>(), grants: new Set<number>() },
  ];
  for (let round = 0; round < CREDENTIAL_SAMPLES + 5; round += 1) {
    for (const user of round % 2 === 0 ? users : [...users].reverse()) {
      const t0 = performance.now();
      const creds: CredentialsResponse = await api.credentials(user.token);
      const elapsed = performance.now() - t0;
      if (round < 5) continue; // warm-up
      user.latencies.push(elapsed);
      user.policyChars.add(await stack.call('sessionPolicyChars', { accessKeyId: creds.accessKeyId, sessionToken: creds.sessionToken }));
      user.grants.add(creds.topics.subscribe.length);
    }
  }
  console.log(`\nPOST /credentials, ${CREDENTIAL_SAMPLES} calls each, alternating (after 5 warm-up rounds):`);
  for (const u of users) {
    console.log(
      `  ${u.name.padEnd(22)} p50 ${ms(percentile(u.latencies, 50))} ms  p99 ${ms(percentile(u.latencies, 99))} ms  session policy ${[...u.policyChars].join('/')} chars  subscribe grants ${[...u.grants].join('/')}`,
    );
  }
  const sizes = new Set(users.flatMap((u) => [...u.policyChars]));
  const sameSize = sizes.size === 1;
  console.log(
    `  session policy size: ${sameSize ? `the same (${[...sizes][0]} chars) whatever the room count: fixed-size grants` : `DIFFERS (${[...sizes].join(', ')} chars)`}`,
  );
  return { sameSize };
}

async function measureFanout(
  api: LocalApi,
  stack: IpcChild<StackProtocol, StackInfo>,
  subscribers: IpcChild<SubscribersProtocol, null>,
): Promise<{ goalsMet: boolean; payloadBytes: number; sampleInbox: string; incomplete: IncompleteWait[] }> {
  // Members: tokens, credentials (one STS session each, as browsers get them), presigned URLs, MQTT connections.
  let started = performance.now();
  const members = Array.from({ length: largest }, (_, i) => memberId(i));
  const tokens = await mapWithConcurrency(members, 8, async (id) => {
    const token = await api.token(id);
    await api.register(token);
    return token;
  });
  const specs = await mapWithConcurrency(members, 8, async (id, i) => {
    const creds = await api.credentials(tokens[i]!);
    const url = await presignMqttUrl(creds, { connectTo: stack.info.emulatorUrl, signedHost: creds.iotEndpoint, region: creds.region, expiresIn: 3600 });
    return { url, clientId: creds.clientId, inboxFilter: topics.inboxFilter(id) };
  });
  console.log(`\nsetup: ${members.length} members with tokens and credentials (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  const connected = await subscribers.call('connect', { subscribers: specs });
  console.log(`setup: ${connected.connected} MQTT connections subscribed to their inbox filter (${(connected.ms / 1000).toFixed(1)} s)`);

  // One room per size; member 0 owns them all and is the sender (and a receiver, as in the app).
  started = performance.now();
  const senderToken = tokens[0]!;
  const rooms = new Map<number, string>();
  for (const size of SIZES) {
    const roomId = await api.createRoom(senderToken, `bench ${size}`);
    await mapWithConcurrency(members.slice(1, size), 16, (id) => api.addMember(senderToken, roomId, id));
    rooms.set(size, roomId);
  }
  console.log(`setup: rooms of ${SIZES.join(', ')} members (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  // Each member_added event went to every member of the room then: the largest rooms leave a backlog of tasks.
  const backlog = await stack.call('fanoutState', null);
  if (DRAIN) {
    const drained = await stack.call('fanoutDrained', { timeoutMs: DRAIN_TIMEOUT_MS });
    const left = drained.state.visible + drained.state.inFlight + drained.state.delayed;
    console.log(
      `setup: the fan-out queue held ${backlog.visible + backlog.inFlight + backlog.delayed} tasks of room events (${backlog.inFlight} in flight); ${left === 0 ? 'all delivered' : `${left} STILL QUEUED`} after ${(drained.ms / 1000).toFixed(1)} s`,
    );
  } else console.log(`setup: the fan-out queue holds ${describeQueue(backlog)}; measuring at once (BENCH_FANOUT_DRAIN=0)`);

  const shared = topics.broadcast();
  const results = new Map<number, Record<PathName, PathSamples>>();
  const incomplete: IncompleteWait[] = [];
  let payloadBytes = 0;
  for (const [k, size] of SIZES.entries()) {
    const roomId = rooms.get(size)!;
    const inboxes = members.slice(0, size).map((id) => topics.inbox(id, roomId));
    const samples: Record<PathName, PathSamples> = { room: emptySamples(), each: emptySamples(), shared: emptySamples() };
    if (!DRAIN) console.log(`before the room of ${size}: the fan-out queue holds ${describeQueue(await stack.call('fanoutState', null))}`);
    await subscribers.call('subscribeShared', { first: size, topic: shared });
    const rounds = MESSAGES[k]!;
    const profiling = CPU_PROFILE_DIR !== undefined;
    for (let round = -WARMUP_ROUNDS; round < rounds; round += 1) {
      if (profiling && round === 0) await stack.call('startProfile', null);
      // Round-robin, each path first in turn, so drifts of a shared machine hit all three alike.
      const order = PATHS.map((_, i) => PATHS[(i + Math.abs(round)) % PATHS.length]!);
      for (const path of order) {
        const tag = `fx-${size}-${path}-${round + WARMUP_ROUNDS}-${Math.random().toString(36).slice(2, 8)}`;
        const arrivals = subscribers.call('wait', { tag, receivers: size, timeoutMs: DELIVERY_TIMEOUT_MS });
        let startedAt: number;
        let answeredAt: number;
        if (path === 'room') {
          startedAt = wallClockMs();
          await api.postMessage(senderToken, roomId, tag);
          answeredAt = wallClockMs();
        } else {
          const payload = JSON.stringify(inboxMessage(roomId, members[0]!, tag));
          payloadBytes = Buffer.byteLength(payload);
          const timing =
            path === 'each'
              ? await stack.call('publishEach', { topics: inboxes, payload, concurrency: PUBLISH_CONCURRENCY })
              : await stack.call('publishOnce', { topic: shared, payload });
          if (timing.failed > 0) throw new Error(`${timing.failed} data-plane publishes failed (${path}, room of ${size})`);
          ({ startedAt, answeredAt } = timing);
        }
        const a: Arrivals = await arrivals;
        if (a.received < size) incomplete.push({ tag, size, path, round, startedAt, missing: a.missing, queue: await stack.call('fanoutState', null) });
        if (round < 0) continue;
        const s = samples[path];
        s.duplicates += a.duplicates;
        s.outside += a.outside;
        if (a.received < size) s.incomplete += 1;
        else s.toLast.push(a.lastAt - startedAt);
        if (path === 'room') s.answered.push(answeredAt - startedAt);
      }
      // Let QoS 1 acknowledgements and the queue settle before the next round.
      await new Promise((r) => setTimeout(r, 10));
    }
    if (profiling)
      console.log(
        `(CPU profile of the stack process while the room of ${size} was measured: ${await stack.call('stopProfile', { file: resolve(CPU_PROFILE_DIR!, `stack-fanout-${size}.cpuprofile`) })})`,
      );
    await subscribers.call('unsubscribeShared', { first: size, topic: shared });
    results.set(size, samples);
  }
  return { goalsMet: printFanout(results), payloadBytes, sampleInbox: topics.inbox(members[0]!, rooms.get(largest)!), incomplete };
}

const describeLate = (late: LateArrivals) =>
  `${late.stragglers + late.copiesAfterCompletion} (${late.stragglers} first copies to members a wait had timed out without, ${late.copiesAfterCompletion} copies to members that had the message)`;

/** Members given as index ranges: 0-3, 7, 9-12. */
function ranges(indices: readonly number[]): string {
  const sorted = [...indices].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j += 1;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Each wait that timed out: who was missing, whether and when they got the message after all, the queue then. */
async function printIncomplete(
  incomplete: readonly IncompleteWait[],
  stack: IpcChild<StackProtocol, StackInfo>,
  subscribers: IpcChild<SubscribersProtocol, null>,
): Promise<void> {
  if (incomplete.length === 0) return;
  // Whatever is still queued is given its chance first, then a moment for the publishes in transit, so that "not
  // arrived" means that nothing was left to deliver it.
  const drained = await stack.call('fanoutDrained', { timeoutMs: 60_000 });
  await new Promise((r) => setTimeout(r, 2000));
  const stragglers = await subscribers.call('stragglers', { tags: incomplete.map((w) => w.tag) });
  console.log(`\nwaits that timed out after ${DELIVERY_TIMEOUT_MS / 1000} s (warm-up rounds included), and what became of the missing deliveries:`);
  console.log(`  (fan-out queue at the end: ${describeQueue(drained.state)})`);
  for (const w of incomplete) {
    const list: Straggler[] = stragglers[w.tag] ?? [];
    const after = list.flatMap((s) => (s.arrivedAt === undefined ? [] : [(s.arrivedAt - w.startedAt) / 1000]));
    const never = list.filter((s) => s.arrivedAt === undefined).map((s) => s.client);
    console.log(
      `  room of ${w.size}, ${w.path} path, round ${w.round}${w.round < 0 ? ' (warm-up)' : ''}: ${w.missing.length} of ${w.size} members missing (${ranges(w.missing)})`,
    );
    console.log(`    fan-out queue at the timeout: ${describeQueue(w.queue)}`);
    console.log(
      `    arrived later: ${after.length}${after.length > 0 ? `, ${Math.min(...after).toFixed(1)} s to ${Math.max(...after).toFixed(1)} s after the path started` : ''}; not arrived by the end: ${never.length}${never.length > 0 ? ` (${ranges(never)})` : ''}`,
    );
  }
}

function printFanout(results: Map<number, Record<PathName, PathSamples>>): boolean {
  console.log(
    `\nRoom message to every member, time from the start of the path to the LAST member's delivery (QoS 1; rooms above 50 members go through the fan-out queue):`,
  );
  console.log(`${'members'.padEnd(8)} ${'path'.padEnd(44)} ${'n'.padStart(3)}  p50 ms  p99 ms  deliveries/s  POST p50  incomplete dup`);
  let met = true;
  const verdicts: string[] = [];
  for (const [size, samples] of results) {
    for (const path of PATHS) {
      const s = samples[path];
      const p50 = percentile(s.toLast, 50);
      const posted = path === 'room' ? `${ms(percentile(s.answered, 50))}` : '       ';
      console.log(
        `${String(size).padEnd(8)} ${PATH_LABEL[path].padEnd(44)} ${String(s.toLast.length).padStart(3)} ${ms(p50)} ${ms(percentile(s.toLast, 99))}  ${perSecond(size / (p50 / 1000))}/s    ${posted}  ${String(s.incomplete).padStart(10)} ${s.duplicates + s.outside}`,
      );
    }
    // Deliveries per second at the median: N / p50; the ratio compares the room path with publishing alone.
    const ratio = percentile(samples.each.toLast, 50) / percentile(samples.room.toLast, 50);
    const ratioOk = ratio >= GOAL_RATIO;
    const complete = PATHS.every((p) => samples[p].incomplete === 0 && samples[p].duplicates === 0 && samples[p].outside === 0);
    if (!ratioOk || !complete) met = false;
    verdicts.push(
      `  room of ${size}: inbox deliveries/s = ${ratio.toFixed(2)}x the PublishCommand loop's (goal >= ${GOAL_RATIO}x) ${ratioOk ? 'ok' : 'MISSED'}; vs one shared-topic publish: ${(percentile(samples.room.toLast, 50) / percentile(samples.shared.toLast, 50)).toFixed(1)}x the time${complete ? '' : '; SOME DELIVERIES MISSING OR DUPLICATED'}`,
    );
    if (size === 1000) {
      const p99 = percentile(samples.room.toLast, 99);
      const ok = p99 <= GOAL_P99_1000_MS;
      if (!ok) met = false;
      verdicts.push(`  room of 1000: fully delivered p99 ${p99.toFixed(0)} ms (goal <= ${GOAL_P99_1000_MS} ms) ${ok ? 'ok' : 'MISSED'}`);
    }
  }
  console.log(`\nTargets (p99 of ${[...results.values()].map((s) => s.room.toLast.length).join('/')} samples is their maximum or close to it):`);
  for (const v of verdicts) console.log(v);
  return met;
}

function printCost(payloadBytes: number, inboxTopic: string): void {
  const inboxTopicBytes = Buffer.byteLength(inboxTopic);
  const sharedTopicBytes = Buffer.byteLength(topics.broadcast());
  console.log(
    `\nIoT Core messaging per room message (${payloadBytes}-byte payload, metered in 5 KB steps; $${USD_PER_MILLION_MESSAGES.toFixed(2)} per million messages):`,
  );
  for (const members of [10, 100, 1000, 10_000]) {
    const c = roomMessageCost({ members, payloadBytes, inboxTopicBytes, sharedTopicBytes });
    console.log(
      `  ${String(members).padStart(6)} members: inbox fan-out ${String(c.inbox.messages).padStart(6)} messages $${c.inbox.usd.toFixed(6)}   shared topic ${String(c.shared.messages).padStart(6)} messages $${c.shared.usd.toFixed(6)}   (${(c.inbox.messages / c.shared.messages).toFixed(2)}x)`,
    );
  }
}

if (CPU_PROFILE_DIR) mkdirSync(CPU_PROFILE_DIR, { recursive: true });
await main();
