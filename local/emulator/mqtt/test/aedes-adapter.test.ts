/**
 * What aedes-adapter.ts relies on in aedes (pinned 1.2.0) and aedes-persistence (11.0.0), checked on a real Aedes
 * instance over in-memory streams. If an aedes upgrade renames an internal or changes one of these behaviours, a
 * test here fails before the emulator silently stops enforcing an IoT rule.
 */
import type { Client } from 'aedes';
import { AedesAdapter, type AedesAdapterOptions, type InboundPacket } from '../aedes-adapter.js';
import { MemoryClient, waitFor } from './memory-client.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started: AedesAdapter[] = [];

async function start(options: AedesAdapterOptions = {}): Promise<AedesAdapter> {
  const adapter = new AedesAdapter({ heartbeatInterval: 60_000, ...options });
  await adapter.listen();
  started.push(adapter);
  return adapter;
}

async function connect(adapter: AedesAdapter, clientId: string, options: { clean?: boolean; keepalive?: number } = {}): Promise<{ client: MemoryClient; sessionPresent: boolean }> {
  const client = new MemoryClient();
  adapter.handle(client.stream);
  client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, clean: options.clean ?? true, keepalive: options.keepalive ?? 60 });
  const connack = await client.next('connack');
  expect(connack.returnCode).toBe(0);
  return { client, sessionPresent: connack.sessionPresent };
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((a) => a.close()));
});

describe('aedes internals the adapter reads', () => {
  it('Aedes#clients, Aedes#persistence (promise forms) and Client#_parser / Client#subscriptions exist with the expected shape', async () => {
    let seen: Client | undefined;
    const adapter = await start({
      preConnect: (client, _packet, callback) => {
        seen = client;
        callback(null, true);
      },
    });
    await connect(adapter, 'shape');
    const internals = adapter.aedes as unknown as { clients: unknown; persistence: Record<string, unknown> };
    expect(typeof internals.clients).toBe('object');
    for (const method of ['cleanSubscriptions', 'outgoingStream', 'outgoingClearMessageId', 'createRetainedStreamCombi']) expect(typeof internals.persistence[method]).toBe('function');
    const cleaned = (internals.persistence.cleanSubscriptions as (c: { id: string }) => unknown)({ id: 'nobody' });
    expect(cleaned).toBeInstanceOf(Promise);
    await cleaned;
    const client = seen as unknown as { _parser?: { prependListener?: unknown }; subscriptions?: unknown };
    expect(typeof client._parser?.prependListener).toBe('function');
    expect(typeof client.subscriptions).toBe('object');
  });
});

