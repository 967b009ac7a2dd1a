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

async function connect(
  adapter: AedesAdapter,
  clientId: string,
  options: { clean?: boolean; keepalive?: number } = {},
): Promise<{ client: MemoryClient; sessionPresent: boolean }> {
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
    for (const method of ['cleanSubscriptions', 'outgoingStream', 'outgoingClearMessageId', 'createRetainedStreamCombi'])
      expect(typeof internals.persistence[method]).toBe('function');
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
    client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'a', qos: 0 },
        { topic: 'b', qos: 1 },
      ],
    });
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
    expect({ topic: retained.topic, payload: retained.payload.toString(), retain: retained.retain }).toEqual({
      topic: 'kept/topic',
      payload: 'kept',
      retain: true,
    });
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

  it('exact de-duplication: a QoS 1 message overtaken by a later QoS 0 one still reaches a client subscribed to both', async () => {
    const adapter = await start();
    const { client } = await connect(adapter, 'both');
    client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'q1', qos: 1 },
        { topic: 'q0', qos: 0 },
      ],
    });
    await client.next('suback');
    // Published in this order, the QoS 0 one is delivered first (QoS 1 takes a persistence step): aedes' own
    // highest-counter-wins de-duplication dropped the QoS 1 one.
    const q1 = adapter.publish({ topic: 'q1', payload: Buffer.from('one'), qos: 1, retain: false });
    const q0 = adapter.publish({ topic: 'q0', payload: Buffer.from('zero'), qos: 0, retain: false });
    await Promise.all([q1, q0]);
    await waitFor(() => client.received.filter((p) => p.cmd === 'publish').length >= 2, 2000, 'both messages');
    expect(
      client.received
        .filter((p) => p.cmd === 'publish')
        .map((p) => (p.cmd === 'publish' ? p.topic : ''))
        .sort(),
    ).toEqual(['q0', 'q1']);
  });

  it('exact de-duplication: overlapping filters still deliver a message once', async () => {
    const adapter = await start();
    const { client } = await connect(adapter, 'overlap');
    client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'a/+', qos: 0 },
        { topic: 'a/#', qos: 0 },
        { topic: 'a/b', qos: 0 },
      ],
    });
    await client.next('suback');
    await adapter.publish({ topic: 'a/b', payload: Buffer.from('x'), qos: 0, retain: false });
    await client.next('publish');
    await sleep(100);
    expect(client.received.filter((p) => p.cmd === 'publish')).toEqual([]);
  });

  it('matches: applied to live deliveries and to what a persistent session stores', async () => {
    const adapter = await start({ matches: (filter, topic) => !(filter.endsWith('/#') && topic === filter.slice(0, -2)) });
    const live = await connect(adapter, 'live');
    live.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 1 }] });
    await live.client.next('suback');
    const away = await connect(adapter, 'away', { clean: false });
    away.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 1 }] });
    await away.client.next('suback');
    away.client.stream.destroy();
    await waitFor(() => adapter.connectedClient('away') === undefined, 2000, 'the client to be gone');
    await adapter.publish({ topic: 'x', payload: Buffer.from('parent'), qos: 1, retain: false });
    await adapter.publish({ topic: 'x/y', payload: Buffer.from('child'), qos: 1, retain: false });
    expect((await live.client.next('publish')).payload.toString()).toBe('child');
    expect(adapter.queuedFor('away')).toBe(1);
    await sleep(100);
    expect(live.client.received.filter((p) => p.cmd === 'publish')).toEqual([]);
  });

  it('maxQueuedPerSession: a full queue stores no more, says so, and counts down as messages are acknowledged', async () => {
    const full: string[] = [];
    const adapter = await start({ maxQueuedPerSession: 2, onQueueFull: (clientId, topic) => full.push(`${clientId}:${topic}`) });
    const first = await connect(adapter, 'queued', { clean: false });
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q', qos: 1 }] });
    await first.client.next('suback');
    first.client.stream.destroy();
    await waitFor(() => adapter.connectedClient('queued') === undefined, 2000, 'the client to be gone');
    for (const n of ['1', '2', '3']) await adapter.publish({ topic: 'q', payload: Buffer.from(n), qos: 1, retain: false });
    expect(adapter.queuedFor('queued')).toBe(2);
    expect(full).toEqual(['queued:q']);
    const again = await connect(adapter, 'queued', { clean: false });
    const delivered = [await again.client.next('publish'), await again.client.next('publish')];
    expect(delivered.map((p) => p.payload.toString())).toEqual(['1', '2']);
    for (const p of delivered) again.client.send({ cmd: 'puback', messageId: p.messageId ?? 0 });
    await waitFor(() => adapter.queuedFor('queued') === 0, 2000, 'the queue to empty');
  });

  it('storedMessagesPerSecond: a resumed session gets its stored messages paced (outgoingStream is what it reads)', async () => {
    const adapter = await start({ storedMessagesPerSecond: 20 });
    const first = await connect(adapter, 'paced', { clean: false });
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'p', qos: 1 }] });
    await first.client.next('suback');
    first.client.stream.destroy();
    await waitFor(() => adapter.connectedClient('paced') === undefined, 2000, 'the client to be gone');
    for (let i = 0; i < 6; i += 1) await adapter.publish({ topic: 'p', payload: Buffer.from(String(i)), qos: 1, retain: false });
    const resumedAt = Date.now();
    const again = await connect(adapter, 'paced', { clean: false });
    await waitFor(() => again.client.received.filter((p) => p.cmd === 'publish').length === 6, 3000, 'six stored messages');
    // 20 per second: the sixth leaves 250 ms after the first.
    expect(Date.now() - resumedAt).toBeGreaterThanOrEqual(230);
  });

  it('retained messages are counted by topic through storeRetained; canRetain bounds new topics only', async () => {
    const adapter = await start();
    await adapter.publish({ topic: 'r/1', payload: Buffer.from('a'), qos: 0, retain: true });
    await adapter.publish({ topic: 'r/2', payload: Buffer.from('b'), qos: 1, retain: true });
    expect(adapter.retainedCount).toBe(2);
    expect([adapter.canRetain('r/3', 1, 2), adapter.canRetain('r/1', 1, 2), adapter.canRetain('r/3', 0, 2)]).toEqual([false, true, true]);
    await adapter.publish({ topic: 'r/1', payload: Buffer.alloc(0), qos: 0, retain: true });
    expect(adapter.retainedCount).toBe(1);
  });

  it('dropWill: a client whose will was dropped goes without publishing it', async () => {
    let willClient: Client | undefined;
    const adapter = await start({
      preConnect: (client, _packet, callback) => {
        willClient = client;
        callback(null, true);
      },
    });
    const { client: watcher } = await connect(adapter, 'watcher');
    watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'will/#', qos: 1 }] });
    await watcher.next('suback');
    for (const [id, drop] of [
      ['kept', false],
      ['dropped', true],
    ] as const) {
      const client = new MemoryClient();
      adapter.handle(client.stream);
      client.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: id,
        clean: true,
        keepalive: 60,
        will: { topic: `will/${id}`, payload: Buffer.from(id), qos: 1, retain: false },
      });
      await client.next('connack');
      if (drop && willClient) adapter.dropWill(willClient);
      client.stream.destroy();
    }
    expect((await watcher.next('publish')).topic).toBe('will/kept');
    await sleep(150);
    expect(watcher.received.filter((p) => p.cmd === 'publish')).toEqual([]);
  });

  it('forgetSubscription: a persistent session resumes without the forgotten filter', async () => {
    const adapter = await start();
    const first = await connect(adapter, 'forget', { clean: false });
    first.client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'keep', qos: 1 },
        { topic: 'drop', qos: 1 },
      ],
    });
    await first.client.next('suback');
    first.client.stream.destroy();
    await waitFor(() => adapter.connectedClient('forget') === undefined, 2000, 'the client to be gone');
    await adapter.forgetSubscription('forget', 'drop');
    const resumed = await connect(adapter, 'forget', { clean: false });
    expect(resumed.sessionPresent).toBe(true);
    await adapter.publish({ topic: 'drop', payload: Buffer.from('d'), qos: 1, retain: false });
    await adapter.publish({ topic: 'keep', payload: Buffer.from('k'), qos: 1, retain: false });
    expect((await resumed.client.next('publish')).topic).toBe('keep');
    await sleep(100);
    expect(resumed.client.received.filter((p) => p.cmd === 'publish')).toEqual([]);
  });

  it("onPublished: every routed message with its publisher, aedes' $SYS/ ones excepted; nothing after removal", async () => {
    const adapter = await start();
    const seen: string[] = [];
    const stop = adapter.onPublished((topic, payload, meta) =>
      seen.push(`${topic}=${payload.toString()} qos${meta.qos}${meta.clientId ? ` by ${meta.clientId}` : ''}`),
    );
    const { client } = await connect(adapter, 'pub');
    client.send({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 3, retain: false, dup: false });
    await client.next('puback');
    await adapter.publish({ topic: 'u', payload: Buffer.from('y'), qos: 0, retain: false });
    stop();
    await adapter.publish({ topic: 'v', payload: Buffer.from('z'), qos: 0, retain: false });
    expect(seen).toEqual(['t=x qos1 by pub', 'u=y qos0']);
  });

  it('restoring a persistent session authorizes each stored filter before CONNACK; a filter refused with null is skipped, the CONNECT goes on', async () => {
    const events: string[] = [];
    let refuse = false;
    const adapter = await start({
      authorizeSubscribe: (_client, subscription, callback) => {
        events.push(`authorize ${subscription.topic}`);
        callback(null, refuse && subscription.topic === 'gone' ? null : subscription);
      },
    });
    adapter.aedes.on('connackSent', () => events.push('connack'));
    const first = await connect(adapter, 'restore', { clean: false });
    first.client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [
        { topic: 'kept', qos: 1 },
        { topic: 'gone', qos: 1 },
      ],
    });
    await first.client.next('suback');
    first.client.stream.destroy();
    await waitFor(() => adapter.connectedClient('restore') === undefined, 2000, 'the client to be gone');
    events.splice(0);
    refuse = true;
    const again = await connect(adapter, 'restore', { clean: false });
    expect(again.sessionPresent).toBe(true);
    expect(events).toHaveLength(3);
    expect(events[2]).toBe('connack');
    expect(new Set(events.slice(0, 2))).toEqual(new Set(['authorize gone', 'authorize kept']));
    await adapter.publish({ topic: 'gone', payload: Buffer.from('g'), qos: 0, retain: false });
    await adapter.publish({ topic: 'kept', payload: Buffer.from('k'), qos: 0, retain: false });
    expect((await again.client.next('publish')).topic).toBe('kept');
  });
});
