/**
 * `npm run bench:e2e`: the full path HTTP POST -> API -> messages Lambda -> IoT data plane -> subscriber, against
 * the local stack running in its own process (bench/e2e/stack-process.ts: startLocalStack as `npm start` builds it),
 * beside two baselines measured in the same run on the same topic and subscriber: broker only (an MQTT client
 * publishes) and data plane only (signed POST /topics); and the notifications path: EventBridge PutEvents -> the bus's
 * rule -> the notify Lambda (asynchronous invocation) -> IoT data plane -> the same subscriber, on the user's
 * notifications topic.
 * Figures: publish-to-receive latency p50/p99 at a fixed rate, and sustained messages per second with concurrent
 * posters; the goals of issue 23 (full path p50 at most 2x the data plane's, at least 300 POST/s sustained) are checked
 * against the figures of this run. Caps that would be measured instead of the path are raised for the bench only, and
 * the bench prints which (stack-process.ts).
 * Knobs: BENCH_RATE (50), BENCH_SECONDS (10), BENCH_CONCURRENCY (8), BENCH_WARMUP (20 sends), BENCH_SUSTAINED_WARMUP (10 s),
 * BENCH_E2E_STORE (memory | disk),
 * BENCH_CPU_PROF_DIR (a CPU profile of the stack process's main thread, written when it stops).
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { NOTIFICATION_DETAIL_TYPE } from '../core/contracts/notifications.js';
import { eventBusName } from '../core/event-rules.js';
import { TopicScheme } from '../core/topics.js';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT } from '../local/local-deployment.js';
import { connectClient, type TestClient } from '../test/support/mqtt.js';
import { presignMqttUrl } from '../test/support/sign.js';
import type { CpuTime } from './cpu-time.js';
import type { E2eStackInfo, E2eStackProtocol } from './e2e/stack-process.js';
import { IpcChild } from './fanout/ipc.js';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 20);
const SUSTAINED_WARMUP = Number(process.env.BENCH_SUSTAINED_WARMUP ?? 10);
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
/** Issue 23's goals for this bench. */
const GOAL_FULL_OVER_PLANE_P50 = 2;
const GOAL_SUSTAINED_POSTS_PER_SECOND = 300;
const topics = new TopicScheme(LOCAL_DEPLOYMENT);
// alice's inbox for general: where a message posted to general reaches her (general has two members, alice and bob).
const room = topics.inbox('alice', 'general');
const notifications = topics.userNotifications('alice');

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function startStack(): Promise<{ api: string; emulator: string; settings: string[]; cpu: () => Promise<CpuTime>; stop: () => Promise<void> }> {
  const child = await IpcChild.start<E2eStackProtocol, E2eStackInfo>(new URL('./e2e/stack-process.ts', import.meta.url).pathname, {
    startTimeoutMs: 120_000,
    execArgv: CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROFILE_DIR}`] : [],
  });
  return {
    api: child.info.apiUrl,
    emulator: child.info.emulatorUrl,
    settings: child.info.settings,
    cpu: () => child.call('cpu', null),
    stop: () => child.stop(),
  };
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
  return { p50: at(50), p99: at(99), n: s.length };
}

/**
 * Sends at a fixed rate for SECONDS; each payload carries its id; latency = receipt - send. WARMUP sends one after the
 * other come first, not measured, so that each path is measured warm (its functions' environments started and JIT'ed):
 * otherwise the first sends of an open loop start a cold environment each, which on this machine's 2 cores is what
 * gets measured.
 */
async function fixedRate(subscriber: TestClient, send: (id: string) => Promise<void>): Promise<ReturnType<typeof stats>> {
  for (let i = 0; i < WARMUP; i += 1) await send(`w-${i}`);
  await new Promise((r) => setTimeout(r, 200));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const onMessage = (_t: string, payload: Buffer) => {
    const id = /"(?:bench|text)":"(b-[^"]+)"/.exec(payload.toString())?.[1];
    const start = id ? sentAt.get(id) : undefined;
    if (start !== undefined) latencies.push(performance.now() - start);
  };
  subscriber.client.on('message', onMessage);
  const total = RATE * SECONDS;
  const pending: Array<Promise<void>> = [];
  const failures = new Map<string, number>();
  for (let i = 0; i < total; i += 1) {
    const id = `b-${i}-${Math.random().toString(36).slice(2, 8)}`;
    sentAt.set(id, performance.now());
    pending.push(send(id).catch((error: unknown) => void failures.set(String(error), (failures.get(String(error)) ?? 0) + 1)));
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  await Promise.all(pending);
  await new Promise((r) => setTimeout(r, 500));
  subscriber.client.off('message', onMessage);
  if (latencies.length < total) console.warn(`  (only ${latencies.length} of ${total} messages arrived)`);
  for (const [error, count] of failures) console.warn(`  (${count} sends failed: ${error})`);
  return stats(latencies);
}

async function main(): Promise<void> {
  const stack = await startStack();
  try {
    const token = (
      (await (await fetch(`${stack.api}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"alice"}' })).json()) as {
        token: string;
      }
    ).token;
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const creds = (await (await fetch(`${stack.api}/credentials`, { method: 'POST', headers: auth })).json()) as {
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken: string;
      clientId: string;
      iotEndpoint: string;
    };
    const subscriber = await connectClient(await presignMqttUrl(creds, { connectTo: stack.emulator, signedHost: creds.iotEndpoint }), creds.clientId);
    await subscriber.client.subscribeAsync([room, notifications], { qos: 1 });
    const publisher = await connectClient(await presignMqttUrl(LOCAL_ADMIN_CREDENTIALS, { connectTo: stack.emulator }), 'bench-mqtt-publisher');
    const dataPlane = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: stack.emulator, credentials: LOCAL_ADMIN_CREDENTIALS });

    const eventBridge = new EventBridgeClient({ region: LOCAL_DEPLOYMENT.region, endpoint: stack.emulator, credentials: LOCAL_ADMIN_CREDENTIALS });
    const notify = async (id: string) => {
      const detail = { to: { kind: 'user', userId: 'alice' }, type: 'bench', data: { bench: id } };
      const out = await eventBridge.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: eventBusName(LOCAL_DEPLOYMENT), Source: 'com.example.bench', DetailType: NOTIFICATION_DETAIL_TYPE, Detail: JSON.stringify(detail) },
          ],
        }),
      );
      if (out.FailedEntryCount !== 0) throw new Error(`PutEvents refused the entry: ${JSON.stringify(out.Entries)}`);
    };
    const post = async (id: string) => {
      const res = await fetch(`${stack.api}/rooms/general/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ text: id }) });
      if (res.status !== 202) throw new Error(`POST answered ${res.status}`);
      await res.arrayBuffer();
    };

    console.log(
      `bench:e2e: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${load()}`,
    );
    console.log('local stack in its own process; for the bench only:');
    for (const setting of stack.settings) console.log(`  - ${setting}`);
    console.log(
      `${RATE} msg/s for ${SECONDS} s per path after ${WARMUP} unmeasured sends one at a time, QoS 1, one subscriber (alice's inbox of general, which has two members)\n`,
    );
    const broker = await fixedRate(subscriber, async (id) => void (await publisher.client.publishAsync(room, JSON.stringify({ bench: id }), { qos: 1 })));
    const plane = await fixedRate(
      subscriber,
      async (id) => void (await dataPlane.send(new PublishCommand({ topic: room, qos: 1, payload: new TextEncoder().encode(JSON.stringify({ bench: id })) }))),
    );
    const full = await fixedRate(subscriber, post);
    const notified = await fixedRate(subscriber, notify);
    const row = (name: string, s: ReturnType<typeof stats>) =>
      console.log(`${name.padEnd(58)} p50 ${s.p50.toFixed(2).padStart(6)} ms   p99 ${s.p99.toFixed(2).padStart(6)} ms   (${s.n} samples)`);
    row('broker only (MQTT publish -> subscriber)', broker);
    row('data plane (signed POST /topics -> subscriber)', plane);
    row('full path (POST /rooms/.../messages -> subscriber)', full);
    row('notifications (PutEvents -> rule -> notify -> subscriber)', notified);
    console.log(`\nfull path adds ${(full.p50 - broker.p50).toFixed(2)} ms at p50 and ${(full.p99 - broker.p99).toFixed(2)} ms at p99 over the broker alone`);
    console.log(
      `notifications add ${(notified.p50 - plane.p50).toFixed(2)} ms at p50 and ${(notified.p99 - plane.p99).toFixed(2)} ms at p99 over a data-plane publish`,
    );

    // Sustained: CONCURRENCY posters in a closed loop, SUSTAINED_WARMUP seconds unmeasured (every environment the
    // concurrency needs started and its code optimized), then SECONDS measured; a refused POST is counted, not retried.
    await new Promise((r) => setTimeout(r, 1000));
    let received = 0;
    const countSustained = (_topic: string, payload: Buffer) => {
      if (payload.includes('b-sustained-')) received += 1;
    };
    let accepted = 0;
    let measuring = false;
    const refused = new Map<string, number>();
    const warmEnd = performance.now() + SUSTAINED_WARMUP * 1000;
    const end = warmEnd + SECONDS * 1000;
    let stackCpuBefore: CpuTime | undefined;
    let benchCpuBefore: NodeJS.CpuUsage | undefined;
    let startedAt = 0;
    const startMeasuring = async () => {
      stackCpuBefore = await stack.cpu();
      benchCpuBefore = process.cpuUsage();
      startedAt = performance.now();
      subscriber.client.on('message', countSustained);
      measuring = true;
    };
    const measureAt = new Promise<void>((resolve) => setTimeout(() => void startMeasuring().then(resolve), SUSTAINED_WARMUP * 1000));
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, poster) => {
        for (let i = 0; performance.now() < end; i += 1) {
          // Only posts sent once measuring has started count, and only their deliveries (the tag says which).
          const counted = measuring;
          try {
            await post(`${counted ? 'b-sustained' : 'w-sustained'}-${poster}-${i}`);
            if (counted) accepted += 1;
          } catch (error) {
            if (counted) refused.set(String(error), (refused.get(String(error)) ?? 0) + 1);
          }
        }
      }),
    );
    await measureAt;
    const seconds = (performance.now() - startedAt) / 1000;
    const stackCpu = await stack.cpu();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    if (!stackCpuBefore) throw new Error('the sustained phase ended before it was measured');
    await new Promise((r) => setTimeout(r, 1000));
    subscriber.client.off('message', countSustained);
    const perSecond = accepted / seconds;
    console.log(
      `sustained: ${CONCURRENCY} concurrent posters, ${SECONDS} s measured after ${SUSTAINED_WARMUP} s unmeasured -> ${perSecond.toFixed(0)} POST/s accepted (202), ${received}/${accepted} delivered${refused.size === 0 ? ', none refused' : ''}`,
    );
    for (const [error, count] of refused) console.log(`  refused: ${count} x ${error}`);
    // CPU per POST, whatever else runs on the machine: what the path costs, and the ceiling it sets on 2 idle cores.
    const posts = Math.max(1, accepted);
    const perPost = {
      stack: (stackCpu.processMs - stackCpuBefore.processMs) / posts,
      // Undefined without /proc (not Linux): the main thread's share is then not reported.
      main:
        stackCpu.mainThreadMs !== undefined && stackCpuBefore.mainThreadMs !== undefined
          ? (stackCpu.mainThreadMs - stackCpuBefore.mainThreadMs) / posts
          : undefined,
      bench: (benchCpu.user + benchCpu.system) / 1000 / posts,
    };
    console.log(
      `  CPU per POST: stack process ${perPost.stack.toFixed(2)} ms (its main thread, the emulator's loop: ${perPost.main?.toFixed(2) ?? 'unknown'} ms; the rest: functions' workers, store thread, GC and I/O threads), this load generator ${perPost.bench.toFixed(2)} ms`,
    );
    console.log(
      `  at that cost 2 idle cores would sustain about ${(2000 / (perPost.stack + perPost.bench)).toFixed(0)} POST/s${perPost.main ? `, and the main thread alone caps it at ${(1000 / perPost.main).toFixed(0)} POST/s` : ''}`,
    );

    const ratio = full.p50 / plane.p50;
    console.log(`\nGoals (issue 23), from this run; machine load average now ${load()}:`);
    console.log(
      `  full path p50 ${full.p50.toFixed(2)} ms = ${ratio.toFixed(2)}x the data plane's ${plane.p50.toFixed(2)} ms (goal <= ${GOAL_FULL_OVER_PLANE_P50}x): ${ratio <= GOAL_FULL_OVER_PLANE_P50 ? 'met' : 'MISSED'}`,
    );
    console.log(
      `  sustained ${perSecond.toFixed(0)} POST/s, all delivered: ${received === accepted ? 'yes' : 'NO'} (goal >= ${GOAL_SUSTAINED_POSTS_PER_SECOND}): ${perSecond >= GOAL_SUSTAINED_POSTS_PER_SECOND && received === accepted && refused.size === 0 ? 'met' : 'MISSED'}`,
    );
    await subscriber.end();
    await publisher.end();
  } finally {
    await stack.stop();
  }
}

await main();
