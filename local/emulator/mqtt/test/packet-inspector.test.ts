import { ConnectionRateLimiter, IOT_CORE_LIMITS, type IotLimits } from '../limits.js';
import { PacketInspector } from '../packet-inspector.js';
import { arn, testAccount, testConnection, tester, testLog } from './fakes.js';

function setup(limits: IotLimits = IOT_CORE_LIMITS) {
  const log = testLog();
  const inspector = new PacketInspector({ arn, limits });
  const connection = testConnection(testAccount(), tester, { clientId: 'tester-1', limits, logger: log.logger });
  return { inspector, connection, log };
}

const filters = (n: number, prefix = 'test/f') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('PacketInspector: SUBSCRIBE limits', () => {
  it('closes on a SUBSCRIBE with more than 8 filters, at its first filter, and says why', () => {
    const { inspector, connection, log } = setup();
    inspector.inspectSubscribe(connection, filters(8), new Set());
    expect(inspector.checkFilter(connection, 'test/f0', 1)).toEqual({ outcome: 'check-policy' });
    inspector.inspectSubscribe(connection, filters(9), new Set());
    const verdict = inspector.checkFilter(connection, 'test/f0', 1);
    expect(verdict).toEqual({ outcome: 'close', error: 'a SUBSCRIBE may carry at most 8 topic filters (got 9)' });
    expect(connection.disconnectReason).toBe('CLIENT_ERROR');
    expect(log.denials()).toEqual([
      expect.objectContaining({ action: 'iot:Subscribe', resource: arn('topicfilter', 'test/f0'), reason: expect.stringContaining('at most 8') }),
    ]);
  });

  it('allows 50 subscriptions per connection and refuses the 51st; re-subscribing a held filter adds none', () => {
    const { inspector, connection } = setup();
    const held = new Set(filters(49, 'test/held'));
    inspector.inspectSubscribe(connection, ['test/held0', 'test/new'], held);
    expect(connection.subscribeRefusal).toBeUndefined();
    held.add('test/new');
    inspector.inspectSubscribe(connection, ['test/held1', 'test/another'], held);
    expect(connection.subscribeRefusal).toBe('a connection may hold at most 50 subscriptions');
    inspector.inspectSubscribe(connection, ['test/held1', 'test/held1'], held);
    expect(connection.subscribeRefusal).toBeUndefined();
  });

  it('closes on a malformed or over-long filter or a reserved $ filter other than $aws/', () => {
    for (const filter of ['test/#/x', 'test/a+', `test/${'x'.repeat(260)}`, '$SYS/#', 'a/1/2/3/4/5/6/7/8']) {
      const { inspector, connection } = setup();
      expect(inspector.checkFilter(connection, filter, 0)).toMatchObject({ outcome: 'close' });
    }
    const { inspector, connection } = setup();
    expect(inspector.checkFilter(connection, '$aws/events/presence/connected/+', 0)).toEqual({ outcome: 'check-policy' });
  });

  it('closes on a QoS 2 filter, without SUBACK (IoT: no SUBACK when QoS 2 is requested), as CLIENT_ERROR', () => {
    const { inspector, connection, log } = setup();
    expect(inspector.checkFilter(connection, 'test/a', 2)).toEqual({ outcome: 'close', error: expect.stringContaining('QoS 2 is not supported') });
    expect(connection.disconnectReason).toBe('CLIENT_ERROR');
    expect(log.denials()).toEqual([expect.objectContaining({ reason: expect.stringContaining('QoS 2 is not supported') })]);
  });
});

