/**
 * `npm run bench:soak`: the local stack under sustained room traffic while faults are injected, with every QoS 1
 * message accounted for. Three processes, as in bench:fanout: the stack (bench/soak/stack-process.ts), the members'
 * 1000 MQTT connections (bench/soak/subscribers-process.ts: persistent sessions, reconnecting by themselves) and this
 * driver, which sets up users, rooms and credentials through the HTTP API, posts room messages at a fixed rate through
 * `POST /rooms/{roomId}/messages`, and meanwhile
 *   - at 25 % and 75 % of the run drops every MQTT socket (`POST /_local/mqtt/outage`), refusing new ones for a while;
 *   - at 50 % stops the local DynamoDB and starts it again on the same data and port.
 * Then it waits until every accepted message has reached every connection of its room (or gives up), and reports:
 * posts accepted and failed, deliveries expected and received, duplicates removed by messageId, losses, latency,
 * the history against what was accepted, and the stack process's memory (live heap after full collections).
 * Knobs (defaults): BENCH_SOAK_ROOMS (50), BENCH_SOAK_USERS_PER_ROOM (10), BENCH_SOAK_TABS (2 connections per user),
 * BENCH_SOAK_RATE (20 posts/s, all rooms together), BENCH_SOAK_SECONDS (60), BENCH_SOAK_OUTAGE_MS (3000),
 * BENCH_SOAK_STORE_DOWN_MS (2000), BENCH_SOAK_DIRECT_FANOUT_MAX (the stack's DIRECT_FANOUT_MAX; its default 50 when
 * unset; the stack process reads it), BENCH_SOAK_DUMP (a file for the post-mortem: posts, deliveries, each
 * connection's timeline), BENCH_CPU_PROF_DIR (a CPU profile of the stack's main thread during each outage, from the drop
 * to the last reconnect). Each outage is reported with how long until every connection was back and what the stack spent
 * meanwhile: CPU time of its main thread (emulator, broker, store) and of all its threads (the functions' workers too),
 * and the presence function's invocations (batches of up to 100 lifecycle events from its queue). Exits 1 when a message is lost or misdelivered, or
 * memory is not flat.
 *
 * BENCH_SOAK_HOSTILE compares the normal users with and without one hostile user beside them: `baseline` runs the
 * soak with the catalog's per-user limits (as deployed) and no attacker; `attack` runs the same with a fourth process
 * (bench/soak/attacker-process.ts) flooding POST /credentials, SRP sign-ins of unknown users and persistent sessions
 * for as long as the posting lasts. Both default to 45 rooms (900 connections), leaving room for the attacker's persistent sessions. Compare the two runs' "normal users" lines: deliveries (0 lost) and p99.
 * Knobs of the attack: BENCH_SOAK_ATTACK_CREDENTIALS (8 requests at a time), BENCH_SOAK_ATTACK_SRP (8 sign-ins at a
 * time), BENCH_SOAK_ATTACK_TABS (20 tab client ids asked for; the tab limit grants 10); 0 turns a part of the attack off.
 * BENCH_SOAK_FUNCTION_LOG_LEVEL (ERROR, WARN, ...) shows the functions' own log lines, to see why requests failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import type { StoredMessage } from '../core/contracts/rooms.js';
import { TopicScheme } from '../core/topics.js';
import { functionDefinition } from '../functions/catalog.js';
import { IOT_CORE_LIMITS } from '../local/emulator/mqtt/limits.js';
import { LOCAL_DEPLOYMENT } from '../local/local-deployment.js';
import { presignMqttUrl } from '../test/support/sign.js';
import { LocalApi, mapWithConcurrency } from './fanout/api.js';
import { wallClockMs } from './fanout/clock.js';
import { IpcChild } from './fanout/ipc.js';
import type { AttackCounters, AttackerProtocol } from './soak/attacker-process.js';
import { postRoomMessage, roomHistory, tabCredentials } from './soak/http.js';
import { account, deliveryLatencies, type Ledger, type Post, percentiles, type Window } from './soak/ledger.js';
import { FLAT_TOLERANCE_BYTES, FLAT_TOLERANCE_RATIO, type MemorySample, memoryVerdict, mib } from './soak/memory.js';
import type { SoakStackInfo, SoakStackProtocol, StackCounters } from './soak/stack-process.js';
import type { ConnectionCounters, SoakSubscriberSpec, SoakSubscribersProtocol } from './soak/subscribers-process.js';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

/**
 * The default shape, 50 rooms x 10 users x 2 tabs: each POST costs its room's 10 inbox publishes on the stack's one
 * thread (about 1 ms each, bench:fanout), so rooms of 100 at 20 posts/s would ask for 2000 publishes/s, twice what
 * that thread does; and every user's tabs contend for one presence item when they all reconnect at once, which with
 * 10 tabs a user mostly measures retries (see docs/benchmarks.md).
 */
