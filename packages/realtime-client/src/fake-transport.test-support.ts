/** A transport the tests drive: it delivers payloads and fires SDK-like events. */
import type { Transport, TransportEvents, TransportFactory } from './transport.js';

export class FakeTransport implements Transport {
  #events: TransportEvents | undefined;
  readonly handlers = new Map<string, (topic: string, payload: Uint8Array) => void>();
  failConnect: Error | undefined;
  disconnects = 0;

  /** The factory RealtimeClient calls; it hands this transport the client's event sink. */
  readonly factory: TransportFactory = (options) => {
    this.#events = options.events;
    return this;
  };

  get events(): TransportEvents {
    if (!this.#events) throw new Error('no RealtimeClient was created with this transport');
    return this.#events;
  }

  async connect(): Promise<void> {
    if (this.failConnect) throw this.failConnect;
  }

  async subscribe(topicFilter: string, onMessage: (topic: string, payload: Uint8Array) => void): Promise<void> {
    this.handlers.set(topicFilter, onMessage);
  }

  async disconnect(): Promise<void> {
    this.disconnects += 1;
  }

  /** Delivers on `topic` through the subscription to `filter` (the topic itself by default). */
  deliver(topic: string, body: unknown, filter = topic): void {
    const handler = this.handlers.get(filter);
    if (!handler) throw new Error(`no subscription to ${filter}`);
    handler(topic, typeof body === 'string' ? new TextEncoder().encode(body) : body instanceof Uint8Array ? body : new TextEncoder().encode(JSON.stringify(body)));
  }
}
