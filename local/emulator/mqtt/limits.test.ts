import { checkClientId, checkPublishTopic, checkTopicFilter, clampKeepAlive, ConnectionRateLimiter, IOT_CORE_LIMITS } from './limits.js';

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
