/**
 * The members' MQTT connections under soak (forked by bench/soak.ts), in their own process so receiving does not
 * share a core with the stack. Each connection is what a browser tab keeps: MQTT.js over a SigV4-presigned WebSocket,
 * its own client id (`<app>.<stage>.<user>.<tab>`), a persistent session (clean session 0) with its inbox filter
 * subscribed at QoS 1, reconnecting by itself after every drop. When the session survives a drop the broker sends
 * what it queued meanwhile; when it did not (CONNACK sessionPresent 0 on a reconnect), that is counted: what was
 * queued in it is gone. Every copy of every room message is recorded by messageId and connection, so the driver can
 * tell delivered, duplicated and lost apart; presence changes (QoS 0) are counted only.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { wallClockMs } from '../fanout/clock.js';
import { serveIpc } from '../fanout/ipc.js';
import type { MessageDeliveries } from './ledger.js';

export interface SoakSubscriberSpec {
  url: string;
  clientId: string;
  inboxFilter: string;
  /** The one room this connection's user is a member of. */
  roomId: string;
}

export interface ConnectionCounters {
  /** Connections whose CONNACK has arrived and that have not dropped since. */
  connected: number;
  /** Successful reconnects after a drop. */
  reconnects: number;
  /** Reconnects whose CONNACK said the session was gone (its queued messages with it). */
  sessionsLost: number;
  /** Drops of an established connection (outages, broker closes). */
  drops: number;
  /** Errors MQTT.js reported (refused upgrades during an outage among them), by message. */
  errors: Record<string, number>;
  presenceChanges: number;
  /** Payloads that were neither a soak room message nor a presence change. */
  unexpected: number;
}

export type SoakSubscribersProtocol = {
  connect: { args: { subscribers: SoakSubscriberSpec[] }; result: { connected: number; ms: number } };
  /** How many (message, connection) pairs of these accepted messages have not arrived yet. */
  outstanding: { args: { accepted: Array<{ messageId: string; roomId: string }> }; result: { missing: number } };
  counters: { args: null; result: ConnectionCounters };
  report: { args: null; result: MessageDeliveries[] };
  /** For a post-mortem (BENCH_SOAK_DUMP): each connection's client id and what happened to it, in order. */
  timelines: { args: null; result: Array<{ clientId: string; events: ConnectionEvent[] }> };
};

/** Wall-clock ms and what happened: `connect` (with sessionPresent), `close`, or an error's message. */
export type ConnectionEvent = [at: number, what: string];

/** The soak's message texts: `soak-<seq>`. */
const TEXT = /^soak-(\d+)$/;
/** Reconnect delays spread over [1, 2) s, as browsers' jittered backoff spreads them, not a thousand at once. */
const RECONNECT_MIN_MS = 1000;
const RECONNECT_SPREAD_MS = 1000;

interface Received {
  roomId: string;
  seq: number | undefined;
  /** Copies per connection index. */
  copies: Uint16Array;
  firstAt: Float64Array;
}

const clients: MqttClient[] = [];
const timelines: Array<{ clientId: string; events: ConnectionEvent[] }> = [];
const roomOf: string[] = [];
const connectionsOf = new Map<string, number[]>();
const received = new Map<string, Received>();
const counters: ConnectionCounters = { connected: 0, reconnects: 0, sessionsLost: 0, drops: 0, errors: {}, presenceChanges: 0, unexpected: 0 };
let total = 0;
let stopping = false;

function arrival(index: number, payload: Buffer): void {
  const at = wallClockMs();
  let message: { type?: unknown; messageId?: unknown; roomId?: unknown; text?: unknown };
  try {
    message = JSON.parse(payload.toString('utf8'));
  } catch {
    counters.unexpected += 1;
    return;
  }
  if (message.type === 'presence') {
    counters.presenceChanges += 1;
    return;
  }
  if (message.type !== 'message' || typeof message.messageId !== 'string' || typeof message.roomId !== 'string') {
    counters.unexpected += 1;
    return;
  }
  let r = received.get(message.messageId);
  if (!r) {
    const seq = typeof message.text === 'string' ? TEXT.exec(message.text)?.[1] : undefined;
    r = { roomId: message.roomId, seq: seq === undefined ? undefined : Number(seq), copies: new Uint16Array(total), firstAt: new Float64Array(total) };
    received.set(message.messageId, r);
  }
  if (r.copies[index] === 0) r.firstAt[index] = at;
  r.copies[index] = Math.min(0xffff, r.copies[index]! + 1);
}

