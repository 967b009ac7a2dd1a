import { messageKey, RealtimeClient, type Transport, type TransportEvents, type TransportOptions } from './client.js';
import { RefreshingCredentials } from './credentials.js';
import { RecentIds } from './dedup.js';
import { FakeClock } from './fake-clock.test-support.js';
import { ConnectionStateMachine } from './state.js';
import type { ConnectionState } from './types.js';

/** A transport the test drives: it delivers payloads and fires SDK-like events. */
class FakeTransport implements Transport {
  events!: TransportEvents;
  handlers = new Map<string, (topic: string, payload: Uint8Array) => void>();
  failConnect: Error | undefined;
  async connect() {
    if (this.failConnect) throw this.failConnect;
  }
  async subscribe(topic: string, onMessage: (topic: string, payload: Uint8Array) => void) {
    this.handlers.set(topic, onMessage);
  }
  async disconnect() {}
  deliver(topic: string, body: unknown) {
    this.handlers.get(topic)?.(topic, new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)));
  }
}

function setup() {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const credentials = new RefreshingCredentials(
    { fetch: async () => ({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', region: 'eu-west-1', expiration: new Date(clock.now() + 3_600_000) }) },
    { clock },
  );
  const client = new RealtimeClient({
    endpoint: 'x-ats.iot.eu-west-1.amazonaws.com',
    clientId: 'app.prod.alice',
    credentials,
    transport: (options: TransportOptions) => {
      transport.events = options.events;
      return transport;
    },
  });
  const states: ConnectionState[] = [];
  client.onStateChange((s) => states.push(s));
  return { client, transport, states, credentials };
}

describe('RealtimeClient', () => {
  it('delivers each message once, even when QoS 1 redelivers it after a reconnect', async () => {
    const { client, transport } = setup();
    await client.connect();
    const got: unknown[] = [];
    await client.subscribe('app/prod/rooms/general', (m) => got.push(m));
    const message = { type: 'message', id: 'm1', text: 'hi' };
    transport.deliver('app/prod/rooms/general', message);
    transport.events.interrupted('socket closed');
    transport.events.resumed(true);
    transport.deliver('app/prod/rooms/general', message);
    transport.deliver('app/prod/rooms/general', { type: 'message', id: 'm2', text: 'next' });
    expect(got).toEqual([message, { type: 'message', id: 'm2', text: 'next' }]);
    expect(client.stats).toEqual({ received: 2, duplicatesDropped: 1, malformedDropped: 0 });
  });

  it('drops payloads that are not JSON instead of breaking the page', async () => {
    const { client, transport } = setup();
    await client.connect();
    const got: unknown[] = [];
    await client.subscribe('t', (m) => got.push(m));
    transport.deliver('t', '{not json');
    expect(got).toEqual([]);
    expect(client.stats.malformedDropped).toBe(1);
  });

  it('reports connecting, connected, interrupted, resumed and closed', async () => {
    const { client, transport, states } = setup();
    await client.connect();
    transport.events.interrupted('network');
    transport.events.interrupted('network again');
    transport.events.resumed(true);
    await client.close();
    expect(states).toEqual(['connecting', 'connected', 'interrupted', 'resumed', 'closed']);
  });

  it('reports failed when the connection is refused', async () => {
    const { client, transport, states } = setup();
    transport.failConnect = new Error('CONNACK not authorized');
    await expect(client.connect()).rejects.toThrow('not authorized');
    expect(states).toEqual(['connecting', 'failed']);
    expect(client.state.state).toBe('failed');
  });

  it('fetches credentials before the first connection attempt', async () => {
    const { client, credentials } = setup();
    expect(credentials.current()).toBeUndefined();
    await client.connect();
    expect(credentials.current()?.accessKeyId).toBe('A');
    await client.close();
  });
});

describe('messageKey', () => {
  it('keys room messages by id and job events by job, status and step', () => {
    expect(messageKey({ id: 'm1' })).toBe('id:m1');
    expect(messageKey({ jobId: 'j', status: 'running', step: 2 })).toBe('job:j:running:2');
    expect(messageKey({ jobId: 'j', status: 'running', step: 3 })).not.toBe(messageKey({ jobId: 'j', status: 'running', step: 2 }));
    expect(messageKey('text')).toBeUndefined();
    expect(messageKey({ other: 1 })).toBeUndefined();
  });
});

describe('RecentIds', () => {
  it('forgets the oldest ids beyond its capacity', () => {
    const ids = new RecentIds(2);
    expect(ids.seen('a')).toBe(false);
    expect(ids.seen('b')).toBe(false);
    expect(ids.seen('a')).toBe(true);
    expect(ids.seen('c')).toBe(false);
    expect(ids.seen('a')).toBe(false);
  });
});

describe('ConnectionStateMachine', () => {
  it('ignores transitions the SDK cannot cause', () => {
    const machine = new ConnectionStateMachine();
    expect(machine.transition('resumed')).toBe(false);
    expect(machine.transition('connecting')).toBe(true);
    expect(machine.transition('connected')).toBe(true);
    expect(machine.transition('connecting')).toBe(false);
    expect(machine.transition('closed')).toBe(true);
    expect(machine.transition('connecting')).toBe(false);
  });
});
