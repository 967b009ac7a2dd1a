import { evaluateRule, topicMatches } from './evaluate.js';
import { parseRuleSql } from './sql.js';

const run = (sql: string, payload: unknown, topic = 'a/b') =>
  evaluateRule(parseRuleSql(sql), { topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)) });
/** Whether WHERE lets the message through. */
const where = (condition: string, payload: unknown) => run(`SELECT * FROM 'a/b' WHERE ${condition}`, payload).matched;

describe('topicMatches (FROM)', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/+', 'a', false],
    ['a/#', 'a/b/c', true],
    ['a/#', 'a', true],
    ['a/#', 'b/a', false],
    ['+/+', 'a/', true],
    ['$aws/events/presence/+/+', '$aws/events/presence/connected/c1', true],
    ['$aws/events/presence/+/+', '$aws/events/presence/connected/c1/x', false],
    ['$aws/events/presence/+/+', '$aws/events/subscriptions/subscribed/c1', false],
    // MQTT 3.1.1 4.7.2: a filter starting with a wildcard does not match a topic starting with $.
    ['#', '$aws/events/presence/connected/c1', false],
    ['+/events/presence/+/+', '$aws/events/presence/connected/c1', false],
  ])('%s vs %s -> %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('SELECT', () => {
  const payload = { color: { red: 255, green: 0 }, temperature: 50, gone: null };

  it('passes the whole payload with *, adds items beside it, and names items by alias (dotted aliases nest)', () => {
    expect(run("SELECT * FROM 'a/b'", payload)).toEqual({ matched: true, output: payload });
    expect(run("SELECT *, 15 AS speed FROM 'a/b'", { t: 1 })).toEqual({ matched: true, output: { t: 1, speed: 15 } });
    expect(run("SELECT color.red AS red_value, temperature, temperature AS t.celsius FROM 'a/b'", payload)).toEqual({
      matched: true,
      output: { red_value: 255, temperature: 50, t: { celsius: 50 } },
    });
  });

  it('leaves Undefined out (a missing field), but keeps null', () => {
    expect(run("SELECT nope, gone, color.blue AS blue, temperature.x AS deeper FROM 'a/b'", payload)).toEqual({ matched: true, output: { gone: null } });
  });

  it('gives topic() the whole topic and topic(n) its n-th level, Undefined past the end', () => {
    expect(
      run(
        "SELECT topic() AS all, topic(1) AS first, topic(4) AS type, topic(9) AS none FROM '$aws/events/presence/+/+'",
        {},
        '$aws/events/presence/connected/c1',
      ),
    ).toEqual({
      matched: true,
      output: { all: '$aws/events/presence/connected/c1', first: '$aws', type: 'connected' },
    });
  });

  it('does not match a topic outside FROM', () => {
    expect(run("SELECT * FROM 'a/+'", payload, 'a/b/c')).toEqual({ matched: false });
  });

  it('hands SELECT * of a payload that is not JSON over as raw bytes, and makes its fields Undefined', () => {
    const raw = Buffer.from([0xff, 0x00, 0x7b]);
    expect(run("SELECT * FROM 'a/b'", raw)).toEqual({ matched: true, output: raw });
    expect(run("SELECT x, topic() AS t FROM 'a/b'", raw)).toEqual({ matched: true, output: { t: 'a/b' } });
    expect(run("SELECT * FROM 'a/b' WHERE x = 1", raw)).toEqual({ matched: false });
  });
});

