/**
 * IoT Core's message broker, locally: MQTT 3.1.1 over WebSocket (aedes + ws). This file only wires one step per
 * packet type to aedes' hooks (aedes internals are reached only through aedes-adapter.ts):
 *   WebSocket upgrade -> upgrade.ts (SigV4, origin); inbound bytes -> websocket-stream.ts (packet size, Close frame);
 *   CONNECT -> connect.ts; SUBSCRIBE and PUBLISH -> packet-inspector.ts (limits, throttles), then authorizer.ts
 *   (policy); each delivery -> authorizer.ts (iot:Receive) and the outbound throttle; connect, disconnect, refused
 *   CONNECT, SUBSCRIBE and UNSUBSCRIBE -> lifecycle.ts (events) and sessions.ts (persistent session expiry).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AedesPublishPacket, AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import { WebSocketServer } from 'ws';
import type { Deployment } from '../../../core/deployment.js';
import type { LocalAccount } from '../account/account.js';
import { type EmulatorLogger, LogBudget } from '../log.js';
import { AedesAdapter, type BrokerPublish } from './aedes-adapter.js';
import { PolicyAuthorizer } from './authorizer.js';
import { ConnectAuthenticator, ConnectRefusedError } from './connect.js';
import { arnsIn, type Connection, openConnection, payloadBytes } from './connection.js';
import { LifecycleEvents } from './lifecycle.js';
import { hasWildcard, type IotLimits, iotTopicMatches } from './limits.js';
import { PacketInspector, THROTTLED_TOPIC } from './packet-inspector.js';
import { PersistentSessions } from './sessions.js';
import { rejectUpgrade, SUBPROTOCOLS, UpgradeAuthenticator } from './upgrade.js';
import { webSocketDuplex } from './websocket-stream.js';

export interface BrokerOptions {
  account: LocalAccount;
  deployment: Pick<Deployment, 'region' | 'accountId'>;
  limits: IotLimits;
  logger: EmulatorLogger;
  /** The endpoint host name DescribeEndpoint advertises; browsers sign it without the port. */
  advertisedHost: string;
  /** Browser origins that may open MQTT sockets (`*`: any); requests without `Origin` always may. */
  allowedOrigins: readonly string[];
  now?: () => Date;
}

/** A publish from the data plane, already authorized there. */
export type ServerPublish = BrokerPublish;

/** What `onPublished` tells about a message. `clientId`: the publishing client's; absent for the broker's own. */
export interface PublishedMeta {
  qos: number;
  retain: boolean;
  clientId?: string;
}

/** A retained publish over the retained-message limit (IoT answers it with a throttled response). */
export class RetainedLimitError extends Error {
  override readonly name = 'RetainedLimitError';
}

