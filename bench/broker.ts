/**
 * `npm run bench:broker`: fan-out throughput and latency of the emulator's broker (SigV4 upgrade + policy checks on
 * every CONNECT/SUBSCRIBE/PUBLISH/delivery) against plain Aedes without authorization, in the same run on the same
 * machine. The load runs in a separate process (bench/load-client.ts).
 *
 * Brokers: emulator | aedes (same one-frame-per-packet WebSocket stream, no auth: isolates the cost of
 * authorization) | aedes-naive (ws.createWebSocketStream: the framing trap) | mosquitto (only if installed).
 * Per-connection IoT throttles (100 publishes/s, 512 KiB/s) are switched off for saturation runs: they cap
 * throughput by design, and what is measured here is the cost of the faithful delivery path.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { TopicScheme } from '../core/topics.js';
import { webSocketDuplex } from '../local/emulator/mqtt/websocket-stream.js';
import { LOCAL_DEPLOYMENT } from '../local/local-deployment.js';
import { browserCredentials } from '../test/support/credentials.js';
import { adminCredentials, startTestEmulator } from '../test/support/emulator.js';
import { presignMqttUrl } from '../test/support/sign.js';
import type { LoadJob, LoadResult } from './load-client.js';

const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1500);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 4000);
const GOAL_RATIO = 0.8;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Scenario {
  name: string;
  subscribers: number;
  qos: 0 | 1;
  mode: 'saturate' | 'fixed-rate';
  rate?: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'fan-out 100, QoS 0', subscribers: 100, qos: 0, mode: 'saturate' },
  { name: 'fan-out 100, QoS 1', subscribers: 100, qos: 1, mode: 'saturate' },
  { name: 'fan-out 1000, QoS 0', subscribers: 1000, qos: 0, mode: 'saturate' },
  { name: 'fan-out 1000, QoS 1', subscribers: 1000, qos: 1, mode: 'saturate' },
  { name: 'latency: 100 subs at 50 msg/s, QoS 1', subscribers: 100, qos: 1, mode: 'fixed-rate', rate: 50 },
  { name: 'latency: 1000 subs at 10 msg/s, QoS 1', subscribers: 1000, qos: 1, mode: 'fixed-rate', rate: 10 },
];

interface BrokerUnderTest {
  name: string;
  /** URLs for `n` subscribers and one publisher. */
  urls(n: number): Promise<{ subscribers: Array<{ url: string; clientId: string }>; publisher: { url: string; clientId: string } }>;
  topic: string;
  close(): Promise<void>;
}

async function emulatorBroker(): Promise<BrokerUnderTest> {
  const emulator = await startTestEmulator({ limits: { publishesPerSecondPerConnection: 0, bytesPerSecondPerConnection: 0 } });
  const topics = new TopicScheme(LOCAL_DEPLOYMENT);
  return {
    name: 'emulator (auth on)',
    // Broadcast: the one topic every browser may receive (rooms reach members through their own inboxes).
    topic: topics.broadcast(),
    async urls(n) {
      // Each subscriber is a tab of alice with credentials for its own client id, as browsers get them.
      const subscribers = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const tab = await browserCredentials(emulator, 'alice', `s${i}`);
          return { url: await presignMqttUrl(tab, { connectTo: emulator.url, expiresIn: 3600 }), clientId: tab.clientId };
        }),
      );
      return {
        subscribers,
        publisher: { url: await presignMqttUrl(adminCredentials, { connectTo: emulator.url, expiresIn: 3600 }), clientId: 'bench-publisher' },
      };
    },
    close: () => emulator.close(),
  };
}

async function plainAedes(framing: 'coalesced' | 'naive'): Promise<BrokerUnderTest> {
  const aedes = new Aedes({ maxClientsIdLength: 128 });
  await aedes.listen();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => aedes.handle(framing === 'coalesced' ? webSocketDuplex(ws) : createWebSocketStream(ws), req)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/mqtt`;
  return {
    name: framing === 'coalesced' ? 'plain aedes (no auth)' : 'plain aedes, createWebSocketStream',
    // Same topic as the emulator's run: topic length changes every frame's size and the client's parsing work.
    topic: new TopicScheme(LOCAL_DEPLOYMENT).broadcast(),
    async urls(n) {
      return { subscribers: Array.from({ length: n }, (_, i) => ({ url, clientId: `s${i}` })), publisher: { url, clientId: 'pub' } };
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((r) => aedes.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function mosquitto(): Promise<BrokerUnderTest | undefined> {
  const binary = '/usr/sbin/mosquitto';
  if (!existsSync(binary)) {
    console.log('(mosquitto not installed: skipped; `apt-get install -y mosquitto` adds it as a baseline)\n');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'mosq-'));
  const port = 19001;
  writeFileSync(join(dir, 'm.conf'), `listener ${port} 127.0.0.1\nprotocol websockets\nallow_anonymous true\nmax_queued_messages 100000\n`);
  const child: ChildProcess = spawn(binary, ['-c', join(dir, 'm.conf')], { stdio: 'ignore' });
  if (!(await listening(port, 2000))) {
    child.kill('SIGKILL');
    console.log('(mosquitto is installed but could not open its WebSocket listener here: skipped)\n');
    return undefined;
  }
  const url = `ws://127.0.0.1:${port}/mqtt`;
  return {
    name: 'mosquitto (no auth)',
    // Same topic as the emulator's run: topic length changes every frame's size and the client's parsing work.
    topic: new TopicScheme(LOCAL_DEPLOYMENT).broadcast(),
    async urls(n) {
      return { subscribers: Array.from({ length: n }, (_, i) => ({ url, clientId: `s${i}` })), publisher: { url, clientId: 'pub' } };
    },
    async close() {
      child.kill('SIGTERM');
    },
  };
}

