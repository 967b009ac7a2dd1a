/**
 * IoT Core's message broker, locally: MQTT 3.1.1 over WebSocket (Aedes + ws) with the SigV4 upgrade check, policy
 * authorization of every CONNECT / SUBSCRIBE / PUBLISH / delivery, and IoT Core's limits and behaviour.
 *
 * IoT (MQTT 3.1.1): a denied CONNECT gets CONNACK "not authorized"; a denied SUBSCRIBE or PUBLISH closes the
 * connection; a denied Receive silently drops that one delivery.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { createRequire } from 'node:module';
import type { AedesMemoryPersistence } from 'aedes-persistence';
import { WebSocketServer } from 'ws';
import { iotArn } from '../../../core/deployment.js';
import type { Deployment } from '../../../core/deployment.js';
import { presenceTopics } from '../../../core/topics.js';
import type { LocalAccount } from '../account/account.js';
import { CredentialsError } from '../account/credentials.js';
import { describePrincipal, type Principal } from '../account/principal.js';
import { SignatureError, verifyPresignedUrl } from '../auth/sigv4.js';
import { denied, type EmulatorLogger } from '../log.js';
import {
  checkClientId,
  checkPublishTopic,
  checkTopicFilter,
  clampKeepAlive,
  ConnectionRateLimiter,
  hasWildcard,
  type IotLimits,
} from './limits.js';
import { webSocketDuplex } from './websocket-stream.js';

/** IoT: the SDK's MQTT 3.1.1 client asks for `mqttv3.1`, its MQTT5 client and most docs for `mqtt`. */
const SUBPROTOCOLS = ['mqtt', 'mqttv3.1'];
/** Receive decisions cached per connection; bounded so a client cannot grow it without limit. */
const RECEIVE_CACHE_LIMIT = 1024;
// aedes-persistence is CommonJS whose `module.exports` is the factory; its typings model it as an ES default export.
const createMemoryPersistence = createRequire(import.meta.url)('aedes-persistence') as () => AedesMemoryPersistence;

/** Aedes internals the typings omit. */
interface AedesInternals {
  clients: Record<string, Client | undefined>;
  persistence: {
    cleanSubscriptions(client: { id: string }): Promise<unknown>;
    outgoingStream(client: { id: string }): AsyncIterable<{ messageId?: number }>;
    outgoingClearMessageId(client: { id: string }, packet: { messageId?: number }): Promise<unknown>;
  };
}

/** A throttled inbound PUBLISH is re-routed here: `$` topics other than `$aws/` cannot be subscribed, so it reaches nobody. */
const DROPPED_TOPIC = '$emulator/throttled';

type DisconnectReason =
  | 'CLIENT_INITIATED_DISCONNECT'
  | 'DUPLICATE_CLIENTID'
  | 'MQTT_KEEP_ALIVE_TIMEOUT'
  | 'AUTHORIZATION_ERROR'
  | 'CLIENT_ERROR'
  | 'CONNECTION_LOST'
  | 'SERVER_INITIATED_DISCONNECT';

interface ConnectionContext {
  principal: Principal;
  who: string;
  sourceIp: string;
  requestedClientId: string | undefined;
  clientId: string | undefined;
  receiveDecisions: Map<string, boolean>;
  rate: ConnectionRateLimiter;
  /** Set by the packet inspector when a SUBSCRIBE breaks a per-packet limit; the subscribe check then closes. */
  subscribeRefusal: string | undefined;
  disconnectReason: DisconnectReason | undefined;
  sessionIdentifier: string;
}

export interface BrokerOptions {
  account: LocalAccount;
  deployment: Pick<Deployment, 'region' | 'accountId'>;
  limits: IotLimits;
  logger: EmulatorLogger;
  /** The endpoint host name DescribeEndpoint advertises; browsers sign it without the port. */
  advertisedHost: string;
  now?: () => Date;
}

export interface ServerPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

interface ConnectFields {
  clientId: string;
  keepalive: number;
  clean: boolean;
  protocolVersion: number;
}

class MqttAuthError extends Error implements AuthenticateError {
  override readonly name = 'MqttAuthError';
  constructor(
    readonly returnCode: AuthenticateError['returnCode'],
    message: string,
  ) {
    super(message);
  }
}

/** Aedes' internal packet parser: the only place to see a whole SUBSCRIBE (and DISCONNECT) before it is handled. */
interface ParserHolder {
  _parser?: { prependListener(event: 'packet', listener: (packet: { cmd: string; subscriptions?: Subscription[] }) => void): void };
  subscriptions: Record<string, unknown>;
}

