/**
 * The room members' MQTT connections (MQTT.js over SigV4-presigned WebSockets, as browsers connect), in their own
 * process (forked by bench/fanout.ts) so that receiving does not share a core with the stack under test. Each
 * client subscribes to its user's inbox filter at QoS 1; the shared-topic baseline subscribes the first N clients
 * to one topic for a while. Every payload names its message by a tag in `text`; per tag the process records
 * which clients got it and when, and `wait` answers once the first N clients all have it.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { wallClockMs } from './clock.js';
import { serveIpc } from './ipc.js';

export interface SubscriberSpec {
  url: string;
  clientId: string;
  /** Subscribed at QoS 1 right after CONNACK. */
  inboxFilter: string;
}

export interface Arrivals {
  /** Distinct clients among the first `receivers` that got the tag. */
  received: number;
  /** Wall-clock ms of the first and of the last of those deliveries. */
  firstAt: number;
  lastAt: number;
  /** Copies beyond the first to the same client, and copies to clients outside the first `receivers`. */
  duplicates: number;
  outside: number;
}

export type SubscribersProtocol = {
  connect: { args: { subscribers: SubscriberSpec[] }; result: { connected: number; ms: number } };
  subscribeShared: { args: { first: number; topic: string }; result: null };
  unsubscribeShared: { args: { first: number; topic: string }; result: null };
  /** Resolves when the first `receivers` clients all got `tag`, or after `timeoutMs` with what arrived. */
  wait: { args: { tag: string; receivers: number; timeoutMs: number }; result: Arrivals };
  /** Deliveries that arrived for a tag after its wait had finished, and clients the broker closed. */
  counters: { args: null; result: { late: number; closed: number } };
};

const TAG = /"text":"(fx-[0-9a-z-]+)"/;

interface Waiter {
  receivers: number;
  received: number;
  firstAt: number;
  lastAt: number;
  done: () => void;
}

interface Tally {
  seen: Uint8Array;
  copies: number;
  firstAt: number;
  lastAt: number;
  waiter?: Waiter;
}

const clients: MqttClient[] = [];
const tallies = new Map<string, Tally>();
const finished = new Set<string>();
let late = 0;
let closed = 0;
let stopping = false;

function arrival(index: number, payload: Buffer): void {
  const at = wallClockMs();
  const tag = TAG.exec(payload.toString('utf8'))?.[1];
  if (!tag) return;
  if (finished.has(tag)) {
    late += 1;
    return;
  }
  let tally = tallies.get(tag);
  if (!tally) {
    tally = { seen: new Uint8Array(clients.length), copies: 0, firstAt: at, lastAt: at };
    tallies.set(tag, tally);
  }
  tally.copies += 1;
  const firstCopy = tally.seen[index] === 0;
  tally.seen[index] = 1;
  tally.lastAt = at;
  const w = tally.waiter;
  if (w && firstCopy && index < w.receivers) {
    w.received += 1;
    if (w.received === 1) w.firstAt = at;
    w.lastAt = at;
    if (w.received === w.receivers) w.done();
  }
}

async function connectOne(spec: SubscriberSpec, index: number): Promise<MqttClient> {
  const client = mqtt.connect(spec.url, { clientId: spec.clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 30_000, keepalive: 300 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error(`${spec.clientId}: connection closed before CONNACK`)));
  });
  client.on('message', (_topic, payload) => arrival(index, payload));
  client.once('close', () => {
    if (!stopping) closed += 1;
  });
  const granted = await client.subscribeAsync(spec.inboxFilter, { qos: 1 });
  if (granted[0]?.qos !== 1) throw new Error(`${spec.clientId}: SUBSCRIBE ${spec.inboxFilter} was not granted QoS 1 (${JSON.stringify(granted)})`);
  return client;
}

function firstClients(first: number): MqttClient[] {
  if (first > clients.length) throw new Error(`only ${clients.length} clients are connected, ${first} asked for`);
  return clients.slice(0, first);
}

serveIpc<SubscribersProtocol>(
  null,
  {
    async connect({ subscribers }) {
      const started = performance.now();
      // In waves of 50, as many browsers opening at once would, without a thousand handshakes in one tick.
      for (let i = 0; i < subscribers.length; i += 50) {
        const wave = subscribers.slice(i, i + 50);
        clients.push(...(await Promise.all(wave.map((s, k) => connectOne(s, i + k)))));
      }
      return { connected: clients.length, ms: performance.now() - started };
    },
    async subscribeShared({ first, topic }) {
      await Promise.all(
        firstClients(first).map(async (c) => {
          const granted = await c.subscribeAsync(topic, { qos: 1 });
          if (granted[0]?.qos !== 1) throw new Error(`SUBSCRIBE ${topic} was not granted QoS 1 (${JSON.stringify(granted)})`);
        }),
      );
      return null;
    },
    async unsubscribeShared({ first, topic }) {
      await Promise.all(firstClients(first).map((c) => c.unsubscribeAsync(topic)));
      return null;
    },
    wait({ tag, receivers, timeoutMs }) {
      return new Promise<Arrivals>((resolve) => {
        let tally = tallies.get(tag);
        if (!tally) {
          tally = { seen: new Uint8Array(clients.length), copies: 0, firstAt: 0, lastAt: 0 };
          tallies.set(tag, tally);
        }
        const t = tally;
        // Deliveries that came before the wait (possible: it is asked for after the publish) count too.
        const w: Waiter = { receivers, received: 0, firstAt: Number.NaN, lastAt: Number.NaN, done: () => undefined };
        for (let i = 0; i < receivers; i += 1) if (t.seen[i] === 1) w.received += 1;
        if (w.received > 0) {
          w.firstAt = t.firstAt;
          w.lastAt = t.lastAt;
        }
        const finish = () => {
          clearTimeout(timer);
          tallies.delete(tag);
          finished.add(tag);
          let distinct = 0;
          for (const s of t.seen) distinct += s;
          let outside = 0;
          for (let i = receivers; i < t.seen.length; i += 1) outside += t.seen[i]!;
          resolve({ received: w.received, firstAt: w.firstAt, lastAt: w.lastAt, duplicates: t.copies - distinct, outside });
        };
        const timer = setTimeout(finish, timeoutMs);
        w.done = finish;
        t.waiter = w;
        if (w.received === receivers) finish();
      });
    },
    async counters() {
      return { late, closed };
    },
  },
  async () => {
    stopping = true;
    await Promise.all(clients.map((c) => c.endAsync(true)));
  },
);
