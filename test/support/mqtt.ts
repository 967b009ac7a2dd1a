/** Real MQTT.js clients over WebSocket for integration tests, with helpers to wait for messages and closes. */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface ReceivedMessage {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
}

export interface TestClient {
  client: MqttClient;
  messages: ReceivedMessage[];
  closed: Promise<void>;
  /** Resolves with the first message on `topic` (or matching `predicate`), rejects after `timeoutMs`. */
  next(topic: string, timeoutMs?: number, accept?: (m: ReceivedMessage) => boolean): Promise<ReceivedMessage>;
  end(): Promise<void>;
}

export async function connectClient(url: string, clientId: string, options: IClientOptions = {}): Promise<TestClient> {
  const client = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, keepalive: 60, ...options });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
  } catch (error) {
    // A refused client must not linger (its timers would keep the test process alive).
    client.end(true);
    throw error;
  }
  return wrap(client);
}

export function wrap(client: MqttClient): TestClient {
  const messages: ReceivedMessage[] = [];
  const waiters: Array<{ topic: string; accept: (m: ReceivedMessage) => boolean; resolve: (m: ReceivedMessage) => void }> = [];
  client.on('message', (topic, payload, packet) => {
    const m = { topic, payload: payload.toString('utf8'), qos: packet.qos, retain: packet.retain };
    messages.push(m);
    // The first waiter that accepts it takes it (a message goes to one waiter, as `next` consumes it).
    const waiter = waiters.find((w) => w.topic === topic && w.accept(m));
    if (waiter) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(m);
    }
  });
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  return {
    client,
    messages,
    closed,
    next(topic, timeoutMs = 3000, accept = () => true) {
      const already = messages.find((m) => m.topic === topic && accept(m));
      if (already) {
        messages.splice(messages.indexOf(already), 1);
        return Promise.resolve(already);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          topic,
          accept,
          resolve: (m) => {
            clearTimeout(timer);
            messages.splice(messages.indexOf(m), 1);
            resolve(m);
          },
        });
      });
    },
    async end() {
      await client.endAsync(true);
    },
  };
}

/** Resolves true if the connection closes within `ms`, false otherwise. */
export function closesWithin(c: TestClient, ms: number): Promise<boolean> {
  return Promise.race([c.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
