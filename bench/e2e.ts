/**
 * `npm run bench:e2e`: the full path HTTP POST -> API -> messages Lambda -> IoT data plane -> subscriber, against
 * the local stack running in its own process (as `npm start` runs it), beside two baselines measured in the same run
 * on the same topic and subscriber: broker only (an MQTT client publishes) and data plane only (signed POST /topics);
 * and the notifications path: EventBridge PutEvents -> the bus's rule -> the notify Lambda (asynchronous invocation)
 * -> IoT data plane -> the same subscriber, on the user's notifications topic.
 * Figures: publish-to-receive latency p50/p99 at a fixed rate, and sustained messages per second with concurrent
 * posters. The per-connection IoT throttle (100 publishes/s) is switched off so that it is not what gets measured.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { NOTIFICATION_DETAIL_TYPE } from '../core/contracts/notifications.js';
import { eventBusName } from '../core/event-rules.js';
import { TopicScheme } from '../core/topics.js';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT } from '../local/local-deployment.js';
import { connectClient, type TestClient } from '../test/support/mqtt.js';
import { presignMqttUrl } from '../test/support/sign.js';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const topics = new TopicScheme(LOCAL_DEPLOYMENT);
// alice's inbox for general: where a message posted to general reaches her (general has two members, alice and bob).
const room = topics.inbox('alice', 'general');
const notifications = topics.userNotifications('alice');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startStack(): Promise<{ api: string; emulator: string; stop: () => void }> {
  const [awsPort, apiPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  // The per-connection IoT throttle and the per-user write limit are off: they are not what is measured here.
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: {
      ...process.env,
      LOCAL_AWS_PORT: String(awsPort),
      LOCAL_API_PORT: String(apiPort),
      LOCAL_WEB_MODE: 'off',
      LOCAL_DATA_DIR: dataDir,
      LOCAL_IOT_PUBLISHES_PER_SECOND: '0',
      LOCAL_RATE_LIMITS: 'off',
      // Nor the HTTP API stage's throttle (50 requests/s by default, as deployed).
      LOCAL_API_BURST_LIMIT: '5000',
      LOCAL_API_RATE_LIMIT: '10000',
      LOCAL_FUNCTION_LOG_LEVEL: 'WARN',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('local stack did not start within 30 s')), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready in')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`local stack exited with ${code}`)));
  });
  const stop = () => {
    child.kill('SIGTERM');
    child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  };
  return { api: `http://127.0.0.1:${apiPort}`, emulator: `http://127.0.0.1:${awsPort}`, stop };
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
  return { p50: at(50), p99: at(99), n: s.length };
}

/** Sends at a fixed rate for SECONDS; each payload carries its id; latency = receipt - send. */
async function fixedRate(subscriber: TestClient, send: (id: string) => Promise<void>): Promise<ReturnType<typeof stats>> {
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
  for (let i = 0; i < total; i += 1) {
    const id = `b-${i}-${Math.random().toString(36).slice(2, 8)}`;
    sentAt.set(id, performance.now());
    pending.push(send(id));
    await new Promise((r) => setTimeout(r, 1000 / RATE));
  }
  await Promise.all(pending);
  await new Promise((r) => setTimeout(r, 500));
  subscriber.client.off('message', onMessage);
  if (latencies.length < total) console.warn(`  (only ${latencies.length} of ${total} messages arrived)`);
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

    console.log(`bench:e2e: ${RATE} msg/s for ${SECONDS} s per path, QoS 1, one subscriber; local stack in its own process\n`);
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

    // Sustained: CONCURRENCY posters in a closed loop for SECONDS.
    let received = 0;
    subscriber.client.on('message', () => (received += 1));
    let posted = 0;
    const end = performance.now() + SECONDS * 1000;
    const startedAt = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          await post(`b-sustained-${posted}`);
          posted += 1;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const seconds = (performance.now() - startedAt) / 1000;
    console.log(
      `sustained: ${CONCURRENCY} concurrent posters -> ${(posted / seconds).toFixed(0)} POST/s accepted, ${(received / seconds).toFixed(0)} messages/s received (${received}/${posted})`,
    );
    await subscriber.end();
    await publisher.end();
  } finally {
    stack.stop();
  }
}

await main();
