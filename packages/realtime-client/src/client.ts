/**
 * The realtime client: connect, subscribe to topic filters, and get messages and connection state as typed events.
 * The transport (aws-iot-device-sdk-v2 over SigV4 WebSockets in the browser, a fake in tests) does the MQTT; this
 * class owns credentials freshness at connect, de-duplication and state. It knows nothing of the app's topics or
 * payloads: the app gives a `dedupKey` for its JSON payloads and checks their shape itself.
 */
import type { RefreshingCredentials } from './credentials.js';
import { RecentIds } from './dedup.js';
import { TypedEmitter } from './emitter.js';
import { ConnectionStateMachine } from './state.js';
import type { Transport, TransportFactory } from './transport.js';
import type { ConnectionState, JsonMessage, RawMessage, StateChange } from './types.js';

/** The identity of a parsed message for de-duplication; undefined: never treated as a duplicate. */
export type DedupKey = (topic: string, json: unknown) => string | undefined;

export interface RealtimeClientOptions {
  endpoint: string;
  /** Pinned per user: with a persistent session, QoS 1 messages sent while away arrive after a reconnect. */
  clientId: string;
  credentials: RefreshingCredentials;
  transport: TransportFactory;
  /** Without it, `json` events are not de-duplicated. */
  dedupKey?: DedupKey;
  /** How many recent keys are remembered (default 2000). */
  dedupCapacity?: number;
  /** Called with an error a listener threw (default: re-thrown on its own task). */
  onListenerError?: (error: unknown) => void;
}

export interface RealtimeClientEvents {
  /** Every state change: connecting, connected, interrupted, resumed, failed, closed. */
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

export class RealtimeClient extends TypedEmitter<RealtimeClientEvents> {
  readonly #machine = new ConnectionStateMachine();
  readonly #seen: RecentIds;
  readonly #transport: Transport;
  readonly #decoder = new TextDecoder();
  readonly stats: RealtimeClientStats = { received: 0, duplicatesDropped: 0, malformedDropped: 0 };

  constructor(private readonly options: RealtimeClientOptions) {
    super(options.onListenerError);
    this.#seen = new RecentIds(options.dedupCapacity ?? 2000);
    this.#transport = options.transport({
      endpoint: options.endpoint,
      clientId: options.clientId,
      credentials: options.credentials,
      events: {
        connected: () => this.#move('connected'),
        interrupted: (reason) => this.#move('interrupted', reason),
        resumed: () => this.#move('resumed'),
        failed: (reason) => this.#move('failed', reason),
        closed: () => this.#move('closed'),
      },
    });
  }

  get state(): ConnectionState {
    return this.#machine.state;
  }

  async connect(): Promise<void> {
    this.#move('connecting');
    try {
      // Fail early and clearly if no credentials can be had at all.
      await this.options.credentials.ensureFresh();
      await this.#transport.connect();
      this.#move('connected');
    } catch (error) {
      this.#move('failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  /** QoS 1; messages on the filter arrive as `message` and `json` events. */
  async subscribe(topicFilter: string): Promise<void> {
    await this.#transport.subscribe(topicFilter, (topic, payload) => this.#deliver(topic, payload));
  }

  async close(): Promise<void> {
    this.options.credentials.stop();
    await this.#transport.disconnect().catch(() => undefined);
    this.#move('closed');
  }

  #move(next: ConnectionState, detail?: string): void {
    const change = this.#machine.transition(next, detail);
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
