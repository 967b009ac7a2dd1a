import { AUTHORIZATION_PROPAGATION_MS, RealtimeClient, type RealtimeClientOptions, RealtimeConnectionError } from './client.js';
import { RefreshingCredentials } from './credentials.js';
import { FakeClock } from './fake-clock.test-support.js';
import { FakeTransport } from './fake-transport.test-support.js';
import type { NetworkStatus } from './network.js';
import type { CredentialSource, JsonMessage, RawMessage, StateChange } from './types.js';

const ROOM = 'app/prod/rooms/general';
const byId = (_topic: string, json: unknown) =>
  typeof json === 'object' && json !== null && 'id' in json && typeof json.id === 'string' ? json.id : undefined;

/** A network the test switches on and off. */
class FakeNetwork implements NetworkStatus {
  #online = true;
  readonly #listeners = new Set<(online: boolean) => void>();
  online = () => this.#online;
  onChange(listener: (online: boolean) => void) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(online: boolean) {
    this.#online = online;
    for (const listener of this.#listeners) listener(online);
  }
}

const settle = async () => {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
};

function setup(options: Partial<RealtimeClientOptions> & { source?: CredentialSource; clock?: FakeClock } = {}) {
  const clock = options.clock ?? new FakeClock();
  const transport = new FakeTransport();
  const network = new FakeNetwork();
  const source = options.source ?? {
    fetch: async () => ({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', region: 'eu-west-1', expiration: new Date(clock.now() + 3_600_000) }),
  };
  const credentials = new RefreshingCredentials(source, { clock });
  const client = new RealtimeClient({
    endpoint: 'x-ats.iot.eu-west-1.amazonaws.com',
    clientId: 'app.prod.alice.t1',
    credentials,
    transport: transport.factory,
    clock,
    network,
    ...options,
  });
  const states: StateChange[] = [];
  client.on('state', (change) => states.push(change));
  const json: JsonMessage[] = [];
  const raw: RawMessage[] = [];
  const listen = () => {
    client.on('json', (m) => json.push(m));
    client.on('message', (m) => raw.push(m));
  };
  /** connect() as the transport would answer it: started, then a CONNACK. */
  const connect = async (sessionPresent = false) => {
    const connected = client.connect();
    await settle();
    transport.events.connected(sessionPresent);
    await connected;
  };
  return { client, transport, network, states, credentials, clock, json, raw, listen, connect };
}

describe('RealtimeClient messages', () => {
  it('emits each JSON message once per dedup key, even when QoS 1 redelivers it after a reconnect', async () => {
    const { client, transport, json, raw, listen, connect } = setup({ dedupKey: byId });
    listen();
    await connect();
    await client.subscribe(ROOM);
    const first = { id: 'm1', text: 'hi' };
    transport.deliver(ROOM, first);
    transport.events.interrupted('the connection was closed', 1000);
    transport.events.connected(true);
    transport.deliver(ROOM, first);
    transport.deliver(ROOM, { id: 'm2', text: 'next' });
    expect(json).toEqual([
      { topic: ROOM, json: first },
      { topic: ROOM, json: { id: 'm2', text: 'next' } },
    ]);
    // The raw form is every delivery, the redelivery included, byte for byte.
    expect(raw.map((m) => new TextDecoder().decode(m.payload))).toEqual([
      JSON.stringify(first),
      JSON.stringify(first),
      JSON.stringify({ id: 'm2', text: 'next' }),
    ]);
    expect(client.stats).toEqual({ received: 3, duplicatesDropped: 1, malformedDropped: 0 });
  });

  it('passes the topic to the dedup key, and keeps messages without a key', async () => {
    const keys: Array<[string, unknown]> = [];
    const dedupKey = (topic: string, body: unknown) => {
      keys.push([topic, body]);
      const id = byId(topic, body);
      return id === undefined ? undefined : `${topic}|${id}`;
    };
    const { client, transport, json, listen, connect } = setup({ dedupKey });
    listen();
    await connect();
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
  it('reports connecting, connected, reconnecting with the attempt and when it comes, connected again and closed', async () => {
    const { client, transport, states, clock, connect } = setup();
    const t0 = clock.now();
    await connect(false);
    transport.events.interrupted('the connection was closed', 1500);
    transport.events.attemptFailed('the realtime service could not be reached', 3000, false);
    transport.events.connected(true);
    await client.close();
    expect(states).toEqual([
      { state: 'connecting', previous: 'idle' },
      { state: 'connected', previous: 'connecting', sessionPresent: false },
      { state: 'reconnecting', previous: 'connected', detail: 'the connection was closed', attempt: 1, retryAt: t0 + 1500 },
      { state: 'reconnecting', previous: 'reconnecting', detail: 'the realtime service could not be reached', attempt: 2, retryAt: t0 + 3000 },
      { state: 'connected', previous: 'reconnecting', sessionPresent: true },
      { state: 'closed', previous: 'connected' },
    ]);
    expect(transport.stops).toBe(1);
  });

  it('keeps trying the first connection (connecting, attempt n) and resolves connect() once it succeeds', async () => {
    const { client, transport, states } = setup();
    let resolved = false;
    const connected = client.connect().then(() => {
      resolved = true;
    });
    await settle();
    transport.events.attemptFailed('the realtime service could not be reached', 1000, false);
    transport.events.attemptFailed('the realtime service could not be reached', 2000, false);
    await settle();
    expect(resolved).toBe(false);
    expect(states.map((s) => [s.state, s.attempt])).toEqual([
      ['connecting', undefined],
      ['connecting', 2],
      ['connecting', 3],
    ]);
    transport.events.connected(false);
    await connected;
    expect(client.state).toBe('connected');
  });

  it("passes its keep-alive and ping timeout to the transport (defaults: 20 s and 8 s, inside IoT's 30 s)", () => {
    expect(setup().transport.options).toMatchObject({ keepAliveSeconds: 20, pingTimeoutMs: 8000, clientId: 'app.prod.alice.t1' });
    expect(setup({ keepAliveSeconds: 60, pingTimeoutMs: 3000 }).transport.options).toMatchObject({ keepAliveSeconds: 60, pingTimeoutMs: 3000 });
  });

  it('stops fighting when connections with its client id keep being replaced, says so, and takes it back on reconnect()', async () => {
    const { client, transport, states, clock, connect } = setup();
    await connect();
    await clock.advance(60_000);
    for (let drop = 1; drop <= 3; drop += 1) {
      transport.events.interrupted('the connection was closed', 1000);
      if (drop < 3) {
        await clock.advance(1000);
        transport.events.connected(true);
        await clock.advance(800);
      }
    }
    expect(client.state).toBe('taken-over');
    expect(states.at(-1)?.detail).toMatch(/^another connection with this client id .* replaced this one 3 times in a row; stopped reconnecting/);
    expect(transport.stops).toBe(1);
    // Whatever the stopped transport still reports is ignored: no flapping.
    transport.events.connected(true);
    transport.events.interrupted('the connection was closed', 1000);
    expect(client.state).toBe('taken-over');

    const back = client.reconnect();
    await settle();
    expect(transport.starts).toBe(2);
    transport.events.connected(true);
    await back;
    expect(client.state).toBe('connected');
  });

  it('stands down when the app hands the client id to another tab, and comes back on reconnect()', async () => {
    const { client, transport, states, connect } = setup();
    await connect();
    client.standDown('this account went live in another tab');
    expect(states.at(-1)).toEqual({ state: 'taken-over', previous: 'connected', detail: 'this account went live in another tab' });
    expect(transport.stops).toBe(1);
    const back = client.reconnect();
    await settle();
    transport.events.connected(true);
    await back;
    expect(client.state).toBe('connected');
  });

  it('never takes drops of long-lived connections for a takeover', async () => {
    const { client, transport, clock, connect } = setup();
    await connect();
    for (let drop = 0; drop < 6; drop += 1) {
      await clock.advance(20_000);
      transport.events.interrupted('the connection was closed', 1000);
      transport.events.connected(true);
    }
    expect(client.state).toBe('connected');
    expect(transport.stops).toBe(0);
  });

  it('gives up (failed) after 5 refusals of its identity in a row, not before, and not for other failures', async () => {
    const { client, transport, states, connect } = setup();
    await connect();
    transport.events.interrupted('the connection was closed', 1000);
    for (let i = 0; i < 4; i += 1) transport.events.attemptFailed('the realtime service refused this identity (not authorized, CONNACK 5)', 1000, true);
    transport.events.attemptFailed('the realtime service could not be reached', 1000, false);
    for (let i = 0; i < 4; i += 1) transport.events.attemptFailed('the realtime service refused this identity (not authorized, CONNACK 5)', 1000, true);
    expect(client.state).toBe('reconnecting');
    transport.events.attemptFailed('the realtime service refused this identity (not authorized, CONNACK 5)', 1000, true);
    expect(client.state).toBe('failed');
    expect(states.at(-1)?.detail).toBe(
      'the realtime service refused this identity 5 times in a row: the realtime service refused this identity (not authorized, CONNACK 5)',
    );
    expect(transport.stops).toBe(1);
  });

  it('keeps retrying refusals while a just-attached IoT policy propagates (AWS: 6 to 8 minutes), then counts them again', async () => {
    const clock = new FakeClock();
    const { client, transport, states, connect } = setup({ clock, authorizationPendingUntil: clock.now() + AUTHORIZATION_PROPAGATION_MS });
    await connect();
    transport.events.interrupted('the connection was closed', 1000);
    const refused = () => transport.events.attemptFailed('the realtime service refused this identity (not authorized, CONNACK 5)', 1000, true);
    for (let i = 0; i < 20; i += 1) refused();
    expect(client.state).toBe('reconnecting');
    expect(states.at(-1)?.detail).toMatch(/^waiting for the IoT policy to take effect/);
    await clock.advance(AUTHORIZATION_PROPAGATION_MS);
    for (let i = 0; i < 4; i += 1) refused();
    expect(client.state).toBe('reconnecting');
    refused();
    expect(client.state).toBe('failed');
  });

  it('gives up (failed) when the sign-in behind its credentials is refused, since reconnecting cannot help', async () => {
    let calls = 0;
    const clock = new FakeClock();
    const source: CredentialSource = {
      async fetch() {
        calls += 1;
        if (calls > 1) throw Object.assign(new Error('the token has expired'), { permanent: true });
        return { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', region: 'eu-west-1', expiration: new Date(clock.now() + 60_000) };
      },
    };
    const { client, transport, states, credentials, connect } = setup({ source, clock });
    await connect();
    await expect(credentials.refresh()).rejects.toThrow('the token has expired');
    transport.events.interrupted('the connection was closed', 1000);
    expect(client.state).toBe('reconnecting');
    transport.events.attemptFailed('no valid credentials for the connection (the token has expired)', 1000, false);
    expect(client.state).toBe('failed');
    expect(states.at(-1)?.detail).toBe('the sign-in behind the realtime connection was refused: the token has expired');
  });

  it('fails before opening a socket when no credentials can be had, and connect() says why', async () => {
    const { client, transport } = setup({ source: { fetch: async () => Promise.reject(new Error('credentials request failed (503)')) } });
    await expect(client.connect()).rejects.toEqual(
      new RealtimeConnectionError(
        'no credentials for the realtime connection: no valid realtime credentials: the refresh failed and the old ones have expired',
        'failed',
      ),
    );
    expect(transport.starts).toBe(0);
    expect(client.state).toBe('failed');
  });

  it('says offline as soon as the device has no network, live again when it is back and the connection never dropped', async () => {
    const { client, network, states, connect } = setup();
    await connect();
    network.set(false);
    expect(states.at(-1)).toEqual({ state: 'offline', previous: 'connected', detail: 'this device is offline' });
    network.set(true);
    expect(states.at(-1)).toEqual({ state: 'connected', previous: 'offline' });
    expect(client.state).toBe('connected');
  });

  it('stays offline while the connection drops and attempts fail without a network, and says reconnecting with the plan when it is back', async () => {
    const { client, transport, network, states, clock, connect } = setup();
    await connect();
    network.set(false);
    expect(client.state).toBe('offline');
    transport.events.interrupted('the connection was closed', 4000);
    expect(client.state).toBe('offline');
    transport.events.attemptFailed('the realtime service could not be reached', 8000, false);
    expect(client.state).toBe('offline');
    network.set(true);
    expect(states.at(-1)).toEqual({
      state: 'reconnecting',
      previous: 'offline',
      detail: 'the realtime service could not be reached',
      attempt: 2,
      retryAt: clock.now() + 8000,
    });
    network.set(false);
    expect(client.state).toBe('offline');
    transport.events.connected(true);
    expect(client.state).toBe('connected');
  });

  it('rejects a pending connect() when closed, and then ignores the transport', async () => {
    const { client, transport } = setup();
    const connected = client.connect();
    await settle();
    await client.close();
    await expect(connected).rejects.toEqual(new RealtimeConnectionError('the realtime client was closed', 'closed'));
    transport.events.connected(false);
    expect(client.state).toBe('closed');
  });

  it('fetches credentials before the first connection attempt, and stops refreshing them on close', async () => {
    const { client, credentials, clock, connect } = setup();
    expect(credentials.current()).toBeUndefined();
    await connect();
    expect(credentials.current()?.accessKeyId).toBe('A');
    expect(clock.pending()).toHaveLength(1);
    await client.close();
    expect(clock.pending()).toEqual([]);
  });
});
