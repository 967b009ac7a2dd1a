/**
 * IoT Core's message broker, locally: MQTT 3.1.1 over WebSocket (aedes + ws). This file only wires one handler per
 * packet type to aedes' hooks, the way aedes' own `lib/handlers/*` are split (aedes internals are reached only
 * through the aedes-*.ts files):
 *   WebSocket upgrade -> upgrade.ts (SigV4, origin); inbound bytes -> websocket-stream.ts (packet size, Close frame);
 *   CONNECT -> handle-connect.ts (connect.ts); SUBSCRIBE -> handle-subscribe.ts; PUBLISH and each delivery ->
 *   handle-publish.ts (packet-inspector.ts: limits, throttles; authorizer.ts: policy); disconnects and Last Wills ->
 *   handle-disconnect.ts; lifecycle events -> lifecycle.ts; persistent session expiry -> sessions.ts; the outage
 *   knob -> outage.ts. The handlers share one BrokerContext (broker-context.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import { WebSocketServer } from 'ws';
import { LogBudget } from '../log.js';
import { AedesAdapter, type RetainedSummary } from './aedes-adapter.js';
import { PolicyAuthorizer } from './authorizer.js';
import { iotAedesOptions } from './broker-aedes-options.js';
import { type BrokerOptions, type PublishedMeta, RetainedLimitError, type ServerPublish } from './broker-api.js';
import type { BrokerContext } from './broker-context.js';
import { ConnectAuthenticator } from './connect.js';
import { arnsIn, type Connection, openConnection } from './connection.js';
import { onConnect, onConnectEvents, onConnectPacket } from './handle-connect.js';
import { onDisconnectEvents, onPeerClose } from './handle-disconnect.js';
import { onDeliver, onPublish } from './handle-publish.js';
import { onSubscribe, onSubscriptionEvents } from './handle-subscribe.js';
import { LifecycleEvents } from './lifecycle.js';
import { OutageKnob } from './outage.js';
import { PacketInspector, THROTTLED_TOPIC } from './packet-inspector.js';
import { PersistentSessions } from './sessions.js';
import { rejectUpgrade, SUBPROTOCOLS, UpgradeAuthenticator } from './upgrade.js';
import { webSocketDuplex } from './websocket-stream.js';

export type { RetainedSummary } from './aedes-adapter.js';
export { type BrokerOptions, type PublishedMeta, RetainedLimitError, type ServerPublish } from './broker-api.js';

export class IotBroker {
  readonly #adapter: AedesAdapter;
  readonly #wss: WebSocketServer;
  readonly #byRequest = new WeakMap<IncomingMessage, Connection>();
  readonly #upgrade: UpgradeAuthenticator;
  readonly #inspector: PacketInspector;
  readonly #lifecycle: LifecycleEvents;
  readonly #sessions: PersistentSessions;
  readonly #outage: OutageKnob;
  /** What the packet handlers share. */
  readonly #context: BrokerContext;
  /** Broker-wide log lines about stored messages (not tied to one connection). */
  readonly #storageLog: LogBudget;

  private constructor(private readonly options: BrokerOptions) {
    const { account, limits, logger } = options;
    const now = options.now ?? (() => new Date());
    const arn = arnsIn(options.deployment);
    this.#storageLog = new LogBudget(logger);
    this.#upgrade = new UpgradeAuthenticator({
      account,
      region: options.deployment.region,
      advertisedHost: options.advertisedHost,
      allowedOrigins: options.allowedOrigins,
      logger,
      now,
    });
    const policy = new PolicyAuthorizer({ account, arn });
    const connect = new ConnectAuthenticator({ account, arn, limits, logger, policy });
    this.#inspector = new PacketInspector({ arn, limits });
    this.#adapter = new AedesAdapter({
      ...iotAedesOptions(limits, this.#storageLog),
      preConnect: (client, packet, callback) => onConnectPacket(this.#context, client, packet, callback),
      authenticate: (client, _username, _password, callback) => onConnect(this.#context, client, callback),
      // Without a client: only the will of another, dead broker instance (the data plane publishes past this hook).
      authorizePublish: (client, packet, callback) => (client ? onPublish(this.#context, client, packet, callback) : callback(null)),
      authorizeSubscribe: (client, subscription, callback) => onSubscribe(this.#context, client, subscription, callback),
      authorizeForward: (client, packet) => onDeliver(this.#context, client, packet),
    });
    // Lifecycle events are QoS 0 and best effort: a failed one is not the connecting client's problem.
    const publishEvent = (topic: string, payload: Buffer) => void this.#adapter.publish({ topic, payload, qos: 0, retain: false }).catch(() => undefined);
    this.#lifecycle = new LifecycleEvents({ publish: publishEvent, logger, now, sessionExpirySeconds: limits.persistentSessionExpirySeconds });
    this.#sessions = new PersistentSessions({
      store: {
        isConnected: (clientId) => this.#adapter.connectedClient(clientId) !== undefined,
        discard: (clientId) => this.#adapter.discardSession(clientId),
      },
      expirySeconds: limits.persistentSessionExpirySeconds,
      maxSessions: limits.maxPersistentSessions,
      maxSessionsPerUser: limits.maxPersistentSessionsPerUser,
      logger,
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // A frame over this is refused by ws before it is read (a frame may carry several packets, hence twice the
      // largest packet); each packet, within a frame or spread over many, is checked by the stream.
      maxPayload: 2 * this.#inspector.maxRemainingLength,
      handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
    this.#outage = new OutageKnob(this.#wss, logger);
    const byClient = new WeakMap<Client, Connection>();
    const canRetain = (topic: string, bytes: number) => this.canRetain(topic, bytes);
    this.#context = {
      adapter: this.#adapter,
      byRequest: this.#byRequest,
      byClient,
      connect,
      policy,
      inspector: this.#inspector,
      lifecycle: this.#lifecycle,
      sessions: this.#sessions,
      limits,
      logger,
      canRetain,
    };
    onConnectEvents(this.#context);
    onDisconnectEvents(this.#context);
    onSubscriptionEvents(this.#context);
  }

  static async start(options: BrokerOptions): Promise<IotBroker> {
    const broker = new IotBroker(options);
    await broker.#adapter.listen();
    return broker;
  }

  /** Handles `GET /mqtt` with `Upgrade: websocket`: verifies the presigned URL (and origin) before accepting the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.#outage.refusing) {
      rejectUpgrade(socket, 503, 'the local broker is simulating an outage');
      return;
    }
    const verdict = this.#upgrade.check(req);
    if (!verdict.accepted) {
      rejectUpgrade(socket, verdict.status, verdict.message);
      return;
    }
    const connection = openConnection(verdict.principal, verdict.sourceIp, this.options.limits, this.options.logger);
    this.#byRequest.set(req, connection);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      let client: Client | undefined;
      const stream = webSocketDuplex(ws, {
        maxRemainingLength: this.#inspector.maxRemainingLength,
        onOversizedPacket: (declared) => this.#inspector.refuseOversized(connection, declared),
        // IoT: a Close frame is a client-initiated disconnect, without Last Will (handle-disconnect.ts).
        onPeerClose: () => onPeerClose(this.#context, connection, client),
      });
      client = this.#adapter.handle(stream, req);
    });
  }

  /** Publishes on behalf of the data plane (already authorized there); subscribers are still checked for Receive. */
  publish(message: ServerPublish): Promise<void> {
    if (message.retain && !this.canRetain(message.topic, message.payload.length)) {
      return Promise.reject(
        new RetainedLimitError(`the local broker keeps at most ${this.options.limits.maxRetainedMessages} retained messages (LOCAL_IOT_MAX_RETAINED_MESSAGES)`),
      );
    }
    return this.#adapter.publish(message);
  }

  /**
   * IoT: "When an account has stored the maximum number of retained messages, AWS IoT Core returns a throttled
   * response to messages published with RETAIN set and payloads greater than 0 bytes" (mqtt.html#mqtt-retain).
   */
  canRetain(topic: string, payloadBytes: number): boolean {
    return this.#adapter.canRetain(topic, payloadBytes, this.options.limits.maxRetainedMessages);
  }

  /**
   * Calls `listener` once for every message the broker routes, after it reached its subscribers: PUBLISHes of
   * clients (Last Wills included), data-plane publishes and the broker's own `$aws/events/...` lifecycle events.
   * Not called for refused or throttled publishes. `meta.clientId` is the publishing client's id, absent for
   * messages of the broker itself (data plane, lifecycle events). Returns the function that removes the listener.
   * A listener must not throw; it runs on the publish path, so it should be quick (or hand the work off).
   */
  onPublished(listener: (topic: string, payload: Buffer, meta: PublishedMeta) => void): () => void {
    return this.#adapter.onPublished((topic, payload, meta) => {
      if (topic !== THROTTLED_TOPIC) listener(topic, payload, meta);
    });
  }

  /**
   * Local testing, not AWS behaviour: drops every MQTT socket as a network outage would and refuses new ones for
   * `refuseForMs`. Persistent sessions survive, so QoS 1 messages published meanwhile are delivered on reconnect.
   */
  simulateOutage(refuseForMs: number): number {
    return this.#outage.simulate(refuseForMs);
  }

  /** The retained messages (data plane ListRetainedMessages): topic -> size, QoS and when it was stored. */
  retainedMessages(): ReadonlyMap<string, RetainedSummary> {
    return this.#adapter.retainedSummaries();
  }

  /** One topic's retained message with its payload (data plane GetRetainedMessage); undefined when none is kept. */
  retainedMessage(topic: string): Promise<(RetainedSummary & { payload: Buffer }) | undefined> {
    return this.#adapter.retainedMessage(topic);
  }

  get connectedClients(): number {
    return this.#adapter.connectedClients;
  }

  /** What the broker holds in memory, against its limits (for tests and the curious). */
  get usage(): {
    connectedClients: number;
    retainedMessages: number;
    persistentSessions: number;
    absentPersistentSessions: number;
    trackedClientIds: number;
  } {
    return {
      connectedClients: this.#adapter.connectedClients,
      retainedMessages: this.#adapter.retainedCount,
      persistentSessions: this.#sessions.size,
      absentPersistentSessions: this.#sessions.expiring.length,
      trackedClientIds: this.#lifecycle.versions.size,
    };
  }

  async close(): Promise<void> {
    this.#sessions.close();
    for (const ws of this.#wss.clients) ws.terminate();
    await this.#adapter.close();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
