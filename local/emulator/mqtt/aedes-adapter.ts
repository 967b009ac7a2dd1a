/**
 * The ONE place that touches aedes beyond its typed, documented surface. Pinned: aedes 1.2.0, aedes-persistence
 * 11.0.0. Everything here is either an internal member the typings omit or a behaviour aedes does not promise;
 * aedes-adapter.test.ts checks each of them on a real Aedes instance, so an upgrade that breaks one fails there
 * first. The rest of the broker sees only this class, `Client`, and aedes' typed hooks and events.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesOptions, type Client, type ConnectPacket, type PublishPacket, type Subscription } from 'aedes';
import type { AedesMemoryPersistence } from 'aedes-persistence';

// aedes-persistence is CommonJS whose `module.exports` is the factory; its typings model it as an ES default export.
const createMemoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => AedesMemoryPersistence;

/** A packet as aedes' parser emits it, before aedes acts on it. */
export interface InboundPacket {
  cmd: string;
  subscriptions?: Subscription[];
}

/** Internal: `Aedes#clients` (connected clients by id) and `Aedes#persistence`, untyped in aedes' d.ts. */
interface AedesInternals {
  clients: Record<string, Client | undefined>;
  persistence: {
    cleanSubscriptions(client: { id: string }): Promise<unknown>;
    outgoingStream(client: { id: string }): AsyncIterable<{ messageId?: number }>;
    outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<unknown>;
  };
}

/** Internal: the client's mqtt-packet parser and its subscriptions by filter, untyped in aedes' d.ts. */
interface ClientInternals {
  _parser?: { prependListener(event: 'packet', listener: (packet: InboundPacket) => void): void };
  subscriptions: Record<string, unknown>;
}

export interface AedesAdapterOptions extends Omit<AedesOptions, 'persistence'> {
  /** Which SUBSCRIBE filters are offered retained messages; all of them when omitted. */
  retainedFor?: (filter: string) => boolean;
}

export interface BrokerPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

export class AedesAdapter {
  readonly aedes: Aedes;

  constructor(options: AedesAdapterOptions) {
    const { retainedFor, ...aedesOptions } = options;
    const persistence = createMemoryPersistence();
    if (retainedFor) {
      // Relies on: aedes asks `createRetainedStreamCombi(filters)` for the retained messages of a SUBSCRIBE.
      const retainedStream = persistence.createRetainedStreamCombi.bind(persistence);
      persistence.createRetainedStreamCombi = (patterns: string[]) => retainedStream(patterns.filter(retainedFor));
    }
    this.aedes = new Aedes({ ...aedesOptions, persistence });
  }

  listen(): Promise<void> {
    return this.aedes.listen();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.aedes.close(() => resolve()));
  }

  /** Serves one MQTT connection; `req` is what `Client#req` will hold. */
  handle(stream: Duplex, req?: IncomingMessage): Client {
    return this.aedes.handle(stream, req);
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
    const { persistence } = this.aedes as unknown as AedesInternals;
    // The promise forms: the callback forms wait for a 'ready' event that aedes' async setup never emits.
    await persistence.cleanSubscriptions({ id: clientId });
    const queued: Array<{ messageId?: number }> = [];
    for await (const packet of persistence.outgoingStream({ id: clientId })) queued.push(packet);
    for (const packet of queued) await persistence.outgoingClearMessageId({ id: clientId }, packet);
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
}
