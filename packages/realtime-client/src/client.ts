/**
 * The realtime client: connect, subscribe to topic filters, and get messages and connection state as typed events.
 * The transport (aws-iot-device-sdk-v2 over SigV4 WebSockets in the browser, a fake in tests) does the MQTT and
 * reconnects by itself; this class turns what it reports into a state a person can read (connecting, live,
 * reconnecting with the attempt and when the next one comes, offline, taken over, failed only once it gives up),
 * de-duplicates messages, and decides when reconnecting cannot help. It knows nothing of the app's topics or
 * payloads: the app gives a `dedupKey` for its JSON payloads and checks their shape itself.
 */
import { type Clock, systemClock } from './clock.js';
import type { RefreshingCredentials } from './credentials.js';
import { RecentIds } from './dedup.js';
import { TypedEmitter } from './emitter.js';
import { browserNetwork, type NetworkStatus } from './network.js';
import { ConnectionStateMachine, type StateInfo } from './state.js';
import type { Transport, TransportFactory } from './transport.js';
import type { ConnectionState, JsonMessage, RawMessage, StateChange } from './types.js';

/** The identity of a parsed message for de-duplication; undefined: never treated as a duplicate. */
export type DedupKey = (topic: string, json: unknown) => string | undefined;

/**
 * When drops count as a takeover: IoT closes a connection when another one connects with the same client id, and
 * the SDK reconnects at once, so two holders of one client id drop each other every second or two. `drops`
 * connections in a row that each lived less than `shortLivedMs` are taken for that, and the client stops fighting.
 */
export interface TakeoverRule {
  drops: number;
  shortLivedMs: number;
}

export interface RealtimeClientOptions {
  endpoint: string;
  /** One per connection: with a persistent session, QoS 1 messages sent while away arrive after a reconnect. */
  clientId: string;
  credentials: RefreshingCredentials;
  transport: TransportFactory;
  /** Without it, `json` events are not de-duplicated. */
  dedupKey?: DedupKey;
  /** How many recent keys are remembered (default 2000). */
  dedupCapacity?: number;
  /** Called with an error a listener threw (default: re-thrown on its own task). */
  onListenerError?: (error: unknown) => void;
  /**
   * MQTT keep-alive (default 20 s). IoT treats keep-alives under 30 s as 30 s, so the broker's side is unchanged;
   * pinging every 20 s with an 8 s answer timeout notices a dead connection within 28 s, inside IoT's 30 s interval.
   */
  keepAliveSeconds?: number;
  /** How long a PINGREQ or CONNACK may go unanswered (default 8000 ms; the SDK caps it at half the keep-alive). */
  pingTimeoutMs?: number;
  /** Default: the browser's navigator.onLine and online/offline events. */
  network?: NetworkStatus;
  /** Default: 3 drops in a row of connections that lived less than 15 s. */
  takeover?: TakeoverRule;
  /** CONNACKs in a row that refuse this identity before the client gives up (default 5: IoT policies take a moment to apply). */
  refusalsBeforeGivingUp?: number;
  /**
   * Until this moment (epoch ms), a CONNACK refusing this identity is expected and retried with backoff without
   * counting towards giving up: set it right after attaching an IoT policy to a Cognito identity, because "changes
   * made to a policy can take anywhere between 6 and 8 minutes to become effective" (AWS IoT developer guide, "AWS
   * IoT Core policies"). See AUTHORIZATION_PROPAGATION_MS.
   */
  authorizationPendingUntil?: number;
  clock?: Clock;
}

/** How long a just-attached IoT policy may take to apply: "between 6 and 8 minutes" (AWS IoT Core policies). */
export const AUTHORIZATION_PROPAGATION_MS = 8 * 60_000;

export interface RealtimeClientEvents {
  /** Every state change, and news within connecting/reconnecting (the next attempt). */
  state: StateChange;
  /** Every delivery, as received: QoS 1 redeliveries included. */
  message: RawMessage;
  /** Payloads that parse as JSON, each once per `dedupKey` (parsed only while someone listens). */
  json: JsonMessage;
}

export interface RealtimeClientStats {
  /** Deliveries from the broker. */
  received: number;
  duplicatesDropped: number;
  /** Payloads that were not JSON (counted only while someone listens to `json`). */
  malformedDropped: number;
}

