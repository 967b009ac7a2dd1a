/**
 * The hooks on aedes-persistence's memory store (11.0.0, as aedes 1.2.0 calls it): which SUBSCRIBE filters are offered
 * retained messages, the mirrors that bound retained messages and persistent-session queues, and the pace at which a
 * resumed session's stored messages leave. aedes-adapter.test.ts checks each "Relies on" below.
 */
import { Readable } from 'node:stream';
import type { PromisePersistence, RoutedPacket } from './aedes-internals.js';

export interface PersistenceHookOptions {
  /** Which SUBSCRIBE filters are offered retained messages; all of them when omitted. */
  retainedFor?: (filter: string) => boolean;
  /**
   * Which filter matches which topic; MQTT's matching (aedes' own) when omitted. Applied to every live delivery, to
   * the queues of persistent sessions and so to the stored messages a resumed session gets.
   */
  matches?: (filter: string, topic: string) => boolean;
  /** Stored messages of a resumed persistent session are sent at most this many per second; 0 or omitted: at once. */
  storedMessagesPerSecond?: number;
  /** Messages one persistent session may have stored; over it, new ones are not stored for it (`onQueueFull`). */
  maxQueuedPerSession?: number;
  onQueueFull?: (clientId: string, topic: string) => void;
}

/** What the data plane's ListRetainedMessages tells of a retained message (its payload stays in the store). */
export interface RetainedSummary {
  payloadSize: number;
  qos: number;
  /** Epoch milliseconds when the broker stored it. */
  lastModifiedTime: number;
}

/** What is mirrored from the store to bound it. */
export interface PersistenceMirrors {
  /** Stored messages per client id (persistent sessions). */
  queued: Map<string, number>;
  /** Topics holding a retained message, with what ListRetainedMessages answers of each. */
  retainedTopics: Map<string, RetainedSummary>;
}

/** Installs the hooks on `persistence`; returns its own `outgoingStream`, unpaced. */
export function hookPersistence(
  persistence: PromisePersistence,
  options: PersistenceHookOptions,
  mirrors: PersistenceMirrors,
): (client: { id: string }) => Readable {
  const { retainedFor, matches, storedMessagesPerSecond, maxQueuedPerSession, onQueueFull } = options;
  const { queued, retainedTopics } = mirrors;
  if (retainedFor) {
    // Relies on: aedes asks `createRetainedStreamCombi(filters)` for the retained messages of a SUBSCRIBE.
    const retainedStream = persistence.createRetainedStreamCombi.bind(persistence);
    persistence.createRetainedStreamCombi = (patterns: string[]) => retainedStream(patterns.filter(retainedFor));
  }
  // Relies on: every retained message, and every deletion (empty payload), passes through `storeRetained`.
  const storeRetained = persistence.storeRetained.bind(persistence);
  persistence.storeRetained = (packet, ...rest) => {
    const payloadSize = Buffer.byteLength(packet.payload);
    if (payloadSize === 0) retainedTopics.delete(packet.topic);
    else retainedTopics.set(packet.topic, { payloadSize, qos: packet.qos ?? 0, lastModifiedTime: Date.now() });
    return storeRetained(packet, ...rest);
  };
  // Relies on: QoS 1 messages for persistent sessions are queued through `outgoingEnqueueCombi`/`outgoingEnqueue`
  // and leave the queue only through `outgoingClearMessageId` (PUBACK, refused or expired), which resolves with the
  // packet it removed.
  const admit = (subs: Array<{ clientId: string; topic?: string }>, packet: RoutedPacket) => {
    const admitted: typeof subs = [];
    for (const sub of subs) {
      if (matches && sub.topic !== undefined && !matches(sub.topic, packet.topic)) continue;
      const count = queued.get(sub.clientId) ?? 0;
      if (maxQueuedPerSession !== undefined && count >= maxQueuedPerSession) {
        onQueueFull?.(sub.clientId, packet.topic);
        continue;
      }
      queued.set(sub.clientId, count + 1);
      admitted.push(sub);
    }
    return admitted;
  };
  const enqueueCombi = persistence.outgoingEnqueueCombi.bind(persistence);
  persistence.outgoingEnqueueCombi = (subs, packet, ...rest) => enqueueCombi(subs.length === 0 ? subs : (admit(subs, packet) as typeof subs), packet, ...rest);
  const enqueue = persistence.outgoingEnqueue.bind(persistence);
  persistence.outgoingEnqueue = (sub, packet, ...rest) => (admit([sub], packet).length === 1 ? enqueue(sub, packet, ...rest) : Promise.resolve());
  const clear = persistence.outgoingClearMessageId.bind(persistence);
  // Every PUBACK comes here: clients with nothing stored (clean sessions) go straight through.
  persistence.outgoingClearMessageId = (client, packet) =>
    queued.has(client.id)
      ? clear(client, packet).then((removed) => {
          if (removed) countDequeued(queued, client.id);
          return removed;
        })
      : clear(client, packet);
  // Relies on: a resumed session's stored messages are read from `outgoingStream(client)` and written as they come.
  const unpacedOutgoing = persistence.outgoingStream.bind(persistence);
  if (storedMessagesPerSecond) {
    // A replay stops when its client closes: what is left stays stored for the next connection (bench:soak found
    // a replay that ran on after the close and had every remaining message cleared as undeliverable).
    persistence.outgoingStream = (client) =>
      Readable.from(paced(unpacedOutgoing(client), storedMessagesPerSecond, () => (client as unknown as { closed?: boolean }).closed === true));
  }
  return unpacedOutgoing;
}

function countDequeued(queued: Map<string, number>, clientId: string): void {
  const count = queued.get(clientId);
  if (count === undefined) return;
  if (count <= 1) queued.delete(clientId);
  else queued.set(clientId, count - 1);
}

/** Yields the source's items at most `perSecond` per second, the first at once, until `stopped()`. */
export async function* paced(source: AsyncIterable<unknown>, perSecond: number, stopped: () => boolean = () => false): AsyncGenerator<unknown> {
  const gapMs = 1000 / perSecond;
  let nextAt = Date.now();
  for await (const item of source) {
    const wait = nextAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
    if (stopped()) return;
    nextAt = Math.max(nextAt, Date.now()) + gapMs;
    yield item;
  }
}
