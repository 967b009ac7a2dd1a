import {
  ConnectionRateLimiter,
  checkClientId,
  checkPublishTopic,
  checkTopicFilter,
  clampKeepAlive,
  IOT_CORE_LIMITS,
  iotTopicMatches,
  maxPacketRemainingLength,
} from './limits.js';
import { MqttLengthScanner } from './websocket-stream.js';

const limits = IOT_CORE_LIMITS;

describe('IoT Core limits', () => {
  it('clamps keep-alive to [30, 1200] s, with 0 meaning 1200', () => {
    expect(clampKeepAlive(0, limits)).toBe(1200);
    expect(clampKeepAlive(1, limits)).toBe(30);
    expect(clampKeepAlive(29, limits)).toBe(30);
    expect(clampKeepAlive(60, limits)).toBe(60);
    expect(clampKeepAlive(1200, limits)).toBe(1200);
    expect(clampKeepAlive(65535, limits)).toBe(1200);
  });

  it('allows 8 topic levels but not 9, not counting the $aws/rules/<rule>/ prefix', () => {
    expect(checkPublishTopic('1/2/3/4/5/6/7/8', limits)).toBeUndefined();
    expect(checkPublishTopic('1/2/3/4/5/6/7/8/9', limits)).toMatch(/at most 7/);
    expect(checkPublishTopic('$aws/rules/myRule/1/2/3/4/5/6/7/8', limits)).toBeUndefined();
  });

  it('measures topics in UTF-8 bytes (256 at most)', () => {
    expect(checkPublishTopic('a'.repeat(256), limits)).toBeUndefined();
    expect(checkPublishTopic('a'.repeat(257), limits)).toMatch(/257 bytes/);
    expect(checkPublishTopic('é'.repeat(129), limits)).toMatch(/258 bytes/);
  });

  it('refuses wildcards and reserved $ topics in PUBLISH', () => {
    expect(checkPublishTopic('a/+', limits)).toMatch(/wildcards/);
    expect(checkPublishTopic('a/#', limits)).toMatch(/wildcards/);
    expect(checkPublishTopic('$aws/things/x/shadow/update', limits)).toMatch(/reserved/);
    expect(checkPublishTopic('', limits)).toMatch(/empty/);
  });

  it('checks topic filters: wildcard placement, and $ filters other than $aws/', () => {
    expect(checkTopicFilter('a/+/c', limits)).toBeUndefined();
    expect(checkTopicFilter('a/#', limits)).toBeUndefined();
    expect(checkTopicFilter('a/#/c', limits)).toMatch(/last level/);
    expect(checkTopicFilter('a/b+', limits)).toMatch(/whole level/);
    expect(checkTopicFilter('$aws/events/presence/connected/+', limits)).toBeUndefined();
    expect(checkTopicFilter('$SYS/#', limits)).toMatch(/reserved/);
  });

  it('refuses client ids over 128 bytes or starting with $', () => {
    expect(checkClientId('c'.repeat(128), limits)).toBeUndefined();
    expect(checkClientId('c'.repeat(129), limits)).toMatch(/129 bytes/);
    expect(checkClientId('$x', limits)).toMatch(/reserved/);
  });

  it('drops publishes over the per-connection rate or throughput within a second, then allows again', () => {
    let now = 0;
    const limiter = new ConnectionRateLimiter({ ...limits, publishesPerSecondPerConnection: 3, bytesPerSecondPerConnection: 100 }, () => now);
    expect([limiter.take(10), limiter.take(10), limiter.take(10), limiter.take(10)]).toEqual([true, true, true, false]);
    now = 1000;
    expect(limiter.take(90)).toBe(true);
    expect(limiter.take(20)).toBe(false);
    expect(limiter.dropped).toBe(2);
    const off = new ConnectionRateLimiter({ ...limits, publishesPerSecondPerConnection: 0, bytesPerSecondPerConnection: 0 }, () => now);
    for (let i = 0; i < 1000; i += 1) expect(off.take(1_000_000)).toBe(true);
  });
});

describe("iotTopicMatches: MQTT 3.1.1 matching with IoT Core's differences", () => {
  it.each([
    ['sensor/#', 'sensor', false],
    ['sensor/#', 'sensor/', true],
    ['sensor/#', 'sensor/temperature', true],
    ['sensor/#', 'sensor/temperature/room1', true],
    ['+/#', 'sensor', false],
    ['+/#', 'sensor/a', true],
    ['#', 'sensor', true],
    ['#', '$aws/events/presence/connected/x', false],
    ['+/events/#', '$aws/events/x', false],
    ['$aws/events/presence/connected/+', '$aws/events/presence/connected/x', true],
    ['a/+', 'a/', true],
    ['a/+', 'a', false],
    ['a/+', 'a/b/c', false],
    ['+/+', '/finance', true],
    ['a/+/c', 'a/b/c', true],
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(iotTopicMatches(filter, topic)).toBe(expected);
  });
});

describe('topic rules: the null character', () => {
  it('refuses U+0000 in topic names and filters (MQTT-4.7.3-2)', () => {
    expect(checkPublishTopic('a\u0000b', limits)).toMatch(/U\+0000/);
    expect(checkTopicFilter('a/\u0000/#', limits)).toMatch(/U\+0000/);
  });
});

describe('MqttLengthScanner: packet sizes from fixed headers, before the bytes arrive', () => {
  const header = (type: number, remaining: number) => {
    const bytes = [type];
    let n = remaining;
    do {
      let byte = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      bytes.push(byte);
    } while (n > 0);
    return Buffer.from(bytes);
  };

  it('follows packets across chunk boundaries and lets packets up to the limit through', () => {
    const scanner = new MqttLengthScanner(1000);
    const first = Buffer.concat([header(0x30, 1000), Buffer.alloc(1000)]);
    const second = Buffer.concat([header(0xc0, 0), header(0x30, 3), Buffer.from('abc')]);
    const stream = Buffer.concat([first, second]);
    for (let i = 0; i < stream.length; i += 7) expect(scanner.scan(stream.subarray(i, i + 7))).toBeUndefined();
  });

  it('refuses a packet as soon as its declared length is over the limit, even split across chunks', () => {
    const scanner = new MqttLengthScanner(1000);
    const lying = header(0x30, 268_435_455);
    expect(scanner.scan(lying.subarray(0, 2))).toBeUndefined();
    expect(scanner.scan(lying.subarray(2))).toBeGreaterThan(1000);
    expect(new MqttLengthScanner(1000).scan(header(0x30, 1001))).toBe(1001);
  });

  it('refuses a remaining length of more than 4 bytes (malformed)', () => {
    expect(new MqttLengthScanner(Number.MAX_SAFE_INTEGER).scan(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))).toBe(Number.POSITIVE_INFINITY);
  });

  it('sizes the limit for the largest packet IoT accepts: a PUBLISH of 128 KB to a 256-byte topic fits', () => {
    expect(maxPacketRemainingLength(limits)).toBeGreaterThanOrEqual(2 + 256 + 2 + 128 * 1024);
  });
});
