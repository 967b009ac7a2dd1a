import { RealtimeClient, type RealtimeClientOptions } from './client.js';
import { RefreshingCredentials } from './credentials.js';
import { FakeClock } from './fake-clock.test-support.js';
import { FakeTransport } from './fake-transport.test-support.js';
import type { JsonMessage, RawMessage, StateChange } from './types.js';

const ROOM = 'app/prod/rooms/general';
const byId = (_topic: string, json: unknown) =>
  typeof json === 'object' && json !== null && 'id' in json && typeof json.id === 'string' ? json.id : undefined;

function setup(options: Partial<RealtimeClientOptions> = {}) {
  const clock = new FakeClock();
  const transport = new FakeTransport();
  const credentials = new RefreshingCredentials(
    { fetch: async () => ({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', region: 'eu-west-1', expiration: new Date(clock.now() + 3_600_000) }) },
    { clock },
  );
  const client = new RealtimeClient({ endpoint: 'x-ats.iot.eu-west-1.amazonaws.com', clientId: 'app.prod.alice', credentials, transport: transport.factory, ...options });
  const states: StateChange[] = [];
  client.on('state', (change) => states.push(change));
  const json: JsonMessage[] = [];
  const raw: RawMessage[] = [];
  const listen = () => {
    client.on('json', (m) => json.push(m));
    client.on('message', (m) => raw.push(m));
  };
  return { client, transport, states, credentials, clock, json, raw, listen };
}

describe('RealtimeClient messages', () => {
  it('emits each JSON message once per dedup key, even when QoS 1 redelivers it after a reconnect', async () => {
    const { client, transport, json, raw, listen } = setup({ dedupKey: byId });
    listen();
    await client.connect();
    await client.subscribe(ROOM);
    const first = { id: 'm1', text: 'hi' };
    transport.deliver(ROOM, first);
    transport.events.interrupted('socket closed');
    transport.events.resumed(true);
    transport.deliver(ROOM, first);
    transport.deliver(ROOM, { id: 'm2', text: 'next' });
    expect(json).toEqual([
      { topic: ROOM, json: first },
      { topic: ROOM, json: { id: 'm2', text: 'next' } },
    ]);
    // The raw form is every delivery, the redelivery included, byte for byte.
    expect(raw.map((m) => new TextDecoder().decode(m.payload))).toEqual([JSON.stringify(first), JSON.stringify(first), JSON.stringify({ id: 'm2', text: 'next' })]);
    expect(client.stats).toEqual({ received: 3, duplicatesDropped: 1, malformedDropped: 0 });
  });

  it('passes the topic to the dedup key, and keeps messages without a key', async () => {
    const keys: Array<[string, unknown]> = [];
    const dedupKey = (topic: string, body: unknown) => {
      keys.push([topic, body]);
      const id = byId(topic, body);
      return id === undefined ? undefined : `${topic}|${id}`;
    };
    const { client, transport, json, listen } = setup({ dedupKey });
    listen();
    await client.connect();
    await client.subscribe('app/prod/rooms/+');
    transport.deliver('app/prod/rooms/a', { id: 'same' }, 'app/prod/rooms/+');
    transport.deliver('app/prod/rooms/b', { id: 'same' }, 'app/prod/rooms/+');
    transport.deliver('app/prod/rooms/b', { no: 'id' }, 'app/prod/rooms/+');
    transport.deliver('app/prod/rooms/b', { no: 'id' }, 'app/prod/rooms/+');
    expect(json.map((m) => m.topic)).toEqual(['app/prod/rooms/a', 'app/prod/rooms/b', 'app/prod/rooms/b', 'app/prod/rooms/b']);
    expect(keys[0]).toEqual(['app/prod/rooms/a', { id: 'same' }]);
  });

  it('does not de-duplicate without a dedup key function', async () => {
    const { client, transport, json, listen } = setup();
    listen();
    await client.subscribe(ROOM);
    transport.deliver(ROOM, { id: 'm1' });
    transport.deliver(ROOM, { id: 'm1' });
    expect(json).toHaveLength(2);
  });

  it('drops payloads that are not JSON from the json event, but still emits them raw', async () => {
    const { client, transport, json, raw, listen } = setup({ dedupKey: byId });
    listen();
    await client.subscribe(ROOM);
    transport.deliver(ROOM, '{not json');
    transport.deliver(ROOM, new Uint8Array([0xff, 0x00]));
    expect(json).toEqual([]);
    expect(raw.map((m) => [...m.payload].length)).toEqual([9, 2]);
    expect(client.stats.malformedDropped).toBe(2);
  });

  it('parses nothing while nobody listens to json', async () => {
    const { client, transport, raw } = setup();
    client.on('message', (m) => raw.push(m));
    await client.subscribe(ROOM);
    transport.deliver(ROOM, 'binary, not JSON');
    expect(raw).toHaveLength(1);
    expect(client.stats).toEqual({ received: 1, duplicatesDropped: 0, malformedDropped: 0 });
  });

  it('keeps delivering to other listeners when one throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const { client, transport, json } = setup({ onListenerError: (e) => errors.push(e) });
    client.on('json', () => {
      throw new Error('listener bug');
    });
    client.on('json', (m) => json.push(m));
    await client.subscribe(ROOM);
    transport.deliver(ROOM, { id: 'm1' });
    expect(json).toHaveLength(1);
    expect(errors).toEqual([new Error('listener bug')]);
  });

  it('stops calling a listener once it is removed', async () => {
    const { client, transport, json } = setup();
    const off = client.on('json', (m) => json.push(m));
    await client.subscribe(ROOM);
    transport.deliver(ROOM, { id: 'm1' });
    off();
    transport.deliver(ROOM, { id: 'm2' });
    expect(json).toHaveLength(1);
  });
});

describe('RealtimeClient state', () => {
  it('reports connecting, connected, interrupted (once), resumed and closed, with the reason', async () => {
    const { client, transport, states } = setup();
    await client.connect();
    transport.events.interrupted('network');
    transport.events.interrupted('network again');
    transport.events.resumed(true);
    await client.close();
    expect(states).toEqual([
      { state: 'connecting', previous: 'idle' },
      { state: 'connected', previous: 'connecting' },
      { state: 'interrupted', previous: 'connected', detail: 'network' },
      { state: 'resumed', previous: 'interrupted' },
      { state: 'closed', previous: 'resumed' },
    ]);
    expect(client.state).toBe('closed');
  });

  it('reports failed, with the reason, when the connection is refused', async () => {
    const { client, transport, states } = setup();
    transport.failConnect = new Error('CONNACK not authorized');
    await expect(client.connect()).rejects.toThrow('not authorized');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'failed']);
    expect(states[1]?.detail).toBe('CONNACK not authorized');
    expect(client.state).toBe('failed');
  });

  it('fails before opening a socket when no credentials can be had', async () => {
    const transport = new FakeTransport();
    let connects = 0;
    transport.connect = async () => {
      connects += 1;
    };
    const credentials = new RefreshingCredentials({ fetch: async () => Promise.reject(new Error('401 from /credentials')) }, { clock: new FakeClock() });
    const client = new RealtimeClient({ endpoint: 'e', clientId: 'c', credentials, transport: transport.factory });
    await expect(client.connect()).rejects.toThrow('no valid realtime credentials');
    expect(connects).toBe(0);
    expect(client.state).toBe('failed');
    credentials.stop();
  });

  it('fetches credentials before the first connection attempt, and stops refreshing them on close', async () => {
    const { client, credentials, transport, clock } = setup();
    expect(credentials.current()).toBeUndefined();
    await client.connect();
    expect(credentials.current()?.accessKeyId).toBe('A');
    expect(clock.pending()).toHaveLength(1);
    await client.close();
    expect(clock.pending()).toEqual([]);
    expect(transport.disconnects).toBe(1);
  });
});