const HOSTILE_MODES = ['off', 'baseline', 'attack'] as const;
const HOSTILE = (process.env.BENCH_SOAK_HOSTILE ?? 'off') as (typeof HOSTILE_MODES)[number];
if (!HOSTILE_MODES.includes(HOSTILE)) throw new Error(`BENCH_SOAK_HOSTILE must be one of ${HOSTILE_MODES.join(', ')}, got ${JSON.stringify(HOSTILE)}`);
const ROOMS = intFromEnv('BENCH_SOAK_ROOMS', HOSTILE === 'off' ? 50 : 45, 1, 1000);
const ATTACK_CREDENTIALS = intFromEnv('BENCH_SOAK_ATTACK_CREDENTIALS', 8, 0, 64);
const ATTACK_SRP = intFromEnv('BENCH_SOAK_ATTACK_SRP', 8, 0, 64);
const ATTACK_TABS = intFromEnv('BENCH_SOAK_ATTACK_TABS', 20, 0, 100);
const USERS_PER_ROOM = intFromEnv('BENCH_SOAK_USERS_PER_ROOM', 10, 1, 1000);
const TABS = intFromEnv('BENCH_SOAK_TABS', 2, 1, 100);
const RATE = intFromEnv('BENCH_SOAK_RATE', 20, 1, 500);
const SECONDS = intFromEnv('BENCH_SOAK_SECONDS', 60, 8, 600);
const OUTAGE_MS = intFromEnv('BENCH_SOAK_OUTAGE_MS', 3000, 0, 60_000);
const STORE_DOWN_MS = intFromEnv('BENCH_SOAK_STORE_DOWN_MS', 2000, 0, 60_000);
const DUMP_FILE = process.env.BENCH_SOAK_DUMP;
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
/** Validated here; the stack process (which inherits the environment) applies it. */
const DIRECT_FANOUT_MAX = process.env.BENCH_SOAK_DIRECT_FANOUT_MAX ? intFromEnv('BENCH_SOAK_DIRECT_FANOUT_MAX', 50, 0, 100) : undefined;
const CONNECTIONS = ROOMS * USERS_PER_ROOM * TABS;
/**
 * Every connection holds a persistent session, and during an outage every one of them waits for its client: the stack
 * process raises the emulator's local bounds on sessions (LOCAL_IOT_MAX_PERSISTENT_SESSIONS 5000, _PER_USER 20) to the
 * run's connections and tabs a user when they are higher, so no session is refused or expires by configuration. The
 * users are the app's own (JWTs from the local issuer), so Cognito's quotas play no part. One process opens every
 * connection: more than this many measure the load client rather than the stack.
 */
const MAX_CONNECTIONS = 5000;
/** The attacker's own client id and the tabs the tab limit grants (functions/catalog.ts): its persistent sessions. */
const ATTACKER_SESSIONS = HOSTILE === 'attack' ? 1 + Math.min(ATTACK_TABS, functionDefinition('credentials').tabLimit?.tabs ?? ATTACK_TABS) : 0;
if (CONNECTIONS + ATTACKER_SESSIONS > MAX_CONNECTIONS)
  throw new Error(`${CONNECTIONS} connections (rooms x users x tabs) and ${ATTACKER_SESSIONS} of the attacker's; at most ${MAX_CONNECTIONS} together`);

/**
 * Messages posted from this long before a fault (in flight when it hits) to this long after its recovery (the paced
 * replay of the sessions' queues) count as disturbed.
 */