function connectOne(spec: SoakSubscriberSpec, index: number): Promise<MqttClient> {
  const client = mqtt.connect(spec.url, {
    clientId: spec.clientId,
    protocolVersion: 4,
    clean: false,
    reconnectPeriod: RECONNECT_MIN_MS + Math.floor(Math.random() * RECONNECT_SPREAD_MS),
    connectTimeout: 30_000,
    keepalive: 60,
  });
  const events: ConnectionEvent[] = [];
  timelines[index] = { clientId: spec.clientId, events };
  client.on('message', (_topic, payload) => arrival(index, payload));
  client.on('error', (error) => {
    counters.errors[error.message] = (counters.errors[error.message] ?? 0) + 1;
    events.push([wallClockMs(), error.message]);
  });
  let established = false;
  client.on('close', () => {
    events.push([wallClockMs(), 'close']);
    if (!established || stopping) return;
    established = false;
    counters.connected -= 1;
    counters.drops += 1;
  });
  return new Promise((resolve, rejectPromise) => {
    let first = true;
    // A client that never got going must not keep reconnecting behind the driver's back.
    const reject = (error: Error) => {
      client.end(true);
      rejectPromise(error);
    };
    client.on('connect', (connack) => {
      events.push([wallClockMs(), `connect sessionPresent=${connack.sessionPresent}`]);
      established = true;
      counters.connected += 1;
      if (first) {
        first = false;
        // The first connection of a fresh client id: subscribe; later ones resume the session, subscription included.
        client.subscribeAsync(spec.inboxFilter, { qos: 1 }).then((granted) => {
          if (granted[0]?.qos !== 1) reject(new Error(`${spec.clientId}: SUBSCRIBE ${spec.inboxFilter} was not granted QoS 1 (${JSON.stringify(granted)})`));
          else resolve(client);
        }, reject);
        return;
      }
      counters.reconnects += 1;
      if (!connack.sessionPresent) counters.sessionsLost += 1;
    });
    client.once('close', () => {
      if (first) reject(new Error(`${spec.clientId}: connection closed before its first CONNACK`));
    });
  });
}

serveIpc<SoakSubscribersProtocol>(
  null,
  {
    async connect({ subscribers }) {
      const started = performance.now();
      total = subscribers.length;
      subscribers.forEach((s, i) => {
        roomOf[i] = s.roomId;
        connectionsOf.set(s.roomId, [...(connectionsOf.get(s.roomId) ?? []), i]);
      });
      // In waves of 50, as many browsers opening at once would, without a thousand handshakes in one tick.
      for (let i = 0; i < subscribers.length; i += 50) {
        const wave = subscribers.slice(i, i + 50);
        clients.push(...(await Promise.all(wave.map((s, k) => connectOne(s, i + k)))));
      }
      return { connected: counters.connected, ms: performance.now() - started };
    },
    async outstanding({ accepted }) {
      let missing = 0;
      for (const { messageId, roomId } of accepted) {
        const members = connectionsOf.get(roomId) ?? [];
        const r = received.get(messageId);
        for (const i of members) if (!r || r.copies[i] === 0) missing += 1;
      }
      return { missing };
    },
    async counters() {
      return counters;
    },
    async timelines() {
      return timelines;
    },
    async report() {
      return [...received].map(([messageId, r]) => {
        const d: MessageDeliveries = { messageId, roomId: r.roomId, seq: r.seq, members: 0, copies: 0, outside: 0, firstArrivals: [], missing: [] };
        for (const i of connectionsOf.get(r.roomId) ?? []) if (r.copies[i] === 0) d.missing.push(timelines[i]?.clientId ?? String(i));
        for (let i = 0; i < total; i += 1) {
          const copies = r.copies[i]!;
          if (copies === 0) continue;
          if (roomOf[i] !== r.roomId) {
            d.outside += 1;
            continue;
          }
          d.members += 1;
          d.copies += copies;
          d.firstArrivals.push(Math.round(r.firstAt[i]! * 10) / 10);
        }
        return d;
      });
    },
  },
  async () => {
    stopping = true;
    await Promise.all(clients.map((c) => c.endAsync(true)));
  },
);
