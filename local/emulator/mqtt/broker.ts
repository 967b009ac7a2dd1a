/**
 * IoT Core's message broker, locally: MQTT 3.1.1 over WebSocket (aedes + ws). This file only wires one step per
 * packet type to aedes' hooks (aedes internals are reached only through aedes-adapter.ts):
 *   WebSocket upgrade -> upgrade.ts; CONNECT -> connect.ts; SUBSCRIBE and PUBLISH -> packet-inspector.ts (limits,
 *   throttles), then authorizer.ts (policy); each delivery -> authorizer.ts (iot:Receive) and the outbound throttle;
 *   connect/disconnect -> lifecycle.ts (presence events) and sessions.ts (persistent session expiry).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AedesPublishPacket, AuthenticateError, Client, ConnectPacket, PublishPacket, Subscription } from 'aedes';
import { WebSocketServer } from 'ws';
import type { Deployment } from '../../../core/deployment.js';
import type { LocalAccount } from '../account/account.js';
import type { EmulatorLogger } from '../log.js';
import { AedesAdapter, type BrokerPublish } from './aedes-adapter.js';
import { PolicyAuthorizer } from './authorizer.js';
import { ConnectAuthenticator, ConnectRefusedError } from './connect.js';
import { arnsIn, type Connection, openConnection, payloadBytes } from './connection.js';
import { LifecycleEvents } from './lifecycle.js';
import { hasWildcard, type IotLimits } from './limits.js';
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
  now?: () => Date;
}

/** A publish from the data plane, already authorized there. */
export type ServerPublish = BrokerPublish;

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
  #refusingUntil = 0;

  private constructor(private readonly options: BrokerOptions) {
    const { account, limits, logger } = options;
    const now = options.now ?? (() => new Date());
    const arn = arnsIn(options.deployment);
    this.#upgrade = new UpgradeAuthenticator({ account, region: options.deployment.region, advertisedHost: options.advertisedHost, logger, now });
    this.#connect = new ConnectAuthenticator({ account, arn, limits, logger });
    this.#policy = new PolicyAuthorizer({ account, arn, logger });
    this.#inspector = new PacketInspector({ arn, limits, logger });
    this.#adapter = new AedesAdapter({
      maxClientsIdLength: limits.maxClientIdBytes,
      heartbeatInterval: 60_000,
      // IoT: retained messages are delivered on subscribe only to filters without wildcards.
      retainedFor: (filter) => !hasWildcard(filter),
      preConnect: (client, packet, callback) => this.#onConnectPacket(client, packet, callback),
      authenticate: (client, _username, _password, callback) => this.#onConnect(client, callback),
      // Without a client: only the will of another, dead broker instance (the data plane publishes past this hook).
      authorizePublish: (client, packet, callback) => (client ? this.#onPublish(client, packet, callback) : callback(null)),
      authorizeSubscribe: (client, subscription, callback) => this.#onSubscribe(client, subscription, callback),
      authorizeForward: (client, packet) => this.#onDeliver(client, packet),
    });
    // Presence events are QoS 0 and best effort: a failed one is not the connecting client's problem.
    const publishEvent = (topic: string, payload: Buffer) => void this.#adapter.publish({ topic, payload, qos: 0, retain: false }).catch(() => undefined);
    this.#lifecycle = new LifecycleEvents({ publish: publishEvent, logger, now });
    this.#sessions = new PersistentSessions({
      store: { isConnected: (clientId) => this.#adapter.connectedClient(clientId) !== undefined, discard: (clientId) => this.#adapter.discardSession(clientId) },
      expirySeconds: limits.persistentSessionExpirySeconds,
      logger,
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // Room for one maximal PUBLISH plus framing; the 128 KB payload rule itself is checked per packet.
      maxPayload: limits.maxPayloadBytes + 64 * 1024,
      handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
    const { aedes } = this.#adapter;
    aedes.on('client', (client) => this.#lifecycle.connected(client.id, this.#byClient.get(client), client.clean));
    aedes.on('clientDisconnect', (client) => {
      this.#lifecycle.disconnected(client.id, this.#byClient.get(client));
      if (!client.clean) this.#sessions.disconnected(client.id);
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

  /** Handles `GET /mqtt` with `Upgrade: websocket`: verifies the presigned URL before accepting the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (Date.now() < this.#refusingUntil) return rejectUpgrade(socket, 503, 'the local broker is simulating an outage');
    const verdict = this.#upgrade.check(req);
    if (!verdict.accepted) return rejectUpgrade(socket, verdict.status, verdict.message);
    this.#byRequest.set(req, openConnection(verdict.principal, verdict.sourceIp, this.options.limits));
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#adapter.handle(webSocketDuplex(ws), req);
    });
  }

  /** Publishes on behalf of the data plane (already authorized there); subscribers are still checked for Receive. */
  publish(message: ServerPublish): Promise<void> {
    return this.#adapter.publish(message);
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

  async close(): Promise<void> {
    this.#sessions.close();
    for (const ws of this.#wss.clients) ws.terminate();
    await this.#adapter.close();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  /** CONNECT arrived (aedes `preConnect`): tie the client to its authenticated upgrade, watch its packets. */
  #onConnectPacket(client: Client, packet: ConnectPacket, callback: (error: Error | null, ok: boolean) => void): void {
    const connection = client.req ? this.#byRequest.get(client.req) : undefined;
    if (connection === undefined) return callback(new Error('connection was not authenticated by the WebSocket upgrade'), false);
    this.#byClient.set(client, connection);
    this.#adapter.setKeepAlive(packet, this.#connect.accept(connection, packet));
    this.#adapter.watchPackets(client, (inbound) => {
      if (inbound.cmd === 'disconnect') this.#lifecycle.closing(connection, 'CLIENT_INITIATED_DISCONNECT');
      else if (inbound.cmd === 'subscribe' && inbound.subscriptions) {
        this.#inspector.inspectSubscribe(connection, inbound.subscriptions.map((s) => s.topic), this.#adapter.subscribedFilters(client));
      }
    });
    callback(null, true);
  }

  /** CONNECT (aedes `authenticate`): client id and iot:Connect; then takeover and session resumption. */
  #onConnect(client: Client, callback: (error: AuthenticateError | null, success: boolean | null) => void): void {
    const connection = this.#byClient.get(client);
    if (connection === undefined) return callback(new ConnectRefusedError(5, 'not authenticated'), false);
    const verdict = this.#connect.authenticate(connection, { requestedClientId: connection.requestedClientId ?? '', clientId: client.id, clean: client.clean });
    if (!verdict.allowed) return callback(new ConnectRefusedError(verdict.returnCode, verdict.message), false);
    // IoT: a second connection with the same client id takes over; the older one is disconnected.
    const older = this.#adapter.connectedClient(client.id);
    if (older && older !== client) this.#lifecycle.closing(this.#byClient.get(older), 'DUPLICATE_CLIENTID');
    this.#sessions.resumed(client.id);
    callback(null, true);
  }

  #onPublish(client: Client, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const connection = this.#byClient.get(client);
    if (connection === undefined) return callback(new Error('unknown connection'));
    const bytes = payloadBytes(packet.payload);
    const problem = this.#inspector.checkPublish(connection, { topic: packet.topic, qos: packet.qos, payloadBytes: bytes });
    if (problem) return callback(new Error(problem));
    const verdict = this.#policy.publish(connection, client.id, packet.topic, packet.retain);
    if (!verdict.allowed) return callback(new Error(verdict.error));
    if (!this.#inspector.admitInbound(connection, client.id, packet.topic, bytes)) this.#adapter.divert(packet, THROTTLED_TOPIC);
    callback(null);
  }

  #onSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const connection = this.#byClient.get(client);
    if (connection === undefined) return callback(new Error('unknown connection'));
    const limits = this.#inspector.checkFilter(connection, subscription.topic, subscription.qos);
    if (limits.outcome === 'close') return callback(new Error(limits.error));
    if (limits.outcome === 'refuse-filter') return callback(null, null);
    const verdict = this.#policy.subscribe(connection, client.id, subscription.topic);
    if (!verdict.allowed) return callback(new Error(verdict.error));
    callback(null, subscription);
  }

  /** Every delivery to every subscriber: keep it cheap (the Receive decision is cached per connection). */
  #onDeliver(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const connection = this.#byClient.get(client);
    if (connection === undefined || !this.#policy.receive(connection, client.id, packet.topic)) return null;
    return this.#inspector.admitOutbound(connection, payloadBytes(packet.payload)) ? packet : null;
  }
}
