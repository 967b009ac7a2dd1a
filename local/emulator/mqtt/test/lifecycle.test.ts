import { LifecycleEvents } from '../lifecycle.js';
import { testAccount, testConnection, testLog, tester } from './fakes.js';

const NOW = new Date('2025-01-02T03:04:05.678Z');

function setup() {
  const log = testLog();
  const published: Array<{ topic: string; event: Record<string, unknown> }> = [];
  const lifecycle = new LifecycleEvents({
    publish: (topic, payload) => published.push({ topic, event: JSON.parse(payload.toString('utf8')) as Record<string, unknown> }),
    logger: log.logger,
    now: () => NOW,
  });
  const connection = testConnection(testAccount(), tester, { clientId: 'tester-1', sourceIp: '127.0.0.9' });
  return { lifecycle, connection, published, log };
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
          principalIdentifier: 'user/tester',
          ipAddress: '127.0.0.9',
          versionNumber: 0,
        },
      },
    ]);
    expect(connection.sessionIdentifier).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.entries).toEqual([{ level: 'info', message: 'mqtt connected', clientId: 'tester-1', principal: 'user/tester', cleanSession: false }]);
  });

  it('publishes the disconnected event with CONNECTION_LOST when nothing else was recorded', () => {
    const { lifecycle, connection, published } = setup();
    lifecycle.disconnected('tester-1', connection);
    expect(published).toEqual([
      {
        topic: '$aws/events/presence/disconnected/tester-1',
        event: {
          clientId: 'tester-1',
          timestamp: NOW.getTime(),
          eventType: 'disconnected',
          sessionIdentifier: connection.sessionIdentifier,
          principalIdentifier: 'user/tester',
          ipAddress: '127.0.0.9',
          versionNumber: 0,
          clientInitiatedDisconnect: false,
          disconnectReason: 'CONNECTION_LOST',
        },
      },
    ]);
  });

  it('says the client initiated the disconnect only for CLIENT_INITIATED_DISCONNECT', () => {
    const { lifecycle, connection, published } = setup();
    lifecycle.closing(connection, 'CLIENT_INITIATED_DISCONNECT');
    lifecycle.disconnected('tester-1', connection);
    lifecycle.closing(connection, 'DUPLICATE_CLIENTID');
    lifecycle.disconnected('tester-1', connection);
    expect(published.map((p) => [p.event.disconnectReason, p.event.clientInitiatedDisconnect])).toEqual([
      ['CLIENT_INITIATED_DISCONNECT', true],
      ['DUPLICATE_CLIENTID', false],
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

  it('still publishes for a client whose connection state is unknown, without inventing its fields', () => {
    const { lifecycle, published } = setup();
    lifecycle.disconnected('ghost', undefined);
    expect(published[0]?.event).toEqual({ clientId: 'ghost', timestamp: NOW.getTime(), eventType: 'disconnected', versionNumber: 0, clientInitiatedDisconnect: false, disconnectReason: 'CONNECTION_LOST' });
  });
});
