/**
 * The room members' MQTT connections (MQTT.js over SigV4-presigned WebSockets, as browsers connect), in their own
 * process (forked by bench/fanout.ts) so that receiving does not share a core with the stack under test. Each
 * client subscribes to its user's inbox filter at QoS 1; the shared-topic baseline subscribes the first N clients
 * to one topic for a while. Every payload names its message by a tag in `text`; per tag the process records
 * which clients got it and when (tally.ts), and `wait` answers once the first N clients all have it.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { wallClockMs } from './clock.js';
import { serveIpc } from './ipc.js';
import { type Arrivals, DeliveryTally, type LateArrivals, type Straggler } from './tally.js';

export type { Arrivals, LateArrivals, Straggler } from './tally.js';

export interface SubscriberSpec {
  url: string;
  clientId: string;
  /** Subscribed at QoS 1 right after CONNACK. */
  inboxFilter: string;
}

export type SubscribersProtocol = {
  connect: { args: { subscribers: SubscriberSpec[] }; result: { connected: number; ms: number } };
  subscribeShared: { args: { first: number; topic: string }; result: null };
  unsubscribeShared: { args: { first: number; topic: string }; result: null };
  /** Resolves when the first `receivers` clients all got `tag`, or after `timeoutMs` with what arrived. */
  wait: { args: { tag: string; receivers: number; timeoutMs: number }; result: Arrivals };
  /** Deliveries that arrived for a tag after its wait had finished, and clients the broker closed. */
  counters: { args: null; result: { late: LateArrivals; closed: number } };
  /** For tags whose wait timed out: each client it timed out without and whether (when) it got the tag since. */
  stragglers: { args: { tags: string[] }; result: Record<string, Straggler[]> };
};

const TAG = /"text":"(fx-[0-9a-z-]+)"/;

const clients: MqttClient[] = [];
const tally = new DeliveryTally(() => clients.length);
let closed = 0;
let stopping = false;

function arrival(index: number, payload: Buffer): void {
  const at = wallClockMs();
  const tag = TAG.exec(payload.toString('utf8'))?.[1];
  if (tag) tally.arrival(tag, index, at);
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
    wait({ tag, receivers, timeoutMs }): Promise<Arrivals> {
      return tally.wait(tag, receivers, timeoutMs);
    },
    async counters() {
      return { late: tally.late, closed };
    },
    async stragglers({ tags }) {
      return tally.stragglers(tags);
    },
  },
  async () => {
    stopping = true;
    await Promise.all(clients.map((c) => c.endAsync(true)));
  },
);
