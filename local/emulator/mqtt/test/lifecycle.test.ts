import { uniqueId } from '../../account/identifiers.js';
import { LifecycleEvents, VersionNumbers } from '../lifecycle.js';
import { testAccount, testConnection, tester, testLog } from './fakes.js';

const NOW = new Date('2025-01-02T03:04:05.678Z');
/** tester is an IAM user: its principalIdentifier is its unique id. */
const TESTER_ID = uniqueId('AIDA', 'arn:aws:iam::000000000000:user/tester');

function setup(options: { sessionExpirySeconds?: number } = {}) {
  const log = testLog();
  let now = NOW.getTime();
  const published: Array<{ topic: string; event: Record<string, unknown> }> = [];
  const lifecycle = new LifecycleEvents({
    publish: (topic, payload) => published.push({ topic, event: JSON.parse(payload.toString('utf8')) as Record<string, unknown> }),
    logger: log.logger,
    now: () => new Date(now),
    sessionExpirySeconds: options.sessionExpirySeconds ?? 3600,
  });
  const account = testAccount();
  const connect = () => testConnection(account, tester, { clientId: 'tester-1', sourceIp: '127.0.0.9' });
  return { lifecycle, connection: connect(), connect, published, log, advance: (ms: number) => (now += ms) };
}