describe('aedes behaviour the adapter relies on', () => {
  it('connectedClient: the older client of an id is still registered while a second connection authenticates', async () => {
    const olderDuringAuthenticate: Array<Client | undefined> = [];
    const adapter = await start({
      authenticate: (client, _u, _p, callback) => {
        olderDuringAuthenticate.push(adapter.connectedClient(client.id));
        callback(null, true);
      },
    });
    const first = await connect(adapter, 'dup');
    const registered = adapter.connectedClient('dup');
    expect(registered?.id).toBe('dup');
    await connect(adapter, 'dup');
    expect(olderDuringAuthenticate).toEqual([undefined, registered]);
    await waitFor(() => first.client.closed, 2000, 'the older connection to close');
    expect(adapter.connectedClient('dup')).not.toBe(registered);
    expect(adapter.connectedClient('nobody')).toBeUndefined();
  });

  it('watchPackets: sees a whole SUBSCRIBE before aedes handles any of its filters, and sees DISCONNECT', async () => {
    const events: string[] = [];
    const adapter = await start({
      preConnect: (client, _packet, callback) => {
        adapter.watchPackets(client, (packet: InboundPacket) => {
          const held = [...adapter.subscribedFilters(client)].join(',');
          events.push(packet.subscriptions ? `${packet.cmd} of ${packet.subscriptions.length} holding [${held}]` : packet.cmd);
        });
        callback(null, true);
      },
      authorizeSubscribe: (_client, subscription, callback) => {
        events.push(`authorize ${subscription.topic}`);
        callback(null, subscription);
      },
    });
    const { client } = await connect(adapter, 'watched');
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 0 }, { topic: 'b', qos: 1 }] });
    await client.next('suback');
    client.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'c', qos: 0 }] });
    await client.next('suback');
    client.send({ cmd: 'disconnect' });
    await waitFor(() => client.closed, 2000, 'the connection to close');
    expect(events).toEqual(['subscribe of 2 holding []', 'authorize a', 'authorize b', 'subscribe of 1 holding [a,b]', 'authorize c', 'disconnect']);
  });

  it('setKeepAlive: the keep-alive set in preConnect is the one aedes times the client out by (1.5 x)', async () => {
    const timedOut: string[] = [];
    const adapter = await start({
      preConnect: (_client, packet, callback) => {
        adapter.setKeepAlive(packet, 1);
        callback(null, true);
      },
    });
    adapter.aedes.on('keepaliveTimeout', (client) => timedOut.push(client.id));
    const { client } = await connect(adapter, 'sleepy', { keepalive: 60 });
    await waitFor(() => timedOut.length > 0, 3000, 'a keep-alive timeout');
    expect(timedOut).toEqual(['sleepy']);
    await waitFor(() => client.closed, 1000, 'the connection to close');
  });

  it('divert: a PUBLISH changed in authorizePublish is published where it was diverted to, and acknowledged', async () => {
    const adapter = await start({
      authorizePublish: (_client, packet, callback) => {
        if (packet.topic === 'loud') adapter.divert(packet, '$diverted');
        callback(null);
      },
    });
    const diverted: string[] = [];
    const onDiverted = (packet: { payload: Buffer | string }, done: () => void) => {
      diverted.push(packet.payload.toString());
      done();
    };
    await new Promise<void>((resolve) => adapter.aedes.subscribe('$diverted', onDiverted, resolve));
    const { client: subscriber } = await connect(adapter, 'sub');
    subscriber.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'loud', qos: 1 }] });
    await subscriber.next('suback');
    const { client: publisher } = await connect(adapter, 'pub');
    publisher.send({ cmd: 'publish', topic: 'loud', payload: Buffer.from('x'), qos: 1, messageId: 7, retain: true, dup: false });
    expect((await publisher.next('puback')).messageId).toBe(7);
    await waitFor(() => diverted.length > 0, 2000, 'the diverted message');
    expect(diverted).toEqual(['x']);
    await sleep(100);
    expect(subscriber.received.filter((p) => p.cmd === 'publish')).toEqual([]);
  });

  it('retainedFor: only the filters it accepts are offered retained messages on SUBSCRIBE', async () => {
    const adapter = await start({ retainedFor: (filter) => !filter.includes('#') });
    await adapter.publish({ topic: 'kept/topic', payload: Buffer.from('kept'), qos: 1, retain: true });
    const { client } = await connect(adapter, 'retained');
    client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'kept/#', qos: 1 }] });
    await client.next('suback');
    await sleep(100);
    expect(client.received.filter((p) => p.cmd === 'publish')).toEqual([]);
    client.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'kept/topic', qos: 1 }] });
    const retained = await client.next('publish');
    expect({ topic: retained.topic, payload: retained.payload.toString(), retain: retained.retain }).toEqual({ topic: 'kept/topic', payload: 'kept', retain: true });
  });

  it('discardSession: a disconnected persistent session loses its subscriptions and queued QoS 1 messages', async () => {
    const adapter = await start();
    async function leaveSessionWithQueuedMessage(clientId: string): Promise<void> {
      const { client } = await connect(adapter, clientId, { clean: false });
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `t/${clientId}`, qos: 1 }] });
      await client.next('suback');
      client.stream.destroy();
      await waitFor(() => adapter.connectedClient(clientId) === undefined, 2000, 'the client to be gone');
      await adapter.publish({ topic: `t/${clientId}`, payload: Buffer.from('queued'), qos: 1, retain: false });
    }
    await leaveSessionWithQueuedMessage('kept');
    await leaveSessionWithQueuedMessage('expired');
    await adapter.discardSession('expired');

    const kept = await connect(adapter, 'kept', { clean: false });
    expect(kept.sessionPresent).toBe(true);
    expect((await kept.client.next('publish')).payload.toString()).toBe('queued');

    const expired = await connect(adapter, 'expired', { clean: false });
    expect(expired.sessionPresent).toBe(false);
    await adapter.publish({ topic: 't/expired', payload: Buffer.from('after'), qos: 1, retain: false });
    await sleep(150);
    expect(expired.client.received.filter((p) => p.cmd === 'publish')).toEqual([]);
  });

  it('publish: a message from the broker itself goes through authorizeForward for each subscriber', async () => {
    const forwarded: string[] = [];
    const adapter = await start({
      authorizeForward: (client, packet) => {
        forwarded.push(`${client.id}:${packet.topic}`);
        return client.id === 'allowed' ? packet : null;
      },
    });
    const allowed = await connect(adapter, 'allowed');
    const refused = await connect(adapter, 'refused');
    for (const { client } of [allowed, refused]) {
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'news', qos: 0 }] });
      await client.next('suback');
    }
    await adapter.publish({ topic: 'news', payload: Buffer.from('hi'), qos: 0, retain: false });
    expect((await allowed.client.next('publish')).payload.toString()).toBe('hi');
    await sleep(100);
    expect(refused.client.received.filter((p) => p.cmd === 'publish')).toEqual([]);
    expect(forwarded.sort()).toEqual(['allowed:news', 'refused:news']);
    expect(adapter.connectedClients).toBe(2);
  });
});