describe('WHERE (Operators)', () => {
  it('compares numbers by value, strings exactly, and is false for mismatched types with =, true with <>', () => {
    expect(where('n = 5', { n: 5 })).toBe(true);
    expect(where('n = 5.0', { n: 5 })).toBe(true);
    expect(where("s = 'x'", { s: 'x' })).toBe(true);
    expect(where("s = 'X'", { s: 'x' })).toBe(false);
    expect(where('s = 5', { s: '5' })).toBe(false);
    expect(where('s <> 5', { s: '5' })).toBe(true);
    expect(where('b = true', { b: true })).toBe(true);
    expect(where('z = NULL', { z: null })).toBe(true);
    expect(where('z <> NULL', { z: null })).toBe(false);
  });

  it('compares arrays in order and objects whatever the key order', () => {
    expect(where('a = b', { a: [1, 'x'], b: [1, 'x'] })).toBe(true);
    expect(where('a = b', { a: [1, 'x'], b: ['x', 1] })).toBe(false);
    expect(where('a = b', { a: { p: 1, q: [2] }, b: { q: [2], p: 1 } })).toBe(true);
    expect(where('a = b', { a: { p: 1 }, b: { p: 1, q: 2 } })).toBe(false);
    expect(where('a <> b', { a: { p: 1 }, b: { p: 2 } })).toBe(true);
  });

  it('orders numbers and numeric strings with < > <= >=, and anything else is Undefined (not true)', () => {
    expect(where('t > 50', { t: 51 })).toBe(true);
    expect(where('t > 50', { t: 50 })).toBe(false);
    expect(where('t >= 50', { t: 50 })).toBe(true);
    expect(where('t < -1', { t: -2 })).toBe(true);
    expect(where("t <= '1E2'", { t: 100 })).toBe(true);
    expect(where('t > 50', { t: '51' })).toBe(true);
    expect(where('t > 50', { t: 'hot' })).toBe(false);
    expect(where('NOT t > 50', { t: 'hot' })).toBe(false);
    expect(where('t > 50', { t: true })).toBe(false);
  });

  it('makes a comparison with a missing field Undefined: neither it nor its negation passes', () => {
    expect(where('missing = 1', {})).toBe(false);
    expect(where('missing <> 1', {})).toBe(false);
    expect(where('NOT missing = 1', {})).toBe(false);
  });

  it('combines with AND, OR and NOT over booleans and "true"/"false" strings; other operands make it Undefined', () => {
    expect(where('a = 1 AND b = 2', { a: 1, b: 2 })).toBe(true);
    expect(where('a = 1 AND b = 2', { a: 1, b: 3 })).toBe(false);
    expect(where('a = 9 OR b = 2', { a: 1, b: 2 })).toBe(true);
    expect(where('NOT (a = 9 OR b = 9)', { a: 1, b: 2 })).toBe(true);
    expect(where('flag', { flag: 'TRUE' })).toBe(true);
    expect(where('flag AND other', { flag: true, other: 'false' })).toBe(false);
    expect(where('NOT flag', { flag: 'false' })).toBe(true);
    // "Other Value -> Undefined": even OR with a true side is not true.
    expect(where('a = 1 OR missing', { a: 1 })).toBe(false);
    expect(where('flag', { flag: 1 })).toBe(false);
    expect(where('flag', { flag: 'yes' })).toBe(false);
  });

  it('selects nothing when WHERE is not true, and evaluates it on the payload, not on SELECT aliases', () => {
    expect(run("SELECT color AS c FROM 'a/b' WHERE c = 'red'", { color: 'red' })).toEqual({ matched: false });
    expect(run("SELECT color AS c FROM 'a/b' WHERE color = 'red'", { color: 'red' })).toEqual({ matched: true, output: { c: 'red' } });
  });

  it('filters lifecycle events by their fields and topic level', () => {
    const event = { clientId: 'iot-realtime.local.alice', eventType: 'disconnected', versionNumber: 3, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' };
    const sql =
      "SELECT clientId, versionNumber AS v FROM '$aws/events/presence/+/+' WHERE topic(4) = 'disconnected' AND disconnectReason <> 'DUPLICATE_CLIENTID'";
    expect(run(sql, event, '$aws/events/presence/disconnected/iot-realtime.local.alice')).toEqual({
      matched: true,
      output: { clientId: 'iot-realtime.local.alice', v: 3 },
    });
    expect(run(sql, { ...event, disconnectReason: 'DUPLICATE_CLIENTID' }, '$aws/events/presence/disconnected/iot-realtime.local.alice')).toEqual({
      matched: false,
    });
    expect(run(sql, event, '$aws/events/presence/connected/iot-realtime.local.alice')).toEqual({ matched: false });
  });
});

describe('startswith() ("Functions": startswith(String, String) returns Boolean; Null or Undefined -> Undefined)', () => {
  it.each([
    ["startswith(clientId, 'iot-realtime.local.')", { clientId: 'iot-realtime.local.alice' }, true],
    ["startswith(clientId, 'iot-realtime.local.')", { clientId: 'iot-realtime.prod.alice' }, false],
    ["startswith(clientId, 'iot-realtime.local.')", { clientId: 'iot-realtime.local' }, false],
    // Case-sensitive, and the empty prefix starts every string.
    ["startswith(clientId, 'IOT')", { clientId: 'iot-realtime' }, false],
    ["startswith(clientId, '')", { clientId: 'x' }, true],
    // Numbers and Booleans are converted to strings as written.
    ["startswith(n, '12')", { n: 123 }, true],
    ["startswith(flag, 'tr')", { flag: true }, true],
  ])('WHERE %s with %j -> %s', (condition, payload, expected) => {
    expect(where(condition, payload)).toBe(expected);
  });

  it('is Undefined (so WHERE does not match, and SELECT leaves it out) for a missing field or null, and NOT Undefined is Undefined', () => {
    expect(where("startswith(missing, 'a')", {})).toBe(false);
    expect(where("NOT startswith(missing, 'a')", {})).toBe(false);
    expect(where("startswith(gone, 'a')", { gone: null })).toBe(false);
    expect(where('startswith(a, b)', { a: 'abc' })).toBe(false);
    expect(run("SELECT startswith(missing, 'a') AS s, 1 AS one FROM 'a/b'", {})).toEqual({ matched: true, output: { one: 1 } });
    expect(run("SELECT startswith(topic(), 'a/') AS s FROM 'a/b'", {})).toEqual({ matched: true, output: { s: true } });
  });
});