describe('LifecycleEvents (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html)', () => {
  it('publishes the documented connected event on $aws/events/presence/connected/<clientId>', () => {
    const { lifecycle, connection, published, log } = setup();
    lifecycle.connected('tester-1', connection, false);
    expect(published).toEqual([
      {
        topic: '$aws/events/presence/connected/tester-1',
        event: {
          clientId: 'tester-1',
          timestamp: NOW.getTime(),
          eventType: 'connected',
          sessionIdentifier: connection.sessionIdentifier,
          principalIdentifier: TESTER_ID,
          ipAddress: '127.0.0.9',
          versionNumber: 0,
        },
      },
    ]);
    expect(Object.keys(published[0]!.event)).toEqual([
      'clientId',
      'timestamp',
      'eventType',
      'sessionIdentifier',
      'principalIdentifier',
      'ipAddress',
      'versionNumber',
    ]);
    expect(connection.sessionIdentifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.entries).toEqual([{ level: 'info', message: 'mqtt connected', clientId: 'tester-1', principal: 'user/tester', cleanSession: false }]);
  });

  it('publishes the disconnected event without ipAddress ("found in connection messages only"), CONNECTION_LOST when nothing else was recorded', () => {
    const { lifecycle, connection, published } = setup();
    lifecycle.connected('tester-1', connection, true);
    lifecycle.disconnected('tester-1', connection);
    expect(published[1]).toEqual({
      topic: '$aws/events/presence/disconnected/tester-1',
      event: {
        clientId: 'tester-1',
        timestamp: NOW.getTime(),
        eventType: 'disconnected',
        sessionIdentifier: connection.sessionIdentifier,
        principalIdentifier: TESTER_ID,
        clientInitiatedDisconnect: false,
        disconnectReason: 'CONNECTION_LOST',
        versionNumber: 0,
      },
    });
  });

  it('says the client initiated the disconnect only for CLIENT_INITIATED_DISCONNECT', () => {
    const { lifecycle, connect, published } = setup();
    for (const reason of ['CLIENT_INITIATED_DISCONNECT', 'DUPLICATE_CLIENTID', 'AUTH_ERROR'] as const) {
      const connection = connect();
      lifecycle.connected('tester-1', connection, true);
      lifecycle.closing(connection, reason);
      lifecycle.disconnected('tester-1', connection);
    }
    expect(published.filter((p) => p.event.eventType === 'disconnected').map((p) => [p.event.disconnectReason, p.event.clientInitiatedDisconnect])).toEqual([
      ['CLIENT_INITIATED_DISCONNECT', true],
      ['DUPLICATE_CLIENTID', false],
      ['AUTH_ERROR', false],
    ]);
  });

  it('records CLIENT_ERROR for a client error unless a more specific reason is known', () => {
    const { lifecycle, connection } = setup();
    lifecycle.clientError(connection);
    expect(connection.disconnectReason).toBe('CLIENT_ERROR');
    connection.disconnectReason = 'MQTT_KEEP_ALIVE_TIMEOUT';
    lifecycle.clientError(connection);
    expect(connection.disconnectReason).toBe('MQTT_KEEP_ALIVE_TIMEOUT');
  });

  it('numbers the connections of a client id: connect and disconnect of one connection share the version, the next one is higher', () => {
    const { lifecycle, connect, published } = setup();
    for (let i = 0; i < 3; i += 1) {
      const connection = connect();
      lifecycle.connected('tester-1', connection, true);
      lifecycle.disconnected('tester-1', connection);
    }
    expect(published.map((p) => [p.event.eventType, p.event.versionNumber])).toEqual([
      ['connected', 0],
      ['disconnected', 0],
      ['connected', 1],
      ['disconnected', 1],
      ['connected', 2],
      ['disconnected', 2],
    ]);
  });

  it('keeps the versions of a takeover apart: the older connection disconnects with its own version', () => {
    const { lifecycle, connect, published } = setup();
    const older = connect();
    const newer = connect();
    lifecycle.connected('tester-1', older, true);
    lifecycle.connected('tester-1', newer, true);
    lifecycle.closing(older, 'DUPLICATE_CLIENTID');
    lifecycle.disconnected('tester-1', older);
    expect(published.map((p) => [p.event.eventType, p.event.versionNumber])).toEqual([
      ['connected', 0],
      ['connected', 1],
      ['disconnected', 0],
    ]);
  });

  it('resets the version to 0 after an hour away (clean session) or after the session expiry (persistent session)', () => {
    const { lifecycle, connect, published, advance } = setup({ sessionExpirySeconds: 7200 });
    const versionAfter = (clientId: string, awayMs: number, clean: boolean) => {
      const connection = connect();
      lifecycle.connected(clientId, connection, clean);
      lifecycle.disconnected(clientId, connection);
      advance(awayMs);
      const next = connect();
      lifecycle.connected(clientId, next, clean);
      return published.at(-1)!.event.versionNumber;
    };
    expect(versionAfter('c1', 3_599_000, true)).toBe(1);
    expect(versionAfter('c2', 3_601_000, true)).toBe(0);
    expect(versionAfter('p1', 7_000_000, false)).toBe(1);
    expect(versionAfter('p2', 7_201_000, false)).toBe(0);
  });

  it('publishes connect_failed for a CONNECT refused by policy, with the documented fields', () => {
    const { lifecycle, connection, published } = setup();
    lifecycle.connectFailed('intruder', connection);
    expect(published).toEqual([
      {
        topic: '$aws/events/presence/connect_failed/intruder',
        event: {
          clientId: 'intruder',
          timestamp: NOW.getTime(),
          eventType: 'connect_failed',
          connectFailureReason: 'AUTHORIZATION_FAILED',
          principalIdentifier: TESTER_ID,
          ipAddress: '127.0.0.9',
        },
      },
    ]);
  });

  it('publishes subscribed and unsubscribed events with the topics, and nothing for an empty list', () => {
    const { lifecycle, connection, published } = setup();
    lifecycle.subscriptions('subscribed', 'tester-1', connection, ['test/a', 'test/b/#']);
    lifecycle.subscriptions('unsubscribed', 'tester-1', connection, ['test/a']);
    lifecycle.subscriptions('subscribed', 'tester-1', connection, []);
    expect(published).toEqual([
      {
        topic: '$aws/events/subscriptions/subscribed/tester-1',
        event: {
          clientId: 'tester-1',
          timestamp: NOW.getTime(),
          eventType: 'subscribed',
          sessionIdentifier: connection.sessionIdentifier,
          principalIdentifier: TESTER_ID,
          topics: ['test/a', 'test/b/#'],
        },
      },
      {
        topic: '$aws/events/subscriptions/unsubscribed/tester-1',
        event: {
          clientId: 'tester-1',
          timestamp: NOW.getTime(),
          eventType: 'unsubscribed',
          sessionIdentifier: connection.sessionIdentifier,
          principalIdentifier: TESTER_ID,
          topics: ['test/a'],
        },
      },
    ]);
  });

  it('publishes no event at all for client ids containing # or + (IoT: they "do not receive lifecycle events")', () => {
    const { lifecycle, connect, published, log } = setup();
    for (const clientId of ['a+b', 'a#b']) {
      const connection = connect();
      lifecycle.connected(clientId, connection, true);
      lifecycle.subscriptions('subscribed', clientId, connection, ['test/a']);
      lifecycle.disconnected(clientId, connection);
      lifecycle.connectFailed(clientId, connection);
    }
    expect(published).toEqual([]);
    expect(log.entries.map((e) => e.message)).toEqual(['mqtt connected', 'mqtt disconnected', 'mqtt connected', 'mqtt disconnected']);
  });
});

describe('VersionNumbers: bounded', () => {
  it('forgets the least recently connected absent clients beyond its limit, never a connected one', () => {
    const versions = new VersionNumbers(() => 0, 3);
    versions.opened('connected-1', 3_600_000);
    for (const id of ['a', 'b', 'c', 'd']) {
      versions.opened(id, 3_600_000);
      versions.closed(id);
    }
    expect(versions.size).toBe(3);
    // connected-1 is kept (still connected): its next connection continues its numbering.
    expect(versions.opened('connected-1', 3_600_000)).toBe(1);
    // a and b were forgotten: they start again at 0.
    expect(versions.opened('a', 3_600_000)).toBe(0);
  });
});
