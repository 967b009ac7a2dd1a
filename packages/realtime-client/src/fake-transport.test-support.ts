/** A transport the tests drive: it delivers payloads and fires the events a real transport would. */
import type { Transport, TransportEvents, TransportFactory, TransportOptions } from './transport.js';

export class FakeTransport implements Transport {
  #events: TransportEvents | undefined;
  options: Omit<TransportOptions, 'events'> | undefined;
  readonly handlers = new Map<string, (topic: string, payload: Uint8Array) => void>();
  starts = 0;
  stops = 0;

  /** The factory RealtimeClient calls; it hands this transport the client's event sink. */
  readonly factory: TransportFactory = ({ events, ...options }) => {
    this.#events = events;
    this.options = options;
    return this;
  };

  get events(): TransportEvents {
    if (!this.#events) throw new Error('no RealtimeClient was created with this transport');
    return this.#events;
  }

  start(): void {
    this.starts += 1;
  }

  async stop(): Promise<void> {
    this.stops += 1;
  }

  async subscribe(topicFilter: string, onMessage: (topic: string, payload: Uint8Array) => void): Promise<void> {
    this.handlers.set(topicFilter, onMessage);
  }

  /** Delivers on `topic` through the subscription to `filter` (the topic itself by default). */
  deliver(topic: string, body: unknown, filter = topic): void {
    const handler = this.handlers.get(filter);
    if (!handler) throw new Error(`no subscription to ${filter}`);
    handler(
      topic,
      typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : new TextEncoder().encode(JSON.stringify(body)),
    );
  }
}