/** A connection attempt or a connection ended before the client was connected: `connect()` rejects with it. */
export class RealtimeConnectionError extends Error {
  override readonly name = 'RealtimeConnectionError';
  constructor(
    message: string,
    /** The state the client ended in: failed, taken-over or closed. */
    readonly state: ConnectionState,
  ) {
    super(message);
  }
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class RealtimeClient extends TypedEmitter<RealtimeClientEvents> {
  readonly #machine = new ConnectionStateMachine();
  readonly #seen: RecentIds;
  readonly #transport: Transport;
  readonly #decoder = new TextDecoder();
  readonly #clock: Clock;
  readonly #network: NetworkStatus;
  readonly #takeover: TakeoverRule;
  readonly #maxRefusals: number;
  readonly stats: RealtimeClientStats = { received: 0, duplicatesDropped: 0, malformedDropped: 0 };
  #stopNetwork: (() => void) | undefined;
  #everConnected = false;
  /** Whether the transport's connection is up (its last word was a CONNACK), whatever the state shown. */
  #transportUp = false;
  #connectedAt: number | undefined;
  #failedAttempts = 0;
  #shortDrops = 0;
  #refusals = 0;
  /** Whether the transport runs: false before connect(), after close() and after giving up. */
  #running = false;
  /** What connecting/reconnecting would show: kept while offline, shown again when the network is back. */
  #retryInfo: StateInfo = {};
  #waiters: Array<{ resolve(): void; reject(error: Error): void }> = [];

  constructor(private readonly options: RealtimeClientOptions) {
    super(options.onListenerError);
    this.#seen = new RecentIds(options.dedupCapacity ?? 2000);
    this.#clock = options.clock ?? systemClock;
    this.#network = options.network ?? browserNetwork();
    this.#takeover = options.takeover ?? { drops: 3, shortLivedMs: 15_000 };
    this.#maxRefusals = options.refusalsBeforeGivingUp ?? 5;
    this.#transport = options.transport({
      endpoint: options.endpoint,
      clientId: options.clientId,
      credentials: options.credentials,
      keepAliveSeconds: options.keepAliveSeconds ?? 20,
      pingTimeoutMs: options.pingTimeoutMs ?? 8000,
      events: {
        connected: (sessionPresent) => this.#onConnected(sessionPresent),
        interrupted: (reason, retryInMs) => this.#onInterrupted(reason, retryInMs),
        attemptFailed: (reason, retryInMs, refused) => this.#onAttemptFailed(reason, retryInMs, refused),
      },
    });
  }

  get state(): ConnectionState {
    return this.#machine.state;
  }

  /**
   * Connects, and keeps reconnecting after drops. Resolves on the first connection (however many attempts it takes);
   * rejects only when the client gives up or is closed first.
   */
  async connect(): Promise<void> {
    if (this.state !== 'idle') throw new Error(`connect() is for a new client; this one is ${this.state} (use reconnect())`);
    this.#stopNetwork = this.#network.onChange((online) => this.#onNetwork(online));
    return this.#start();
  }

  /**
   * Stops connecting and leaves the client id to another holder the app knows of (another tab of this browser took
   * it over openly): state `taken-over` with `detail`, until reconnect().
   */
  standDown(detail: string): void {
    if (this.state === 'idle' || this.state === 'closed' || this.state === 'failed' || this.state === 'taken-over') return;
    this.#giveUp('taken-over', detail);
  }

  /** After `taken-over` or `failed`: takes the client id back (or tries again) and waits for the connection. */
  async reconnect(): Promise<void> {
    if (this.state !== 'taken-over' && this.state !== 'failed') return;
    return this.#start();
  }

  async #start(): Promise<void> {
    this.#failedAttempts = 0;
    this.#shortDrops = 0;
    this.#refusals = 0;
    this.#retryInfo = {};
    this.#move('connecting');
    const connected = this.#waitForConnection();
    try {
      // Fail early and clearly if no credentials can be had at all.
      await this.options.credentials.ensureFresh();
    } catch (error) {
      this.#giveUp('failed', `no credentials for the realtime connection: ${describe(this.options.credentials.rejection ?? error)}`);
      return connected;
    }
    if (this.state !== 'connecting') return connected; // closed meanwhile
    this.#running = true;
    this.#transport.start();
    return connected;
  }

  /** QoS 1, once connected; messages on the filter arrive as `message` and `json` events. */
  async subscribe(topicFilter: string): Promise<void> {
    await this.#transport.subscribe(topicFilter, (topic, payload) => this.#deliver(topic, payload));
  }

  async close(): Promise<void> {
    this.options.credentials.stop();
    this.#stopNetwork?.();
    this.#stopNetwork = undefined;
    const wasRunning = this.#running;
    this.#running = false;
    this.#transportUp = false;
    if (wasRunning) await this.#transport.stop().catch(() => undefined);
    this.#move('closed');
    this.#settle(new RealtimeConnectionError('the realtime client was closed', 'closed'));
  }

  #onConnected(sessionPresent: boolean): void {
    if (!this.#running) return;
    this.#everConnected = true;
    this.#transportUp = true;
    this.#connectedAt = this.#clock.now();
    this.#failedAttempts = 0;
    this.#refusals = 0;
    this.#retryInfo = {};
    this.#move('connected', { sessionPresent });
    this.#settle();
  }

  #onInterrupted(reason: string, retryInMs: number | undefined): void {
    if (!this.#running) return;
    this.#transportUp = false;
    const lived = this.#connectedAt === undefined ? 0 : this.#clock.now() - this.#connectedAt;
    this.#connectedAt = undefined;
    // The first drop after a long connection may be a takeover too (the other holder just connected): it counts 1.
    this.#shortDrops = lived < this.#takeover.shortLivedMs ? this.#shortDrops + 1 : 1;
    if (this.#shortDrops >= this.#takeover.drops) {
      this.#giveUp(
        'taken-over',
        `another connection with this client id (another tab or device signed in as you?) replaced this one ${this.#shortDrops} times in a row; stopped reconnecting so that it can stay`,
      );
      return;
    }
    this.#failedAttempts = 0;
    this.#retrying(reason, retryInMs);
  }

  #onAttemptFailed(reason: string, retryInMs: number | undefined, refused: boolean): void {
    if (!this.#running) return;
    this.#transportUp = false;
    this.#failedAttempts += 1;
    const pending = refused && this.options.authorizationPendingUntil !== undefined && this.#clock.now() < this.options.authorizationPendingUntil;
    // A refusal while a just-attached policy is still propagating is not the identity's fault: it does not count.
    this.#refusals = refused && !pending ? this.#refusals + 1 : 0;
    const rejection = this.options.credentials.rejection;
    if (rejection !== undefined) this.#giveUp('failed', `the sign-in behind the realtime connection was refused: ${describe(rejection)}`);
    else if (this.#refusals >= this.#maxRefusals)
      this.#giveUp('failed', `the realtime service refused this identity ${this.#refusals} times in a row: ${reason}`);
    else this.#retrying(pending ? `waiting for the IoT policy to take effect (AWS applies policy changes within minutes): ${reason}` : reason, retryInMs);
  }

  #retrying(detail: string, retryInMs: number | undefined): void {
    this.#retryInfo = { detail, attempt: this.#failedAttempts + 1, ...(retryInMs === undefined ? {} : { retryAt: this.#clock.now() + retryInMs }) };
    if (!this.#network.online()) this.#move('offline', { detail: 'this device is offline' });
    else this.#move(this.#everConnected ? 'reconnecting' : 'connecting', this.#retryInfo);
  }

  /**
   * The browser says the device went offline or came back. navigator.onLine false is certain (no network interface
   * is up: https://html.spec.whatwg.org/multipage/system-state.html#dom-navigator-online), so a live connection is
   * shown offline at once, rather than when its keep-alive fails up to 28 s later. Back online, a connection the
   * transport never reported down is live again (its keep-alive still watches it); otherwise the transport's next
   * attempt comes as it was planned, and until it succeeds the state says so.
   */
  #onNetwork(online: boolean): void {
    if (!this.#running) return;
    const state = this.state;
    if (!online && (state === 'connecting' || state === 'reconnecting' || state === 'connected')) this.#move('offline', { detail: 'this device is offline' });
    if (online && state === 'offline') {
      if (this.#transportUp) this.#move('connected');
      else this.#move(this.#everConnected ? 'reconnecting' : 'connecting', this.#retryInfo);
    }
  }

  #giveUp(state: 'failed' | 'taken-over', detail: string): void {
    this.#transportUp = false;
    if (this.#running) {
      this.#running = false;
      void this.#transport.stop().catch(() => undefined);
    }
    this.#connectedAt = undefined;
    this.#move(state, { detail });
    this.#settle(new RealtimeConnectionError(detail, state));
  }

  #waitForConnection(): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Resolves (no error) or rejects everyone waiting in connect()/reconnect(). */
  #settle(error?: Error): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  #move(next: ConnectionState, info?: StateInfo): void {
    const change = this.#machine.transition(next, info);
    if (change) this.emit('state', change);
  }

  #deliver(topic: string, payload: Uint8Array): void {
    this.stats.received += 1;
    this.emit('message', { topic, payload });
    if (this.listenerCount('json') === 0) return;
    let json: unknown;
    try {
      json = JSON.parse(this.#decoder.decode(payload));
    } catch {
      this.stats.malformedDropped += 1;
      return;
    }
    const key = this.options.dedupKey?.(topic, json);
    if (key !== undefined && this.#seen.seen(key)) {
      this.stats.duplicatesDropped += 1;
      return;
    }
    this.emit('json', { topic, json });
  }
}