const LEAD_MS = 1000;
const SETTLE_MS = 5000;
const DRAIN_TIMEOUT_MS = 90_000;
/** How long after an outage the driver waits for every connection to be back (it measures how long that takes). */
const RECONNECT_WAIT_MS = 90_000;
/** Late duplicates (redeliveries after the last first copy) still count. */
const QUIET_AFTER_DRAIN_MS = 3000;
const MEMORY_EVERY_MS = 2000;
/** Every fifth memory sample follows a full collection: the live heap every 10 s. */
const GC_EVERY_NTH_SAMPLE = 5;
/** Open loop: a post due while this many are unanswered is not sent (and counted), so a stall cannot pile up requests. */
const MAX_IN_FLIGHT = 400;
const GIVE_UP_AFTER_MS = 8 * 60_000;
/** Presigned URLs serve every reconnect of the run, so they are signed for all of it. */
const PRESIGN_SECONDS = Math.ceil(GIVE_UP_AFTER_MS / 1000) + 60;

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const userId = (room: number, user: number) => `soak${String(room).padStart(3, '0')}u${String(user).padStart(3, '0')}`;
const machine = () =>
  `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const fmt = (v: number) => (Number.isNaN(v) ? 'n/a' : v.toFixed(0));

type Stack = IpcChild<SoakStackProtocol, SoakStackInfo>;
type Subscribers = IpcChild<SoakSubscribersProtocol, null>;
type Attacker = IpcChild<AttackerProtocol, null>;

interface Room {
  id: string;
  users: Array<{ id: string; token: string }>;
}

interface Fault extends Window {
  kind: 'outage' | 'store restart';
  /** When the fault's effects were over: every connection back, or the store serving again. */
  recovered: number;
  detail: string;
}

async function main(): Promise<void> {
  console.log(`bench:soak: ${machine()}`);
  console.log(
    `bench:soak: ${ROOMS} rooms x ${USERS_PER_ROOM} users x ${TABS} tabs = ${CONNECTIONS} MQTT connections; ${RATE} posts/s for ${SECONDS} s; outages of ${OUTAGE_MS} ms at 25 % and 75 %, store down ${STORE_DOWN_MS} ms at 50 %; DIRECT_FANOUT_MAX ${DIRECT_FANOUT_MAX ?? 'default (50)'}`,
  );
  console.log(
    `bench:soak: the emulator's persistent-session bounds for this run: ${Math.max(IOT_CORE_LIMITS.maxPersistentSessions, CONNECTIONS + ATTACKER_SESSIONS)} in all, ${Math.max(IOT_CORE_LIMITS.maxPersistentSessionsPerUser, TABS)} a user (LOCAL_IOT_MAX_PERSISTENT_SESSIONS, _PER_USER: the defaults, raised when the run needs more)`,
  );
  if (HOSTILE !== 'off')
    console.log(
      `bench:soak: hostile ${HOSTILE}: the catalog's per-user limits${HOSTILE === 'attack' ? `; one attacker: ${ATTACK_CREDENTIALS} POST /credentials at a time, ${ATTACK_SRP} SRP sign-ins of unknown users at a time, ${ATTACKER_SESSIONS} persistent sessions reconnecting once a second each` : ', no attacker'}`,
    );
  const stack: Stack = await IpcChild.start(new URL('./soak/stack-process.ts', import.meta.url).pathname, {
    execArgv: ['--expose-gc'],
    env: { ...process.env, BENCH_SOAK_SESSIONS: String(CONNECTIONS + ATTACKER_SESSIONS), BENCH_SOAK_SESSIONS_PER_USER: String(TABS) },
    startTimeoutMs: 60_000,
  });
  const subscribers: Subscribers = await IpcChild.start(new URL('./soak/subscribers-process.ts', import.meta.url).pathname, { startTimeoutMs: 30_000 });
  const attacker: Attacker | undefined =
    HOSTILE === 'attack' ? await IpcChild.start(new URL('./soak/attacker-process.ts', import.meta.url).pathname, { startTimeoutMs: 30_000 }) : undefined;
  const giveUp = setTimeout(() => {
    console.error(`bench:soak: gave up after ${GIVE_UP_AFTER_MS / 60_000} min`);
    stack.process.kill('SIGKILL');
    subscribers.process.kill('SIGKILL');
    attacker?.process.kill('SIGKILL');
    process.exit(1);
  }, GIVE_UP_AFTER_MS);
  try {
    const rooms = await setUp(stack, subscribers);
    await run(stack, subscribers, rooms, attacker);
  } finally {
    clearTimeout(giveUp);
    await attacker?.stop();
    await subscribers.stop();
    await stack.stop();
  }
}