function listening(port: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  return new Promise((resolve) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => (Date.now() > deadline ? resolve(false) : setTimeout(attempt, 100)));
    };
    attempt();
  });
}

function runLoad(job: LoadJob): Promise<LoadResult> {
  const child = fork(new URL('./load-client.ts', import.meta.url).pathname, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('load client timed out'));
    }, 120_000);
    child.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) => {
      clearTimeout(timeout);
      child.kill();
      if (m.ok && m.result) resolve(m.result);
      else reject(new Error(m.error ?? 'load client failed'));
    });
    child.once('exit', (code) => {
      clearTimeout(timeout);
      if (code !== 0 && code !== null) reject(new Error(`load client exited with ${code}`));
    });
    child.send(job);
  });
}

const fmt = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));

async function measure(broker: BrokerUnderTest, s: Scenario): Promise<LoadResult> {
  const { subscribers, publisher } = await broker.urls(s.subscribers);
  return runLoad({
    subscriberUrls: subscribers,
    publisher,
    topic: broker.topic,
    qos: s.qos,
    mode: s.mode,
    warmupMs: WARMUP_MS,
    measureMs: MEASURE_MS,
    ...(s.rate ? { rate: s.rate } : {}),
  });
}

function line(name: string, s: Scenario, r: LoadResult, suffix = ''): string {
  const lat = r.latencyMs ? `  p50 ${r.latencyMs.p50.toFixed(1)} ms  p99 ${r.latencyMs.p99.toFixed(1)} ms` : '';
  return `${name.padEnd(36)} ${s.name.padEnd(40)} ${fmt(r.deliveriesPerSecond).padStart(7)} deliveries/s${lat}${suffix}`;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const only = process.env.BENCH_SCENARIOS?.split(',').map((s) => Number(s.trim()));
  const scenarios = only ? SCENARIOS.filter((_, i) => only.includes(i)) : SCENARIOS;
  console.log(`bench:broker: warm-up ${WARMUP_MS} ms, measured ${MEASURE_MS} ms per run; 64-byte payloads; load in a separate process;`);
  console.log(`emulator and plain aedes alternate for ${ROUNDS} rounds per scenario (median shown), the references run once\n`);

  // The emulator and its baseline run side by side and alternate, so drifts of the machine hit both alike.
  const emulator = await emulatorBroker();
  const plain = await plainAedes('coalesced');
  const ratios = new Map<string, number>();
  for (const s of scenarios) {
    const runs: Record<'emulator' | 'plain', LoadResult[]> = { emulator: [], plain: [] };
    for (let round = 0; round < ROUNDS; round += 1) {
      runs.emulator.push(await measure(emulator, s));
      runs.plain.push(await measure(plain, s));
    }
    const pick = (rs: LoadResult[]) => rs.find((r) => r.deliveriesPerSecond === median(rs.map((x) => x.deliveriesPerSecond)))!;
    const all = (rs: LoadResult[]) => `  (runs: ${rs.map((r) => fmt(r.deliveriesPerSecond)).join(', ')})`;
    console.log(line(emulator.name, s, pick(runs.emulator), s.mode === 'saturate' ? all(runs.emulator) : ''));
    console.log(line(plain.name, s, pick(runs.plain), s.mode === 'saturate' ? all(runs.plain) : ''));
    if (s.mode === 'saturate')
      ratios.set(s.name, median(runs.emulator.map((r) => r.deliveriesPerSecond)) / median(runs.plain.map((r) => r.deliveriesPerSecond)));
  }
  await emulator.close();
  await plain.close();
  console.log('');

  for (const factory of [() => plainAedes('naive'), mosquitto]) {
    const broker = await factory();
    if (!broker) continue;
    for (const s of scenarios) console.log(line(broker.name, s, await measure(broker, s)));
    await broker.close();
    console.log('');
  }

  console.log(`Emulator vs plain aedes (same framing), median of ${ROUNDS} alternating rounds, goal >= ${GOAL_RATIO}x throughput:`);
  let met = true;
  for (const [name, ratio] of ratios) {
    if (ratio < GOAL_RATIO) met = false;
    console.log(`  ${name.padEnd(24)} ${ratio.toFixed(2)}x ${ratio >= GOAL_RATIO ? 'ok' : 'BELOW GOAL'}`);
  }
  console.log(met ? 'goal met' : 'goal missed in at least one scenario');
}

await main();
