/**
 * The benchmark's load generator, run as a separate process so the broker under test has its own core:
 * N MQTT.js WebSocket subscribers and one publisher. Two modes:
 * - saturate: closed loop, at most `window` messages in flight (published but not yet delivered to every subscriber);
 * - fixed-rate: open loop at `rate` messages per second, recording publish-to-receive latency.
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface LoadJob {
  subscriberUrls: Array<{ url: string; clientId: string }>;
  publisher: { url: string; clientId: string };
  topic: string;
  qos: 0 | 1;
  mode: 'saturate' | 'fixed-rate';
  warmupMs: number;
  measureMs: number;
  window?: number;
  rate?: number;
}

export interface LoadResult {
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  latencyMs?: { p50: number; p99: number; samples: number };
}

async function connect(url: string, clientId: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000, keepalive: 120 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const subscribers: MqttClient[] = [];
  for (let i = 0; i < job.subscriberUrls.length; i += 50) {
    subscribers.push(...(await Promise.all(job.subscriberUrls.slice(i, i + 50).map((s) => connect(s.url, s.clientId)))));
  }
  await Promise.all(subscribers.map((s) => s.subscribeAsync(job.topic, { qos: job.qos })));
  const publisher = await connect(job.publisher.url, job.publisher.clientId);

  let deliveries = 0;
  let measuring = false;
  const latencies: number[] = [];
  let onDelivery: () => void = () => undefined;
  for (const s of subscribers) {
    s.on('message', (_topic, payload) => {
      deliveries += 1;
      if (measuring && job.mode === 'fixed-rate') latencies.push(performance.timeOrigin + performance.now() - Number(payload.toString('utf8', 0, 20).trim()));
      onDelivery();
    });
  }
  const n = subscribers.length;
  const payload = (): Buffer => {
    const b = Buffer.alloc(64, ' ');
    b.write(String(performance.timeOrigin + performance.now()));
    return b;
  };

  let stop = false;
  const started = Date.now();
  let measureStart = 0;
  let deliveriesAtStart = 0;
  const phase = setTimeout(() => {
    measuring = true;
    measureStart = performance.now();
    deliveriesAtStart = deliveries;
  }, job.warmupMs);
  const end = new Promise<void>((resolve) =>
    setTimeout(() => {
      stop = true;
      resolve();
    }, job.warmupMs + job.measureMs),
  );

  if (job.mode === 'saturate') {
    const window = job.window ?? 20;
    let published = 0;
    const pump = () => {
      while (!stop && deliveries >= (published - window) * n) {
        published += 1;
        publisher.publish(job.topic, payload(), { qos: job.qos });
      }
    };
    onDelivery = pump;
    pump();
  } else {
    const interval = 1000 / (job.rate ?? 10);
    const timer = setInterval(() => publisher.publish(job.topic, payload(), { qos: job.qos }), interval);
    void end.then(() => clearInterval(timer));
  }
  await end;
  clearTimeout(phase);
  const seconds = (performance.now() - measureStart) / 1000;
  const measured = deliveries - deliveriesAtStart;
  await Promise.all([...subscribers, publisher].map((c) => c.endAsync(true)));
  void started;
  const sorted = latencies.sort((a, b) => a - b);
  return {
    deliveries: measured,
    seconds,
    deliveriesPerSecond: measured / seconds,
    ...(job.mode === 'fixed-rate' ? { latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: sorted.length } } : {}),
  };
}

process.on('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ ok: true, result }),
    (error: unknown) => process.send?.({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