export class IotBroker {
  readonly aedes: Aedes;
  readonly #wss: WebSocketServer;
  readonly #byRequest = new WeakMap<IncomingMessage, ConnectionContext>();
  readonly #byClient = new WeakMap<Client, ConnectionContext>();
  readonly #sessionExpiry = new Map<string, NodeJS.Timeout>();
  readonly #now: () => Date;
  #refusingUntil = 0;

  private constructor(private readonly options: BrokerOptions) {
    this.#now = options.now ?? (() => new Date());
    const persistence = createMemoryPersistence();
    // IoT: retained messages are delivered on subscribe only to filters without wildcards.
    const retainedFor = persistence.createRetainedStreamCombi.bind(persistence);
    persistence.createRetainedStreamCombi = (patterns: string[]) => retainedFor(patterns.filter((p) => !hasWildcard(p)));

    this.aedes = new Aedes({
      persistence,
      maxClientsIdLength: options.limits.maxClientIdBytes,
      heartbeatInterval: 60_000,
      preConnect: (client, packet, callback) => this.#preConnect(client, packet as ConnectFields, callback),
      authenticate: (client, _username, _password, callback) => this.#authenticate(client, callback),
      authorizePublish: (client, packet, callback) => (client ? this.#authorizePublish(client, packet, callback) : callback(null)),
      authorizeSubscribe: (client, subscription, callback) => this.#authorizeSubscribe(client, subscription, callback),
      authorizeForward: (client, packet) => this.#authorizeForward(client, packet),
    });
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // Room for one maximal PUBLISH plus framing; the 128 KB payload rule itself is checked per packet.
      maxPayload: options.limits.maxPayloadBytes + 64 * 1024,
      handleProtocols: (offered) => SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
    this.aedes.on('client', (client) => this.#onConnected(client));
    this.aedes.on('clientDisconnect', (client) => this.#onDisconnected(client));
    this.aedes.on('keepaliveTimeout', (client) => this.#markDisconnect(client, 'MQTT_KEEP_ALIVE_TIMEOUT'));
    this.aedes.on('clientError', (client, error) => {
      const ctx = this.#byClient.get(client);
      if (ctx && ctx.disconnectReason === undefined) ctx.disconnectReason = 'CLIENT_ERROR';
      this.options.logger.log({ level: 'debug', message: 'mqtt client error', clientId: client.id, error: error.message });
    });
  }

  static async start(options: BrokerOptions): Promise<IotBroker> {
    const broker = new IotBroker(options);
    await broker.aedes.listen();
    return broker;
  }

  /** Handles `GET /mqtt` with `Upgrade: websocket`: verifies the presigned URL before accepting the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (Date.now() < this.#refusingUntil) return rejectUpgrade(socket, 503, 'the local broker is simulating an outage');
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);
    const sourceIp = req.socket.remoteAddress ?? 'unknown';
    let principal: Principal;
    try {
      const verified = verifyPresignedUrl(
        {
          method: req.method ?? 'GET',
          path: q === -1 ? rawUrl : rawUrl.slice(0, q),
          rawQuery,
          hostCandidates: [req.headers.host ?? '', this.options.advertisedHost].filter(Boolean),
          headers: req.headers,
        },
        { services: ['iotdevicegateway'], region: this.options.deployment.region },
        (id) => this.options.account.credentials.secretFor(id),
        this.#now(),
      );
      principal = this.options.account.credentials.resolve(verified.scope.accessKeyId, verified.securityToken, this.#now()).principal;
    } catch (error) {
      if (!(error instanceof SignatureError) && !(error instanceof CredentialsError)) throw error;
      denied(this.options.logger, { service: 'mqtt', who: sourceIp, action: 'WebSocket upgrade', resource: '/mqtt', reason: `${error.code}: ${error.message}` });
      return rejectUpgrade(socket, 403, `Forbidden: ${error.message}`);
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '');
    if (offered !== '' && !offered.split(',').some((p) => SUBPROTOCOLS.includes(p.trim()))) {
      return rejectUpgrade(socket, 400, `Unsupported WebSocket subprotocol "${offered}": use "mqtt" or "mqttv3.1"`);
    }
    this.#byRequest.set(req, {
      principal,
      who: describePrincipal(principal),
      sourceIp,
      requestedClientId: undefined,
      clientId: undefined,
      receiveDecisions: new Map(),
      rate: new ConnectionRateLimiter(this.options.limits),
      subscribeRefusal: undefined,
      disconnectReason: undefined,
      sessionIdentifier: crypto.randomUUID(),
    });
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.aedes.handle(webSocketDuplex(ws), req);
    });
  }

  /** Publishes on behalf of the data plane (already authorized there); subscribers are still checked for Receive. */
  publish(message: ServerPublish): Promise<void> {
    return new Promise((resolve, reject) => {
      this.aedes.publish({ cmd: 'publish', topic: message.topic, payload: message.payload, qos: message.qos, retain: message.retain, dup: false }, (error) =>
        error ? reject(error) : resolve(),
      );
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
    return this.aedes.connectedClients;
  }

  async close(): Promise<void> {
    for (const timer of this.#sessionExpiry.values()) clearTimeout(timer);
    this.#sessionExpiry.clear();
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #arn(kind: 'client' | 'topic' | 'topicfilter', name: string): string {
    return iotArn(this.options.deployment, kind, name);
  }

  #deny(ctx: ConnectionContext, action: string, resource: string, reason: string): void {
    denied(this.options.logger, { service: 'mqtt', who: `${ctx.who} (client ${ctx.clientId ?? ctx.requestedClientId ?? '?'})`, action, resource, reason });
  }

  #preConnect(client: Client, packet: ConnectFields, callback: (e: Error | null, ok: boolean) => void): void {
    const ctx = client.req ? this.#byRequest.get(client.req) : undefined;
    if (ctx === undefined) return callback(new Error('connection was not authenticated by the WebSocket upgrade'), false);
    this.#byClient.set(client, ctx);
    ctx.requestedClientId = packet.clientId;
    if (packet.protocolVersion !== 4 && packet.protocolVersion !== 3) {
      this.options.logger.log({
        level: 'warn',
        message: 'refused CONNECT: the emulator speaks MQTT 3.1.1 only (MQTT 5 is not emulated yet)',
        clientId: packet.clientId,
        protocolVersion: packet.protocolVersion,
      });
    }
    // IoT: keep-alive is clamped to [30, 1200] s; the broker disconnects after 1.5 x keep-alive of silence.
    packet.keepalive = clampKeepAlive(packet.keepalive, this.options.limits);
    const holder = client as unknown as ParserHolder;
    holder._parser?.prependListener('packet', (p) => {
      if (p.cmd === 'disconnect') ctx.disconnectReason = 'CLIENT_INITIATED_DISCONNECT';
      if (p.cmd !== 'subscribe' || !p.subscriptions) return;
      const { maxFiltersPerSubscribe, maxSubscriptionsPerConnection } = this.options.limits;
      const fresh = new Set(p.subscriptions.map((s) => s.topic).filter((t) => !(t in holder.subscriptions)));
      if (p.subscriptions.length > maxFiltersPerSubscribe) {
        ctx.subscribeRefusal = `a SUBSCRIBE may carry at most ${maxFiltersPerSubscribe} topic filters (got ${p.subscriptions.length})`;
      } else if (Object.keys(holder.subscriptions).length + fresh.size > maxSubscriptionsPerConnection) {
        ctx.subscribeRefusal = `a connection may hold at most ${maxSubscriptionsPerConnection} subscriptions`;
      } else {
        ctx.subscribeRefusal = undefined;
      }
    });
    callback(null, true);
  }

  #authenticate(client: Client, callback: (error: AuthenticateError | null, success: boolean | null) => void): void {
    const ctx = this.#byClient.get(client);
    if (ctx === undefined) return callback(new MqttAuthError(5, 'not authenticated'), false);
    const requested = ctx.requestedClientId ?? '';
    // MQTT-3.1.3-8: an empty client id requires clean session; IoT refuses it otherwise (identifier rejected).
    if (requested === '' && !client.clean) {
      this.#deny(ctx, 'iot:Connect', '(empty client id)', 'an empty client id needs clean session (MQTT-3.1.3-8)');
      return callback(new MqttAuthError(2, 'identifier rejected'), false);
    }
    const idProblem = checkClientId(client.id, this.options.limits);
    if (idProblem) {
      this.#deny(ctx, 'iot:Connect', client.id, idProblem);
      return callback(new MqttAuthError(2, idProblem), false);
    }
    const resource = this.#arn('client', client.id);
    const decision = this.options.account.authorize(ctx.principal, 'iot:Connect', resource, { 'iot:ClientId': client.id, 'aws:SourceIp': ctx.sourceIp });
    if (!decision.allowed) {
      this.#deny(ctx, 'iot:Connect', resource, decision.reason);
      ctx.disconnectReason = 'AUTHORIZATION_ERROR';
      return callback(new MqttAuthError(5, 'not authorized'), false);
    }
    ctx.clientId = client.id;
    // IoT: a second connection with the same client id takes over; the older one is disconnected.
    const older = (this.aedes as unknown as AedesInternals).clients[client.id];
    if (older && older !== client) this.#markDisconnect(older, 'DUPLICATE_CLIENTID');
    const expiry = this.#sessionExpiry.get(client.id);
    if (expiry) {
      clearTimeout(expiry);
      this.#sessionExpiry.delete(client.id);
    }
    callback(null, true);
  }

  #authorizePublish(client: Client, packet: PublishPacket, callback: (error?: Error | null) => void): void {
    const ctx = this.#byClient.get(client);
    if (ctx === undefined) return callback(new Error('unknown connection'));
    const refuse = (reason: string, resource = this.#arn('topic', packet.topic)) => {
      this.#deny(ctx, 'iot:Publish', resource, reason);
      ctx.disconnectReason = 'CLIENT_ERROR';
      callback(new Error(reason));
    };
    // IoT: QoS 2 is not supported; a QoS 2 PUBLISH disconnects the client.
    if (packet.qos === 2) return refuse('QoS 2 is not supported by AWS IoT Core');
    const payloadBytes = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
    if (payloadBytes > this.options.limits.maxPayloadBytes) {
      return refuse(`payload is ${payloadBytes} bytes; IoT allows at most ${this.options.limits.maxPayloadBytes}`);
    }
    const topicProblem = checkPublishTopic(packet.topic, this.options.limits);
    if (topicProblem) return refuse(topicProblem);
    const resource = this.#arn('topic', packet.topic);
    const context = { 'iot:ClientId': client.id, 'aws:SourceIp': ctx.sourceIp };
    const decision = this.options.account.authorize(ctx.principal, 'iot:Publish', resource, context);
    if (!decision.allowed) {
      ctx.disconnectReason = 'AUTHORIZATION_ERROR';
      this.#deny(ctx, 'iot:Publish', resource, decision.reason);
      return callback(new Error('not authorized to publish'));
    }
    if (packet.retain) {
      const retain = this.options.account.authorize(ctx.principal, 'iot:RetainPublish', resource, context);
      if (!retain.allowed) {
        ctx.disconnectReason = 'AUTHORIZATION_ERROR';
        this.#deny(ctx, 'iot:RetainPublish', resource, retain.reason);
        return callback(new Error('not authorized to publish retained messages'));
      }
    }
    // IoT: publishes over the per-connection rate or throughput are dropped, not refused.
    if (!ctx.rate.take(payloadBytes)) {
      this.options.logger.log({ level: 'warn', message: 'throttled inbound PUBLISH (per-connection limit)', clientId: client.id, topic: packet.topic });
      packet.topic = DROPPED_TOPIC;
      packet.retain = false;
    }
    callback(null);
  }

  #authorizeSubscribe(client: Client, subscription: Subscription, callback: (error: Error | null, subscription?: Subscription | null) => void): void {
    const ctx = this.#byClient.get(client);
    if (ctx === undefined) return callback(new Error('unknown connection'));
    const resource = this.#arn('topicfilter', subscription.topic);
    if (ctx.subscribeRefusal) {
      this.#deny(ctx, 'iot:Subscribe', resource, ctx.subscribeRefusal);
      ctx.disconnectReason = 'CLIENT_ERROR';
      return callback(new Error(ctx.subscribeRefusal));
    }
    const filterProblem = checkTopicFilter(subscription.topic, this.options.limits);
    if (filterProblem) {
      this.#deny(ctx, 'iot:Subscribe', resource, filterProblem);
      ctx.disconnectReason = 'CLIENT_ERROR';
      return callback(new Error(filterProblem));
    }
    // IoT: QoS 2 is not supported; that filter is refused (SUBACK 0x80), the connection stays.
    if (subscription.qos === 2) {
      this.#deny(ctx, 'iot:Subscribe', resource, 'QoS 2 is not supported by AWS IoT Core (SUBACK failure for this filter)');
      return callback(null, null);
    }
    const decision = this.options.account.authorize(ctx.principal, 'iot:Subscribe', resource, { 'iot:ClientId': client.id, 'aws:SourceIp': ctx.sourceIp });
    if (!decision.allowed) {
      this.#deny(ctx, 'iot:Subscribe', resource, decision.reason);
      ctx.disconnectReason = 'AUTHORIZATION_ERROR';
      return callback(new Error('not authorized to subscribe'));
    }
    callback(null, subscription);
  }

  #authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
    const ctx = this.#byClient.get(client);
    if (ctx === undefined) return null;
    let allowed = ctx.receiveDecisions.get(packet.topic);
    if (allowed === undefined) {
      const resource = this.#arn('topic', packet.topic);
      const decision = this.options.account.authorize(ctx.principal, 'iot:Receive', resource, { 'iot:ClientId': client.id, 'aws:SourceIp': ctx.sourceIp });
      allowed = decision.allowed;
      if (ctx.receiveDecisions.size >= RECEIVE_CACHE_LIMIT) ctx.receiveDecisions.clear();
      ctx.receiveDecisions.set(packet.topic, allowed);
      // Logged once per connection and topic: the decision is cached, like IoT's own policy cache.
      if (!decision.allowed) this.#deny(ctx, 'iot:Receive', resource, `${decision.reason} (deliveries on this topic are dropped)`);
    }
    if (!allowed) return null;
    const bytes = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
    if (!ctx.rate.take(bytes)) return null;
    return packet;
  }

  #markDisconnect(client: Client, reason: DisconnectReason): void {
    const ctx = this.#byClient.get(client);
    if (ctx) ctx.disconnectReason = reason;
  }