describe('PacketInspector: PUBLISH limits', () => {
  it('passes a PUBLISH within the limits', () => {
    const { inspector, connection, log } = setup();
    expect(inspector.checkPublish(connection, { topic: 'test/a', qos: 1, payloadBytes: 128 * 1024 })).toBeUndefined();
    expect(log.entries).toEqual([]);
  });

  it.each([
    ['QoS 2', { topic: 'test/a', qos: 2, payloadBytes: 1 }, /QoS 2 is not supported/],
    ['a payload over 128 KB', { topic: 'test/a', qos: 0, payloadBytes: 128 * 1024 + 1 }, /payload is 131073 bytes; IoT allows at most 131072/],
    ['more than 8 levels', { topic: 'test/1/2/3/4/5/6/7/8', qos: 0, payloadBytes: 1 }, /at most 7/],
    ['a reserved $ topic', { topic: '$aws/events/presence/connected/x', qos: 0, payloadBytes: 1 }, /reserved/],
  ])('closes on %s, as CLIENT_ERROR, with a denial on the topic', (_name, packet, reason) => {
    const { inspector, connection, log } = setup();
    expect(inspector.checkPublish(connection, packet)).toMatch(reason);
    expect(connection.disconnectReason).toBe('CLIENT_ERROR');
    expect(log.denials()).toEqual([
      expect.objectContaining({ action: 'iot:Publish', resource: arn('topic', packet.topic), reason: expect.stringMatching(reason) }),
    ]);
  });
});

describe('PacketInspector: per-connection throttles', () => {
  it('drops inbound publishes and deliveries over the shared rate, and logs every drop (QoS 1 deliveries too)', () => {
    const limits = { ...IOT_CORE_LIMITS, publishesPerSecondPerConnection: 3, bytesPerSecondPerConnection: 0 };
    const { inspector, connection, log } = setup(limits);
    let now = 10_000;
    const throttled = { ...connection, rate: new ConnectionRateLimiter(limits, () => now) };
    expect([
      inspector.admitInbound(throttled, 'tester-1', 'test/a', 10),
      inspector.admitOutbound(throttled, 'test/b', 0, 10),
      inspector.admitInbound(throttled, 'tester-1', 'test/a', 10),
    ]).toEqual([true, true, true]);
    expect(inspector.admitOutbound(throttled, 'test/b', 1, 10)).toBe(false);
    expect(inspector.admitInbound(throttled, 'tester-1', 'test/a', 10)).toBe(false);
    expect(log.entries).toEqual([
      { level: 'warn', message: 'throttled outbound delivery dropped (per-connection limit)', clientId: 'tester-1', topic: 'test/b', qos: 1 },
      { level: 'warn', message: 'throttled inbound PUBLISH (per-connection limit)', clientId: 'tester-1', topic: 'test/a' },
    ]);
    expect(throttled.throttledDeliveries).toEqual({ qos0: 0, qos1: 1 });
    now += 1000;
    expect(inspector.admitInbound(throttled, 'tester-1', 'test/a', 10)).toBe(true);
  });

  it('keeps a flood of drops within the connection log budget: 20 lines, then a count of the rest', () => {
    const limits = { ...IOT_CORE_LIMITS, publishesPerSecondPerConnection: 1, bytesPerSecondPerConnection: 0 };
    const { inspector, connection, log } = setup(limits);
    for (let i = 0; i < 500; i += 1) inspector.admitInbound(connection, 'tester-1', 'test/flood', 1);
    expect(log.entries).toHaveLength(20);
    connection.refusals.flush({ clientId: 'tester-1' });
    expect(log.entries.at(-1)).toEqual({ level: 'warn', message: 'log lines suppressed (per-connection budget)', suppressed: 479, clientId: 'tester-1' });
  });

  it('refuses a packet declaring more than IoT accepts, as CLIENT_ERROR, saying how large it claimed to be', () => {
    const { inspector, connection, log } = setup();
    expect(inspector.maxRemainingLength).toBeGreaterThan(128 * 1024 + 2 + 256);
    expect(inspector.refuseOversized(connection, 200_000_000)).toMatch(/declares at least 200000000 bytes; IoT accepts at most 131072 bytes of payload/);
    expect(connection.disconnectReason).toBe('CLIENT_ERROR');
    expect(log.denials()).toEqual([expect.objectContaining({ action: 'MQTT packet', reason: expect.stringContaining('refused before reading it') })]);
  });
});