async function setUp(stack: Stack, subscribers: Subscribers): Promise<Room[]> {
  const api = new LocalApi(stack.info.apiUrl);
  let started = performance.now();
  const rooms: Room[] = [];
  for (let r = 0; r < ROOMS; r += 1) {
    const users = await mapWithConcurrency(
      Array.from({ length: USERS_PER_ROOM }, (_, u) => userId(r, u)),
      8,
      async (id) => {
        const token = await api.token(id);
        // The directory knows a user from their first request on (functions/users); only then can they be invited.
        await api.roomCount(token);
        return { id, token };
      },
    );
    const owner = users[0]!;
    const id = await api.createRoom(owner.token, `soak ${r}`);
    await mapWithConcurrency(users.slice(1), 8, (u) => api.addMember(owner.token, id, u.id));
    rooms.push({ id, users });
  }
  console.log(`setup: ${ROOMS} rooms of ${USERS_PER_ROOM} users (${seconds(performance.now() - started)})`);

  started = performance.now();
  const tabs = rooms.flatMap((room) => room.users.flatMap((user) => Array.from({ length: TABS }, (_, t) => ({ room, user, tab: `t${t}` }))));
  const specs = await mapWithConcurrency(tabs, 8, async ({ room, user, tab }): Promise<SoakSubscriberSpec> => {
    const creds = await tabCredentials(stack.info.apiUrl, user.token, tab);
    const url = await presignMqttUrl(creds, {
      connectTo: stack.info.emulatorUrl,
      signedHost: creds.iotEndpoint,
      region: creds.region,
      expiresIn: PRESIGN_SECONDS,
    });
    return { url, clientId: creds.clientId, inboxFilter: topics.inboxFilter(user.id), roomId: room.id };
  });
  console.log(`setup: ${specs.length} tab credentials, one client id each (${seconds(performance.now() - started)})`);
  const connected = await subscribers.call('connect', { subscribers: specs });
  console.log(`setup: ${connected.connected} persistent-session MQTT connections subscribed to their inbox filter at QoS 1 (${seconds(connected.ms)})`);
  return rooms;
}

/** Until every connection is up and the stack has finished what the last connects and posts started (presence). */
async function quiesce(stack: Stack, subscribers: Subscribers): Promise<number> {
  const started = wallClockMs();
  while ((await subscribers.call('counters', null)).connected < CONNECTIONS && wallClockMs() - started < DRAIN_TIMEOUT_MS) await sleep(500);
  await stack.call('settle', null);
  return wallClockMs() - started;
}