  #onConnected(client: Client): void {
    const ctx = this.#byClient.get(client);
    this.options.logger.log({ level: 'info', message: 'mqtt connected', clientId: client.id, principal: ctx?.who, cleanSession: client.clean });
    this.#lifecycle(presenceTopics.connected(client.id), { clientId: client.id, eventType: 'connected', ctx });
  }

  #onDisconnected(client: Client): void {
    const ctx = this.#byClient.get(client);
    const reason = ctx?.disconnectReason ?? 'CONNECTION_LOST';
    this.options.logger.log({ level: 'info', message: 'mqtt disconnected', clientId: client.id, reason });
    this.#lifecycle(presenceTopics.disconnected(client.id), {
      clientId: client.id,
      eventType: 'disconnected',
      ctx,
      extra: { clientInitiatedDisconnect: reason === 'CLIENT_INITIATED_DISCONNECT', disconnectReason: reason },
    });
    if (!client.clean) this.#scheduleSessionExpiry(client.id);
  }

  /** IoT: a persistent session (clean session 0) keeps subscriptions and queued QoS 1 messages until it expires. */
  #scheduleSessionExpiry(clientId: string): void {
    const existing = this.#sessionExpiry.get(clientId);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.#sessionExpiry.delete(clientId);
      if ((this.aedes as unknown as AedesInternals).clients[clientId]) return;
      this.#expireSession(clientId).catch((error: unknown) =>
        this.options.logger.log({ level: 'error', message: 'could not expire persistent session', clientId, error: String(error) }),
      );
    }, this.options.limits.persistentSessionExpirySeconds * 1000);
    timer.unref();
    this.#sessionExpiry.set(clientId, timer);
  }

  async #expireSession(clientId: string): Promise<void> {
    const { persistence } = this.aedes as unknown as AedesInternals;
    // The promise forms: the callback forms wait for a 'ready' event that aedes' async setup never emits.
    await persistence.cleanSubscriptions({ id: clientId });
    const queued: Array<{ messageId?: number }> = [];
    for await (const packet of persistence.outgoingStream({ id: clientId })) queued.push(packet);
    for (const packet of queued) await persistence.outgoingClearMessageId({ id: clientId }, packet);
    this.options.logger.log({ level: 'info', message: 'persistent session expired', clientId });
  }

  #lifecycle(topic: string, event: { clientId: string; eventType: string; ctx: ConnectionContext | undefined; extra?: Record<string, unknown> }): void {
    const payload = {
      clientId: event.clientId,
      timestamp: this.#now().getTime(),
      eventType: event.eventType,
      sessionIdentifier: event.ctx?.sessionIdentifier,
      principalIdentifier: event.ctx?.who,
      ipAddress: event.ctx?.sourceIp,
      versionNumber: 0,
      ...event.extra,
    };
    this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: 0, retain: false, dup: false }, () => undefined);
  }
}

function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const reason = status === 403 ? 'Forbidden' : status === 503 ? 'Service Unavailable' : 'Bad Request';
  const body = `${message}\n`;
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
