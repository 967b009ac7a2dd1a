/**
 * The browser realtime client: subscribe to topics, get each message once, and know the connection state.
 * The transport (aws-iot-device-sdk-v2 over SigV4 WebSockets in the app, a fake in tests) does the MQTT; this class
 * owns credentials freshness, de-duplication and state.
 */
import type { RefreshingCredentials } from './credentials.js';
import { RecentIds } from './dedup.js';
import { ConnectionStateMachine, type StateListener } from './state.js';

export interface TransportEvents {
  connected(sessionPresent: boolean): void;
  interrupted(reason: string): void;
  resumed(sessionPresent: boolean): void;
  failed(reason: string): void;
  closed(): void;
}

export interface Transport {
  /** Resolves on the first CONNACK; the transport reconnects by itself afterwards. */
  connect(): Promise<void>;
  /** QoS 1 subscription; the transport re-subscribes after reconnects. */
  subscribe(topic: string, onMessage: (topic: string, payload: Uint8Array) => void): Promise<void>;
  disconnect(): Promise<void>;
}

export interface TransportOptions {
  endpoint: string;
  clientId: string;
  credentials: RefreshingCredentials;
  events: TransportEvents;
}

export type TransportFactory = (options: TransportOptions) => Transport;

export interface RealtimeClientOptions {
  endpoint: string;
  /** Pinned per user: with a persistent session, QoS 1 messages sent while away arrive after a reconnect. */
  clientId: string;
  credentials: RefreshingCredentials;
  transport: TransportFactory;
  dedupCapacity?: number;
}

export type MessageHandler<T> = (message: T, topic: string) => void;

/** The identity of a message for de-duplication: `id`, or job id + status + step for job events. */
export function messageKey(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if (typeof m.id === 'string') return `id:${m.id}`;
  if (typeof m.jobId === 'string') return `job:${m.jobId}:${String(m.status)}:${String(m.step)}`;
  return undefined;
}

export class RealtimeClient {
  readonly state = new ConnectionStateMachine();
  readonly #seen: RecentIds;
  readonly #transport: Transport;
  /** Counts for the UI and tests. */
  readonly stats = { received: 0, duplicatesDropped: 0, malformedDropped: 0 };

  constructor(private readonly options: RealtimeClientOptions) {
    this.#seen = new RecentIds(options.dedupCapacity ?? 2000);
    this.#transport = options.transport({
      endpoint: options.endpoint,
      clientId: options.clientId,
      credentials: options.credentials,
      events: {
        connected: () => void this.state.transition('connected'),
        interrupted: (reason) => void this.state.transition('interrupted', reason),
        resumed: () => void this.state.transition('resumed'),
        failed: (reason) => void this.state.transition('failed', reason),
        closed: () => void this.state.transition('closed'),
      },
    });
  }

  onStateChange(listener: StateListener): () => void {
    return this.state.onChange(listener);
  }

  async connect(): Promise<void> {
    this.state.transition('connecting');
    try {
      // Fail early and clearly if no credentials can be had at all.
      await this.options.credentials.ensureFresh();
      await this.#transport.connect();
      this.state.transition('connected');
    } catch (error) {
      this.state.transition('failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  async subscribe<T = unknown>(topic: string, handler: MessageHandler<T>): Promise<void> {
    await this.#transport.subscribe(topic, (actualTopic, payload) => {
      let message: unknown;
      try {
        message = JSON.parse(new TextDecoder().decode(payload));
      } catch {
        this.stats.malformedDropped += 1;
        return;
      }
      const key = messageKey(message);
      if (key !== undefined && this.#seen.seen(key)) {
        this.stats.duplicatesDropped += 1;
        return;
      }
      this.stats.received += 1;
      handler(message as T, actualTopic);
    });
  }

  async close(): Promise<void> {
    this.options.credentials.stop();
    await this.#transport.disconnect().catch(() => undefined);
    this.state.transition('closed');
  }
}