export class IotBroker {
  readonly #adapter: AedesAdapter;
  readonly #wss: WebSocketServer;
  readonly #byRequest = new WeakMap<IncomingMessage, Connection>();
  readonly #byClient = new WeakMap<Client, Connection>();
  readonly #upgrade: UpgradeAuthenticator;
  readonly #connect: ConnectAuthenticator;
  readonly #policy: PolicyAuthorizer;
  readonly #inspector: PacketInspector;
  readonly #lifecycle: LifecycleEvents;
  readonly #sessions: PersistentSessions;
  /** Broker-wide log lines about stored messages (not tied to one connection). */
  readonly #storageLog: LogBudget;
  #refusingUntil = 0;

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
    this.#policy = new PolicyAuthorizer({ account, arn });
    this.#connect = new ConnectAuthenticator({ account, arn, limits, logger, policy: this.#policy });
    this.#inspector = new PacketInspector({ arn, limits });
    this.#adapter = new AedesAdapter({
      maxClientsIdLength: limits.maxClientIdBytes,
      heartbeatInterval: 60_000,
      // IoT: retained messages are delivered on subscribe only to filters without wildcards.
      retainedFor: (filter) => !hasWildcard(filter),
      // IoT: `x/#` does not match `x` (mqtt.html#mqtt-differences).
      matches: iotTopicMatches,
      // IoT: "all stored messages are sent to the client at a maximum rate of 10 messages per second"
      // (mqtt.html#mqtt-persistent-sessions).
      storedMessagesPerSecond: limits.storedMessagesPerSecond,
      // IoT: "Messages are stored according to account limit, messages that exceed that limit will be dropped" (same page).
      maxQueuedPerSession: limits.maxQueuedMessagesPerSession,
      onQueueFull: (clientId, topic) =>
        this.#storageLog.log({
          level: 'warn',
          message: 'message not stored for an absent persistent session: its queue is full',
          clientId,
          topic,
          limit: limits.maxQueuedMessagesPerSession,
        }),
      preConnect: (client, packet, callback) => this.#onConnectPacket(client, packet, callback),
      authenticate: (client, _username, _password, callback) => this.#onConnect(client, callback),
      // Without a client: only the will of another, dead broker instance (the data plane publishes past this hook).
      authorizePublish: (client, packet, callback) => (client ? this.#onPublish(client, packet, callback) : callback(null)),
      authorizeSubscribe: (client, subscription, callback) => this.#onSubscribe(client, subscription, callback),
      authorizeForward: (client, packet) => this.#onDeliver(client, packet),
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
    const { aedes } = this.#adapter;
    aedes.on('connackSent', (_packet, client) => {
      const connection = this.#byClient.get(client);
      if (connection !== undefined) connection.connackSent = true;
    });
    aedes.on('client', (client) => {
      const connection = this.#byClient.get(client);
      if (connection === undefined) return;
      this.#sessions.resumed(client.id);
      this.#lifecycle.connected(client.id, connection, client.clean);
    });
    aedes.on('clientDisconnect', (client) => {
      const connection = this.#byClient.get(client);
      if (connection !== undefined) {
        this.#lifecycle.disconnected(client.id, connection);
        connection.refusals.flush({ clientId: client.id });
      }
      if (!client.clean) this.#sessions.disconnected(client.id);
    });
    aedes.on('subscribe', (subscriptions, client) => {
      const connection = this.#byClient.get(client);
      if (connection === undefined) return;
      // IoT: "topics: An array of the MQTT topics to which the client has subscribed" (the granted ones).
      const granted = subscriptions.filter((s) => (s.qos as number) !== 128).map((s) => s.topic);
      this.#lifecycle.subscriptions('subscribed', client.id, connection, granted);
    });
    aedes.on('unsubscribe', (unsubscriptions, client) => {
      const connection = this.#byClient.get(client);
      // aedes also "unsubscribes" everything of a closing client: only an UNSUBSCRIBE packet is an event.
      if (connection === undefined || client.closed) return;
      this.#lifecycle.subscriptions('unsubscribed', client.id, connection, unsubscriptions);
    });
    aedes.on('keepaliveTimeout', (client) => this.#lifecycle.closing(this.#byClient.get(client), 'MQTT_KEEP_ALIVE_TIMEOUT'));
    aedes.on('clientError', (client, error) => {
      this.#lifecycle.clientError(this.#byClient.get(client));
      logger.log({ level: 'debug', message: 'mqtt client error', clientId: client.id, error: error.message });
    });
  }

  static async start(options: BrokerOptions): Promise<IotBroker> {
    const broker = new IotBroker(options);
    await broker.#adapter.listen();
    return broker;
  }

  /** Handles `GET /mqtt` with `Upgrade: websocket`: verifies the presigned URL (and origin) before accepting the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (Date.now() < this.#refusingUntil) {
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
        // IoT: a WebSocket Close frame is a client-initiated disconnect, and then no Last Will is sent
        // (life-cycle-events.html, CLIENT_INITIATED_DISCONNECT: "The broker will send the LWT messages: No").
        onPeerClose: () => {
          this.#lifecycle.closing(connection, 'CLIENT_INITIATED_DISCONNECT');
          if (client) this.#adapter.dropWill(client);
        },
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
    this.#refusingUntil = Date.now() + refuseForMs;
    const dropped = this.#wss.clients.size;
    for (const ws of this.#wss.clients) ws.terminate();
    this.options.logger.log({ level: 'warn', message: 'simulated outage: MQTT sockets dropped', dropped, refuseForMs });
    return dropped;
  }

  get connectedClients(): number {
    return this.#adapter.connectedClients;
  }

  /** What the broker holds in memory, against its limits (for tests and the curious). */
  get usage(): { connectedClients: number; retainedMessages: number; absentPersistentSessions: number; trackedClientIds: number } {
    return {
      connectedClients: this.#adapter.connectedClients,
      retainedMessages: this.#adapter.retainedCount,
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

  /** CONNECT arrived (aedes `preConnect`): tie the client to its authenticated upgrade, watch its packets. */
  #onConnectPacket(client: Client, packet: ConnectPacket, callback: (error: Error | null, ok: boolean) => void): void {
    const connection = client.req ? this.#byRequest.get(client.req) : undefined;
    if (connection === undefined) {
      callback(new Error('connection was not authenticated by the WebSocket upgrade'), false);
      return;
    }
    this.#byClient.set(client, connection);
    const will = packet.will
      ? { topic: packet.will.topic, qos: packet.will.qos ?? 0, retain: packet.will.retain ?? false, payloadBytes: payloadBytes(packet.will.payload) }
      : undefined;
    const accepted = this.#connect.accept(connection, {
      clientId: packet.clientId,
      keepalive: packet.keepalive,
      protocolVersion: packet.protocolVersion,
      will,
    });
    // Refused here: aedes closes the connection without a CONNACK.
    if (!accepted.accepted) {
      callback(new Error(accepted.error), false);
      return;
    }
    this.#adapter.setKeepAlive(packet, accepted.keepAlive);
    this.#adapter.watchPackets(client, (inbound) => {
      if (inbound.cmd === 'disconnect') this.#lifecycle.closing(connection, 'CLIENT_INITIATED_DISCONNECT');
      else if (inbound.cmd === 'subscribe' && inbound.subscriptions) {
        this.#inspector.inspectSubscribe(
          connection,
          inbound.subscriptions.map((s) => s.topic),
          this.#adapter.subscribedFilters(client),
        );
      }
    });
    callback(null, true);
  }

  /** CONNECT (aedes `authenticate`): client id, iot:Connect and the will's topic; then takeover. */
  #onConnect(client: Client, callback: (error: AuthenticateError | null, success: boolean | null) => void): void {
    const connection = this.#byClient.get(client);
    if (connection === undefined) {
      callback(new ConnectRefusedError(5, 'not authenticated'), false);
      return;
    }
    const verdict = this.#connect.authenticate(connection, {
      requestedClientId: connection.requestedClientId ?? '',
      clientId: client.id,
      clean: client.clean,
      will: connection.will,
    });
    if (!verdict.allowed) {
      if (verdict.connectFailed && connection.requestedClientId) this.#lifecycle.connectFailed(connection.requestedClientId, connection);
      callback(new ConnectRefusedError(verdict.returnCode, verdict.message), false);
      return;
    }
    // IoT: a second connection with the same client id takes over; the older one is disconnected.
    const older = this.#adapter.connectedClient(client.id);
    if (older && older !== client) this.#lifecycle.closing(this.#byClient.get(older), 'DUPLICATE_CLIENTID');
    callback(null, true);
  }

  #onPublish(client: Client, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const connection = this.#byClient.get(client);
    if (connection === undefined) {
      callback(new Error('unknown connection'));
      return;
    }
    // aedes asks about a closing client's Last Will: checked again (policies may have changed), never a new reason.
    if (client.closed) {
      callback(this.#policy.will(connection, client.id, packet.topic, packet.retain) ? null : new Error('Last Will not authorized'));
      return;
    }
    const bytes = payloadBytes(packet.payload);
    const problem = this.#inspector.checkPublish(connection, { topic: packet.topic, qos: packet.qos, payloadBytes: bytes });
    if (problem) {
      callback(new Error(problem));
      return;
    }
    const verdict = this.#policy.publish(connection, client.id, packet.topic, packet.retain);
    if (!verdict.allowed) {
      callback(new Error(verdict.error));
      return;
    }
    if (!this.#inspector.admitInbound(connection, client.id, packet.topic, bytes)) {
      this.#adapter.divert(packet, THROTTLED_TOPIC);
    } else if (packet.retain && !this.canRetain(packet.topic, bytes)) {
      connection.refusals.log({
        level: 'warn',
        message: 'retained PUBLISH throttled: the retained-message limit is reached',
        clientId: client.id,
        topic: packet.topic,
        limit: this.options.limits.maxRetainedMessages,
      });
      this.#adapter.divert(packet, THROTTLED_TOPIC);
    }
    callback(null);
  }

  #onSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const connection = this.#byClient.get(client);
    if (connection === undefined) {
      callback(new Error('unknown connection'));
      return;
    }
    if (!connection.connackSent) {
      // Before CONNACK, aedes is restoring a persistent session's stored subscriptions (a client's own SUBSCRIBE
      // waits for the CONNACK: MQTT-3.1.4, aedes queues it).
      if (this.#policy.restore(connection, client.id, subscription.topic)) {
        callback(null, subscription);
        return;
      }
      this.#adapter.forgetSubscription(client.id, subscription.topic).catch(() => undefined);
      callback(null, null);
      return;
    }
    const limits = this.#inspector.checkFilter(connection, subscription.topic, subscription.qos);
    if (limits.outcome === 'close') {
      callback(new Error(limits.error));
      return;
    }
    const verdict = this.#policy.subscribe(connection, client.id, subscription.topic);
    if (!verdict.allowed) {
      callback(new Error(verdict.error));
      return;
    }
    callback(null, subscription);
  }

  /** Every delivery to every subscriber: keep it cheap (the Receive decision is cached per connection). */
  #onDeliver(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const connection = this.#byClient.get(client);
    if (connection === undefined || !this.#policy.receive(connection, client.id, packet.topic)) return null;
    return this.#inspector.admitOutbound(connection, packet.topic, packet.qos, payloadBytes(packet.payload)) ? packet : null;
  }
}
