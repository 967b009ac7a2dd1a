/**
 * The broker's one door to aedes beyond its typed, documented surface: this class, with the aedes-*.ts files it is
 * made of (aedes-internals.ts: the untyped members; aedes-persistence.ts: the store's hooks; aedes-forward.ts:
 * delivery matching and de-duplication), is the only code that reaches aedes internals. Pinned: aedes 1.2.0,
 * aedes-persistence 11.0.0. Everything there is either an internal member the typings omit or a behaviour aedes does
 * not promise; aedes-adapter.test.ts checks each of them on a real Aedes instance, so an upgrade that breaks one
 * fails there first. The rest of the broker sees only this class, `Client`, and aedes' typed hooks and events.
 */

import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { Aedes, type AedesOptions, type AedesPublishPacket, type Client, type ConnectPacket, type PublishPacket } from 'aedes';
import type { AedesMemoryPersistence } from 'aedes-persistence';
import { disableAedesDeduplication, forwardOnce } from './aedes-forward.js';
import { type AedesInternals, type ClientInternals, createMemoryPersistence, type InboundPacket, type PromisePersistence } from './aedes-internals.js';
import { hookPersistence, type PersistenceHookOptions, type RetainedSummary } from './aedes-persistence.js';

export type { InboundPacket } from './aedes-internals.js';
export type { RetainedSummary } from './aedes-persistence.js';

export interface AedesAdapterOptions extends Omit<AedesOptions, 'persistence'>, PersistenceHookOptions {}

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
  readonly #retainedTopics = new Map<string, RetainedSummary>();
  readonly #unpacedOutgoing: (client: { id: string }) => Readable;
  readonly #published = new Set<PublishedListener>();

  constructor(options: AedesAdapterOptions) {
    const { retainedFor, matches, storedMessagesPerSecond, maxQueuedPerSession, onQueueFull, authorizeForward, ...aedesOptions } = options;
    const persistence = createMemoryPersistence() as unknown as PromisePersistence;
    this.#persistence = persistence;
    const hooks = { retainedFor, matches, storedMessagesPerSecond, maxQueuedPerSession, onQueueFull };
    this.#unpacedOutgoing = hookPersistence(persistence, hooks, { queued: this.#queued, retainedTopics: this.#retainedTopics });
    this.aedes = new Aedes({
      ...aedesOptions,
      persistence: persistence as unknown as AedesMemoryPersistence,
      authorizeForward: forwardOnce(matches, authorizeForward),
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
    disableAedesDeduplication(client, this.aedes.id);
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

  /** The retained messages' topics and summaries (ListRetainedMessages), in the order they were first stored. */
  retainedSummaries(): ReadonlyMap<string, RetainedSummary> {
    return this.#retainedTopics;
  }

  /**
   * The retained message of one topic with its payload (GetRetainedMessage), or undefined when none is kept.
   * Relies on: `createRetainedStreamCombi([topic])` yields the retained packet of a topic name (no wildcards in it).
   */
  async retainedMessage(topic: string): Promise<(RetainedSummary & { payload: Buffer }) | undefined> {
    const summary = this.#retainedTopics.get(topic);
    if (summary === undefined) return undefined;
    for await (const packet of this.#persistence.createRetainedStreamCombi([topic])) {
      const found = packet as { topic?: string; payload?: Buffer | string };
      if (found.topic === topic) return { ...summary, payload: Buffer.from(found.payload ?? '') };
    }
    return undefined;
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
}