async function run(stack: Stack, subscribers: Subscribers, rooms: Room[], attacker: Attacker | undefined): Promise<void> {
  // The presence changes of the connections just opened go out first; then the live heap before any message.
  await quiesce(stack, subscribers);
  const memory: MemorySample[] = [await stack.call('memory', { gc: true })];
  console.log(`memory after setup: live heap ${mib(memory[0]!.heapUsed)}, rss ${mib(memory[0]!.rss)}`);

  let sampleCount = 1;
  const sampler = setInterval(() => {
    const gc = sampleCount % GC_EVERY_NTH_SAMPLE === 0;
    sampleCount += 1;
    stack.call('memory', { gc }).then(
      (s) => memory.push(s),
      () => undefined,
    );
  }, MEMORY_EVERY_MS);

  if (attacker) {
    const api = new LocalApi(stack.info.apiUrl);
    const { clientIds } = await attacker.call('start', {
      apiUrl: stack.info.apiUrl,
      emulatorUrl: stack.info.emulatorUrl,
      region: LOCAL_DEPLOYMENT.region,
      userPoolClientId: stack.info.userPoolClientId,
      token: await api.token('soak-attacker'),
      userFilter: topics.userFilter('soak-attacker'),
      credentialsConcurrency: ATTACK_CREDENTIALS,
      srpConcurrency: ATTACK_SRP,
      tabs: ATTACK_TABS,
    });
    console.log(`attacker: flooding from now on, with credentials for ${clientIds} client ids`);
  }

  const posts: Post[] = [];
  const pending = new Set<Promise<void>>();
  let notSent = 0;
  const startedAt = wallClockMs();
  const faults: Fault[] = [];
  const faultRuns = [
    sleep(SECONDS * 250).then(() => outage(stack, subscribers, faults)),
    sleep(SECONDS * 500).then(() => storeRestart(stack, faults)),
    sleep(SECONDS * 750).then(() => outage(stack, subscribers, faults)),
  ];
  const progress = setInterval(() => {
    void subscribers.call('counters', null).then(
      (c) => {
        const accepted = posts.filter((p) => p.outcome.kind === 'accepted').length;
        console.log(
          `  t=${seconds(wallClockMs() - startedAt).padStart(7)}  posts ${accepted} accepted, ${posts.length - accepted} failed, ${pending.size} in flight  connections ${c.connected}/${CONNECTIONS}  heap ${mib(memory.at(-1)!.heapUsed)}`,
        );
      },
      () => undefined,
    );
  }, 5000);

  const total = RATE * SECONDS;
  for (let seq = 0; seq < total; seq += 1) {
    await sleep(startedAt + (seq * 1000) / RATE - wallClockMs());
    if (pending.size >= MAX_IN_FLIGHT) {
      notSent += 1;
      continue;
    }
    const room = rooms[seq % ROOMS]!;
    const sender = room.users[Math.floor(seq / ROOMS) % room.users.length]!;
    const postedAt = wallClockMs();
    const post = postRoomMessage(stack.info.apiUrl, sender.token, room.id, `soak-${seq}`).then((outcome) => {
      posts.push({ seq, roomId: room.id, postedAt, answeredAt: wallClockMs(), outcome });
    });
    pending.add(post);
    void post.finally(() => pending.delete(post));
  }
  await Promise.all([...pending, ...faultRuns]);
  const postingMs = wallClockMs() - startedAt;
  clearInterval(progress);
  const attack = attacker ? await attacker.call('stop', null) : undefined;

  // Drain: until every accepted message is at every connection of its room.
  const accepted = posts.flatMap((p) => (p.outcome.kind === 'accepted' ? [{ messageId: p.outcome.messageId, roomId: p.roomId }] : []));
  const drainStarted = wallClockMs();
  let missing = Number.POSITIVE_INFINITY;
  while (wallClockMs() - drainStarted < DRAIN_TIMEOUT_MS) {
    missing = (await subscribers.call('outstanding', { accepted })).missing;
    if (missing === 0) break;
    await sleep(1000);
  }
  const drainMs = wallClockMs() - drainStarted;
  await sleep(QUIET_AFTER_DRAIN_MS);
  // The end of the memory verdict is taken as its start was: connections up, nothing in flight.
  const quietMs = await quiesce(stack, subscribers);
  clearInterval(sampler);
  memory.push(await stack.call('memory', { gc: true }));

  const [deliveries, connections, counters] = [
    await subscribers.call('report', null),
    await subscribers.call('counters', null),
    await stack.call('counters', null),
  ];
  const connectionsPerRoom = new Map(rooms.map((r) => [r.id, r.users.length * TABS]));
  const ledger = account(posts, deliveries, connectionsPerRoom);
  const history = await historyCheck(stack.info.apiUrl, rooms, posts);
  if (DUMP_FILE) {
    writeFileSync(DUMP_FILE, JSON.stringify({ startedAt, faults, posts, deliveries, ledger, timelines: await subscribers.call('timelines', null), counters }));
    console.log(`(post-mortem data written to ${DUMP_FILE})`);
  }
  const disturbed = faults.map((f) => ({ from: f.from - LEAD_MS, to: f.recovered + SETTLE_MS }));
  const latencies = deliveryLatencies(posts, deliveries, disturbed);
  const posted = percentiles(
    posts.filter((p) => p.outcome.kind === 'accepted').map((p) => p.answeredAt - p.postedAt),
    [50, 99],
  );

  console.log(
    `\nposting and faults: ${seconds(postingMs)}; drain: ${missing === 0 ? `complete ${seconds(drainMs)} after the last POST was answered` : `GAVE UP after ${seconds(drainMs)} with ${missing} deliveries missing`}; stack idle ${seconds(quietMs)} after that`,
  );
  printFaults(faults, startedAt);
  printLedger(ledger, notSent, posted);
  printLatency(latencies);
  if (attack) printAttack(attack);
  if (HOSTILE !== 'off') {
    const [calmP99] = percentiles(latencies.calm, [99]);
    const [allP99] = percentiles([...latencies.calm, ...latencies.disturbed], [99]);
    console.log(
      `\nnormal users (${HOSTILE}): deliveries expected ${ledger.expectedDeliveries}, received ${ledger.delivered}, lost ${ledger.lost}; posts ${ledger.accepted} accepted, ${ledger.failed} failed; delivery p99 calm ${fmt(calmP99!)} ms, all ${fmt(allP99!)} ms; POST answered p99 ${fmt(posted[1]!)} ms`,
    );
  }
  printConnections(connections, counters);
  printHistory(history);
  const flat = printMemory(memory, ledger.accepted);
  const clean = ledger.lost === 0 && ledger.stray === 0 && ledger.outside === 0 && history.acceptedMissing === 0 && counters.fanoutDeadLetters === 0;
  console.log(
    `\nmachine at the end: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    clean
      ? 'every accepted message reached every connection of its room (after de-duplication); every failed POST was reported to its poster'
      : 'MESSAGES LOST OR MISDELIVERED (see above)',
  );
  if (!clean || !flat) process.exitCode = 1;
}

let profiling = false;

/** Drops every MQTT socket for OUTAGE_MS and records how long until every connection was back. */
async function outage(stack: Stack, subscribers: Subscribers, faults: Fault[]): Promise<void> {
  // One profile at a time: an outage that starts while the previous one is still being profiled is not.
  const profiled = CPU_PROFILE_DIR !== undefined && !profiling;
  if (profiled) {
    profiling = true;
    await stack.call('startProfile', null);
  }
  const cpuBefore = await stack.call('cpu', null);
  const presenceBefore = (await stack.call('counters', null)).presenceInvocations;
  const from = wallClockMs();
  const res = await fetch(`${stack.info.emulatorUrl}/_local/mqtt/outage?ms=${OUTAGE_MS}`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`the outage knob answered ${res.status}: ${await res.text()}`);
  const { dropped } = (await res.json()) as { dropped: number };
  let back = Number.NaN;
  while (wallClockMs() - from < OUTAGE_MS + RECONNECT_WAIT_MS) {
    await sleep(250);
    if (wallClockMs() - from < OUTAGE_MS) continue;
    if ((await subscribers.call('counters', null)).connected === CONNECTIONS) {
      back = wallClockMs() - from - OUTAGE_MS;
      break;
    }
  }
  const to = from + OUTAGE_MS;
  const cpuAfter = await stack.call('cpu', null);
  const presenceDuring = (await stack.call('counters', null)).presenceInvocations - presenceBefore;
  const wallMs = wallClockMs() - from;
  const mainMs = cpuAfter.mainThreadMs !== undefined && cpuBefore.mainThreadMs !== undefined ? cpuAfter.mainThreadMs - cpuBefore.mainThreadMs : undefined;
  const cpuUsed = `stack CPU from the drop until then: main thread ${mainMs === undefined ? 'n/a' : seconds(mainMs)}, all threads ${seconds(cpuAfter.processMs - cpuBefore.processMs)}, in ${seconds(wallMs)}; presence invocations meanwhile ${presenceDuring}`;
  if (profiled) {
    const file = await stack.call('stopProfile', {
      file: resolve(CPU_PROFILE_DIR, `stack-outage-${faults.filter((f) => f.kind === 'outage').length + 1}.cpuprofile`),
    });
    profiling = false;
    console.log(`(CPU profile of the stack's main thread during the outage and the reconnects: ${file})`);
  }
  faults.push({
    kind: 'outage',
    from,
    to,
    recovered: Number.isNaN(back) ? wallClockMs() : to + back,
    detail: `${dropped} sockets dropped; all ${CONNECTIONS} connected again ${Number.isNaN(back) ? `NOT within ${seconds(RECONNECT_WAIT_MS)}` : `${seconds(back)} after the broker accepted sockets again`}; ${cpuUsed}`,
  });
}

async function storeRestart(stack: Stack, faults: Fault[]): Promise<void> {
  const from = wallClockMs();
  const { ms } = await stack.call('restartStore', { downMs: STORE_DOWN_MS });
  const to = wallClockMs();
  faults.push({ kind: 'store restart', from, to, recovered: to, detail: `stopped, down ${STORE_DOWN_MS} ms, serving again after ${seconds(ms)}` });
}

interface HistoryCheck {
  stored: number;
  /** Accepted (202) messages that are not in their room's history. */
  acceptedMissing: number;
  /** Failed POSTs whose message is in the history anyway (a client that retries would post it twice). */
  failedButStored: number;
}

async function historyCheck(apiUrl: string, rooms: Room[], posts: Post[]): Promise<HistoryCheck> {
  const stored: StoredMessage[] = (await mapWithConcurrency(rooms, 4, (room) => roomHistory(apiUrl, room.users[0]!.token, room.id))).flat();
  const storedIds = new Set(stored.map((m) => m.messageId));
  const storedTexts = new Set(stored.map((m) => m.text));
  let acceptedMissing = 0;
  let failedButStored = 0;
  for (const p of posts) {
    if (p.outcome.kind === 'accepted' && !storedIds.has(p.outcome.messageId)) acceptedMissing += 1;
    if (p.outcome.kind === 'failed' && storedTexts.has(`soak-${p.seq}`)) failedButStored += 1;
  }
  return { stored: stored.length, acceptedMissing, failedButStored };
}

function printFaults(faults: Fault[], startedAt: number): void {
  console.log('\nfaults:');
  for (const f of [...faults].sort((a, b) => a.from - b.from)) console.log(`  t=${seconds(f.from - startedAt).padStart(7)}  ${f.kind.padEnd(13)}  ${f.detail}`);
}

function printLedger(l: Ledger, notSent: number, posted: number[]): void {
  const failures = Object.entries(l.failures)
    .map(([reason, n]) => `${n} ${reason}`)
    .join(', ');
  console.log(
    `\nposts: ${l.posts} sent (${notSent} not sent: ${MAX_IN_FLIGHT} unanswered), ${l.accepted} accepted (202, answered p50 ${fmt(posted[0]!)} ms, p99 ${fmt(posted[1]!)} ms), ${l.failed} failed${failures ? ` (${failures})` : ''}`,
  );
  console.log(
    `deliveries (QoS 1): expected ${l.expectedDeliveries}, received ${l.delivered} after de-duplication, lost ${l.lost}; duplicates removed ${l.duplicates}; outside the room ${l.outside}; stray messages ${l.stray}`,
  );
  if (l.lostMessages.length > 0) {
    const connections = new Set(l.lostMessages.flatMap((m) => (m.missing === 'all' ? [`every connection of ${m.roomId}`] : m.missing)));
    console.log(`  ${l.lostMessages.length} messages lost somewhere, at ${connections.size} connections in all; the first of them:`);
  }
  for (const m of l.lostMessages.slice(0, 10)) {
    console.log(
      `  LOST: post ${m.seq} (${m.messageId}, room ${m.roomId}) missing at ${m.missing === 'all' ? 'every connection' : `${m.missing.length}: ${m.missing.slice(0, 4).join(' ')}`}`,
    );
  }
  if (l.failedButDelivered.length > 0) {
    console.log(
      `failed POSTs whose message was delivered anyway: ${l.failedButDelivered.length} (${l.failedButDelivered
        .slice(0, 5)
        .map((f) => `post ${f.seq}: ${f.reason}, ${f.members} connections`)
        .join('; ')})`,
    );
  }
}

function printLatency(l: { calm: number[]; disturbed: number[] }): void {
  console.log(
    `\nPOST sent -> each connection's first copy (ms; disturbed = posted from ${LEAD_MS / 1000} s before a fault to ${SETTLE_MS / 1000} s after its recovery: every connection back, the store serving):`,
  );
  for (const [name, samples] of Object.entries(l)) {
    const [p50, p90, p99, max] = percentiles(samples, [50, 90, 99, 100]);
    console.log(
      `  ${name.padEnd(9)} ${String(samples.length).padStart(7)} deliveries  p50 ${fmt(p50!).padStart(6)}  p90 ${fmt(p90!).padStart(6)}  p99 ${fmt(p99!).padStart(6)}  max ${fmt(max!).padStart(6)}`,
    );
  }
}

function printAttack(a: AttackCounters): void {
  const tally = (t: Record<string, number>) =>
    Object.entries(t)
      .sort((x, y) => y[1] - x[1])
      .map(([k, n]) => `${n} x ${k}`)
      .join(', ') || 'none';
  const total = (t: Record<string, number>) => Object.values(t).reduce((n, v) => n + v, 0);
  console.log(`\nattacker over ${seconds(a.ms)}:`);
  console.log(`  POST /credentials: ${total(a.credentials)} (${(total(a.credentials) / (a.ms / 1000)).toFixed(0)}/s): ${tally(a.credentials)}`);
  console.log(`  SRP sign-ins of unknown users: ${total(a.srp)} (${(total(a.srp) / (a.ms / 1000)).toFixed(0)}/s): ${tally(a.srp)}`);
  console.log(
    `  persistent sessions: ${a.sessions.clientIds} client ids (${a.tabsRefused} more refused by the tab limit), ${a.sessions.connects} connects; failures: ${tally(a.sessions.failures)}`,
  );
}

function printConnections(c: ConnectionCounters, s: StackCounters): void {
  const errors = Object.entries(c.errors)
    .map(([m, n]) => `${n} x ${m}`)
    .join('; ');
  console.log(
    `\nconnections: ${c.connected}/${CONNECTIONS} connected at the end; ${c.drops} drops, ${c.reconnects} reconnects, sessions lost on reconnect ${c.sessionsLost}; presence changes received ${c.presenceChanges}; unexpected payloads ${c.unexpected}`,
  );
  if (errors) console.log(`  client errors: ${errors}`);
  console.log(
    `stack: fan-out dead letters ${s.fanoutDeadLetters}, fan-out queue depth ${s.fanoutDepth}, broker: ${s.connectedClients} connected, ${s.absentPersistentSessions} absent persistent sessions; presence function: ${s.presenceInvocations} invocations, ${s.presenceErrors} failed`,
  );
  console.log(
    `  function metrics: ${Object.entries(s.metrics)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  for (const [line, n] of Object.entries(s.logged)) console.log(`  emulator logged ${n} x "${line}"`);
}

function printHistory(h: HistoryCheck): void {
  console.log(`history: ${h.stored} messages stored; accepted but missing from history ${h.acceptedMissing}; failed POSTs stored anyway ${h.failedButStored}`);
}

function printMemory(samples: MemorySample[], accepted: number): boolean {
  const v = memoryVerdict(samples);
  console.log(`\nstack process memory (${samples.length} samples every ${MEMORY_EVERY_MS / 1000} s, a full collection before every ${GC_EVERY_NTH_SAMPLE}th):`);
  console.log(
    `  live heap (after a full GC): after setup ${mib(v.baselineHeap)}, after the drain ${mib(v.endHeap)} (${v.growth >= 0 ? '+' : ''}${mib(v.growth)}, ${(v.growth / Math.max(1, accepted)).toFixed(0)} bytes per accepted message); slope over the run ${mib(v.liveHeapSlopePerMinute)}/min`,
  );
  console.log(`  heap used max ${mib(v.heapUsed.max)}; rss start ${mib(v.rss.start)}, end ${mib(v.rss.end)}, max ${mib(v.rss.max)}`);
  const live = samples.filter((s) => s.afterGc).map((s) => mib(s.heapUsed).replace(' MiB', ''));
  console.log(`  live heap series (MiB): ${live.join(' ')}`);
  console.log(
    `  flat (growth of the live heap <= max(${mib(FLAT_TOLERANCE_BYTES)}, ${FLAT_TOLERANCE_RATIO * 100} % of the baseline) = ${mib(v.allowed)}): ${v.flat ? 'yes' : 'NO'}`,
  );
  return v.flat;
}

if (CPU_PROFILE_DIR) mkdirSync(CPU_PROFILE_DIR, { recursive: true });
await main();
