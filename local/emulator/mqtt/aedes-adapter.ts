/**
 * The ONE place that touches aedes beyond its typed, documented surface. Pinned: aedes 1.2.0, aedes-persistence
 * 11.0.0. Everything here is either an internal member the typings omit or a behaviour aedes does not promise;
 * aedes-adapter.test.ts checks each of them on a real Aedes instance, so an upgrade that breaks one fails there
 * first. The rest of the broker sees only this class, `Client`, and aedes' typed hooks and events.
 */

import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { type Duplex, Readable } from 'node:stream';
import { Aedes, type AedesOptions, type AedesPublishPacket, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import type { AedesMemoryPersistence } from 'aedes-persistence';

// aedes-persistence is CommonJS whose `module.exports` is the factory; its typings model it as an ES default export.
const createMemoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => AedesMemoryPersistence;

/** A packet as aedes' parser emits it, before aedes acts on it. */
export interface InboundPacket {
  cmd: string;
  subscriptions?: Subscription[];
  unsubscriptions?: string[];
}

/** A message as aedes routes it: `brokerCounter` numbers it, `messageId` is set only on a stored message being resent. */
interface RoutedPacket {
  topic: string;
  brokerId?: string | null;
  brokerCounter?: number;
  messageId?: number;
}

/** Internal: `Aedes#clients` (connected clients by id) and `Aedes#persistence`, untyped in aedes' d.ts. */
interface AedesInternals {
  clients: Record<string, Client | undefined>;
  persistence: PromisePersistence;
}

/** The promise forms of aedes-persistence that aedes 1.x calls (the d.ts only types the callback forms). */
interface PromisePersistence {
  cleanSubscriptions(client: { id: string }): Promise<unknown>;
  removeSubscriptions(client: { id: string }, topics: string[]): Promise<unknown>;
  outgoingStream(client: { id: string }): Readable;
  outgoingEnqueue(sub: { clientId: string }, packet: RoutedPacket, ...rest: unknown[]): Promise<unknown>;
  outgoingEnqueueCombi(subs: Array<{ clientId: string; topic: string }>, packet: RoutedPacket, ...rest: unknown[]): Promise<unknown>;
  outgoingClearMessageId(client: { id: string }, packet: { messageId?: number | undefined }): Promise<unknown>;
  storeRetained(packet: { topic: string; payload: Buffer | string }, ...rest: unknown[]): Promise<unknown>;
  delWill(client: { id: string; brokerId?: string }): Promise<unknown>;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/** Internal: the client's parser, subscriptions by filter, will, and dedup counters, untyped in aedes' d.ts. */
interface ClientInternals {
  _parser?: { prependListener(event: 'packet', listener: (packet: InboundPacket) => void): void };
  subscriptions: Record<string, unknown>;
  duplicates: Record<string, number>;
  will: unknown;
  [LAST_LIVE_DELIVERY]?: number;
}

const LAST_LIVE_DELIVERY = Symbol('last live delivery');

export interface AedesAdapterOptions extends Omit<AedesOptions, 'persistence'> {
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

export interface BrokerPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

/** One message the broker routed (published by a client, the broker itself or a Last Will). */
export type PublishedListener = (topic: string, payload: Buffer, meta: { qos: number; retain: boolean; clientId?: string }) => void;

export class AedesAdapter {
  readonly aedes: Aedes;
  readonly #persistence: PromisePersistence;
  /** Stored messages per client id (persistent sessions), mirrored to bound the queues. */
  readonly #queued = new Map<string, number>();
  /** Topics holding a retained message, mirrored to bound their number. */
  readonly #retainedTopics = new Set<string>();
  readonly #unpacedOutgoing: (client: { id: string }) => Readable;
  readonly #published = new Set<PublishedListener>();

  constructor(options: AedesAdapterOptions) {
    const { retainedFor, matches, storedMessagesPerSecond, maxQueuedPerSession, onQueueFull, authorizeForward, ...aedesOptions } = options;
    const persistence = createMemoryPersistence() as unknown as PromisePersistence;
    this.#persistence = persistence;
    if (retainedFor) {
      // Relies on: aedes asks `createRetainedStreamCombi(filters)` for the retained messages of a SUBSCRIBE.
      const retainedStream = persistence.createRetainedStreamCombi.bind(persistence);
      persistence.createRetainedStreamCombi = (patterns: string[]) => retainedStream(patterns.filter(retainedFor));
    }
    // Relies on: every retained message, and every deletion (empty payload), passes through `storeRetained`.
    const storeRetained = persistence.storeRetained.bind(persistence);
    persistence.storeRetained = (packet, ...rest) => {
      if (Buffer.byteLength(packet.payload) === 0) this.#retainedTopics.delete(packet.topic);
      else this.#retainedTopics.add(packet.topic);
      return storeRetained(packet, ...rest);
    };
    // Relies on: QoS 1 messages for persistent sessions are queued through `outgoingEnqueueCombi`/`outgoingEnqueue`
    // and leave the queue only through `outgoingClearMessageId` (PUBACK, refused or expired), which resolves with the
    // packet it removed.
    const admit = (subs: Array<{ clientId: string; topic?: string }>, packet: RoutedPacket) => {
      const admitted: typeof subs = [];
      for (const sub of subs) {
        if (matches && sub.topic !== undefined && !matches(sub.topic, packet.topic)) continue;
        const count = this.#queued.get(sub.clientId) ?? 0;
        if (maxQueuedPerSession !== undefined && count >= maxQueuedPerSession) {
          onQueueFull?.(sub.clientId, packet.topic);
          continue;
        }
        this.#queued.set(sub.clientId, count + 1);
        admitted.push(sub);
      }
      return admitted;
    };
    const enqueueCombi = persistence.outgoingEnqueueCombi.bind(persistence);
    persistence.outgoingEnqueueCombi = (subs, packet, ...rest) =>
      enqueueCombi(subs.length === 0 ? subs : (admit(subs, packet) as typeof subs), packet, ...rest);
    const enqueue = persistence.outgoingEnqueue.bind(persistence);
    persistence.outgoingEnqueue = (sub, packet, ...rest) => (admit([sub], packet).length === 1 ? enqueue(sub, packet, ...rest) : Promise.resolve());
    const clear = persistence.outgoingClearMessageId.bind(persistence);
    // Every PUBACK comes here: clients with nothing stored (clean sessions) go straight through.
    persistence.outgoingClearMessageId = (client, packet) =>
      this.#queued.has(client.id)
        ? clear(client, packet).then((removed) => {
            if (removed) this.#countDequeued(client.id);
            return removed;
          })
        : clear(client, packet);
    // Relies on: a resumed session's stored messages are read from `outgoingStream(client)` and written as they come.
    this.#unpacedOutgoing = persistence.outgoingStream.bind(persistence);
    if (storedMessagesPerSecond) {
      const unpaced = this.#unpacedOutgoing;
      persistence.outgoingStream = (client) => Readable.from(paced(unpaced(client), storedMessagesPerSecond));
    }
    this.aedes = new Aedes({
      ...aedesOptions,
      persistence: persistence as unknown as AedesMemoryPersistence,
      authorizeForward: (client, packet) => {
        // IoT's matching, not MQTT's (the parent of `x/#`), for every delivery aedes decided on.
        if (matches && !matchesAny(client, packet.topic, matches)) return null;
        // One delivery per message per client (overlapping filters call this once per filter, synchronously, for
        // the same message). aedes' own de-duplication keeps the highest counter seen per client, so a QoS 1
        // message that a later QoS 0 one overtook (QoS 1 takes an extra persistence step) was dropped: a QoS 1
        // Last Will overtaken by the disconnect event, for one. A stored message being resent is never a duplicate.
        const routed = packet as unknown as RoutedPacket;
        if (routed.messageId === undefined && routed.brokerId && routed.brokerCounter !== undefined) {
          const internals = client as unknown as ClientInternals;
          if (internals[LAST_LIVE_DELIVERY] === routed.brokerCounter) return null;
          internals[LAST_LIVE_DELIVERY] = routed.brokerCounter;
        }
        return authorizeForward ? authorizeForward(client, packet) : packet;
      },
    });
  }

  listen(): Promise<void> {
    return this.aedes.listen();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.aedes.close(() => resolve()));
  }

  /** Serves one MQTT connection; `req` is what `Client#req` will hold. */
  handle(stream: Duplex, req?: IncomingMessage): Client {
    const client = this.aedes.handle(stream, req);
    // Relies on: aedes de-duplicates by `client.duplicates[brokerId] < brokerCounter`. Reading 0 and ignoring writes
    // turns that off; `authorizeForward` above de-duplicates exactly instead.
    Object.defineProperty((client as unknown as ClientInternals).duplicates, this.aedes.id, { get: () => 0, set: () => undefined });
    return client;
  }

  get connectedClients(): number {
    return this.aedes.connectedClients;
  }

  /**
   * The registered client with this id. Relies on: during `authenticate` of a second connection with the same id,
   * the older client is still registered (aedes registers the new one, closing the old, only afterwards).
   */
  connectedClient(clientId: string): Client | undefined {
    return (this.aedes as unknown as AedesInternals).clients[clientId];
  }

  /** Drops a disconnected client's session: its subscriptions and queued QoS 1 messages. */
  async discardSession(clientId: string): Promise<void> {
    const persistence = this.#persistence;
    // The promise forms: the callback forms wait for a 'ready' event that aedes' async setup never emits.
    await persistence.cleanSubscriptions({ id: clientId });
    const queued: Array<{ messageId?: number }> = [];
    for await (const packet of this.#unpacedOutgoing({ id: clientId })) queued.push(packet as { messageId?: number });
    for (const packet of queued) await persistence.outgoingClearMessageId({ id: clientId }, packet);
    this.#queued.delete(clientId);
  }

  /** Removes one stored subscription of a persistent session (it is being restored and is no longer allowed). */
  forgetSubscription(clientId: string, filter: string): Promise<void> {
    return this.#persistence.removeSubscriptions({ id: clientId }, [filter]).then(() => undefined);
  }

  /** Messages stored for this client's persistent session (not yet acknowledged). */
  queuedFor(clientId: string): number {
    return this.#queued.get(clientId) ?? 0;
  }

  /** Topics that hold a retained message. */
  get retainedCount(): number {
    return this.#retainedTopics.size;
  }

  /** Would a retained message on `topic` be kept within `limit`? (Replacing or deleting one always is.) */
  canRetain(topic: string, payloadBytes: number, limit: number): boolean {
    return payloadBytes === 0 || this.#retainedTopics.has(topic) || this.#retainedTopics.size < limit;
  }

  /**
   * Calls `listener` with every packet the client sends, before aedes handles it: the only place to see a whole
   * SUBSCRIBE before its filters are authorized one by one, and a DISCONNECT before the socket closes.
   * Call it from `preConnect` (the parser exists from the first byte).
   */
  watchPackets(client: Client, listener: (packet: InboundPacket) => void): void {
    (client as unknown as ClientInternals)._parser?.prependListener('packet', listener);
  }

  /** The filters the client holds subscriptions for right now. */
  subscribedFilters(client: Client): ReadonlySet<string> {
    return new Set(Object.keys((client as unknown as ClientInternals).subscriptions));
  }

  /**
   * The client's Last Will is not published when it goes (a WebSocket Close frame is a clean disconnect for IoT).
   * Relies on: aedes publishes `client.will` on close unless a DISCONNECT packet came; the stored copy is dropped too.
   */
  dropWill(client: Client): void {
    (client as unknown as ClientInternals).will = null;
    this.#persistence.delWill({ id: client.id, brokerId: this.aedes.id }).catch(() => undefined);
  }

  /** Relies on: aedes reads the keep-alive from the CONNECT packet after `preConnect`, so a changed value applies. */
  setKeepAlive(packet: ConnectPacket, seconds: number): void {
    packet.keepalive = seconds;
  }

  /**
   * Sends an inbound PUBLISH somewhere else instead of where it was going, without refusing it (which would close the
   * connection). Relies on: aedes publishes the very packet object it passed to `authorizePublish`.
   */
  divert(packet: PublishPacket, topic: string): void {
    packet.topic = topic;
    packet.retain = false;
  }

  /** Publishes as the broker itself (no client): subscribers are still checked by `authorizeForward`. */
  publish(message: BrokerPublish): Promise<void> {
    return new Promise((resolve, reject) => {
      this.aedes.publish({ cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, dup: false }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /**
   * Calls `listener` for every message routed after it reached the subscribers, aedes' own `$SYS/` messages excepted.
   * Returns the function that removes it. While nobody listens, nothing is added to the publish path.
   */
  onPublished(listener: PublishedListener): () => void {
    if (this.#published.size === 0) this.aedes.on('publish', this.#emitPublished);
    this.#published.add(listener);
    return () => {
      if (this.#published.delete(listener) && this.#published.size === 0) this.aedes.removeListener('publish', this.#emitPublished);
    };
  }

  readonly #emitPublished = (packet: AedesPublishPacket, client: Client | null): void => {
    if (packet.topic.startsWith('$SYS/')) return;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const meta = client ? { qos: packet.qos, retain: packet.retain, clientId: client.id } : { qos: packet.qos, retain: packet.retain };
    for (const listener of this.#published) listener(packet.topic, payload, meta);
  };

  #countDequeued(clientId: string): void {
    const count = this.#queued.get(clientId);
    if (count === undefined) return;
    if (count <= 1) this.#queued.delete(clientId);
    else this.#queued.set(clientId, count - 1);
  }
}

/** Does any filter the client holds match `topic`? A filter equal to the topic answers at once (the common case). */
function matchesAny(client: Client, topic: string, matches: (filter: string, topic: string) => boolean): boolean {
  const subscriptions = (client as unknown as ClientInternals).subscriptions;
  if (subscriptions[topic] !== undefined) return true;
  for (const filter in subscriptions) {
    if (matches(filter, topic)) return true;
  }
  return false;
}

/** Yields the source's items at most `perSecond` per second, the first at once. */
async function* paced(source: AsyncIterable<unknown>, perSecond: number): AsyncGenerator<unknown> {
  const gapMs = 1000 / perSecond;
  let nextAt = Date.now();
  for await (const item of source) {
    const wait = nextAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait).unref());
    nextAt = Math.max(nextAt, Date.now()) + gapMs;
    yield item;
  }
}
