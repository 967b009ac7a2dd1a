/**
 * The event pattern matcher against the examples of the AWS documentation and aws/event-ruler's README, each test
 * naming where its case comes from:
 *   [patterns]  "Amazon EventBridge event patterns" https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html
 *   [operators] "Comparison operators for use in event patterns" https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 *   [arrays]    "Arrays in EventBridge event patterns" https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 *   [null]      "Matching events on null values and empty strings" https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html
 *   [ruler]     aws/event-ruler README https://github.com/aws/event-ruler#readme
 */
import { eventRules, notificationRule } from '../../../../core/event-rules.js';
import { LOCAL_DEPLOYMENT } from '../../../local-deployment.js';
import { compileEventPattern, InvalidEventPatternError, matchesEventPattern } from './pattern.js';

const matches = (pattern: unknown, event: unknown) => matchesEventPattern(compileEventPattern(JSON.stringify(pattern)), event);
const refusal = (pattern: unknown): string => {
  try {
    compileEventPattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern));
  } catch (error) {
    if (error instanceof InvalidEventPatternError) return error.message;
    throw error;
  }
  throw new Error(`the pattern ${JSON.stringify(pattern)} was accepted`);
};

/** [ruler] "Ruler by Example": the sample event. */
const ec2 = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-000000aaaaaa00000', state: 'running' },
};
const withDetail = (detail: Record<string, unknown>) => ({ ...ec2, detail: { ...ec2.detail, ...detail } });

describe('exact matching and AND [ruler "Simple matching"] [patterns]', () => {
  it('matches when every named field has one of the listed values, arrays by intersection', () => {
    const rule = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
      detail: { state: ['initializing', 'running'] },
    };
    expect(matches(rule, ec2)).toBe(true);
    expect(matches(rule, withDetail({ state: 'initializing' }))).toBe(true);
    expect(matches(rule, withDetail({ state: 'stopped' }))).toBe(false);
    expect(matches({ ...rule, source: ['aws.s3'] }, ec2)).toBe(false);
  });

  it('is exact: no case folding, a string is not a number, and a missing field does not match', () => {
    expect(matches({ source: ['AWS.EC2'] }, ec2)).toBe(false);
    expect(matches({ detail: { 'c-count': ['5'] } }, ec2)).toBe(false);
    expect(matches({ detail: { 'c-count': [5] } }, ec2)).toBe(true);
    expect(matches({ detail: { missing: ['x'] } }, ec2)).toBe(false);
  });

  it('matches booleans, and null only as null, "" only as "" [null]', () => {
    const event = { ...ec2, detail: { eventVersion: '', responseElements: null, enabled: false } };
    expect(matches({ detail: { eventVersion: [''] } }, event)).toBe(true);
    expect(matches({ detail: { responseElements: [null] } }, event)).toBe(true);
    // "Null values and empty strings are not interchangeable in pattern matching."
    expect(matches({ detail: { eventVersion: [null] } }, event)).toBe(false);
    expect(matches({ detail: { responseElements: [''] } }, event)).toBe(false);
    expect(matches({ detail: { enabled: [false] } }, event)).toBe(true);
    expect(matches({ detail: { enabled: ['false'] } }, event)).toBe(false);
  });
});

describe('string operators [operators] [ruler]', () => {
  it('prefix: "time" starting with "2017-10-02"; string values only', () => {
    expect(matches({ time: [{ prefix: '2017-10-02' }] }, ec2)).toBe(true);
    expect(matches({ time: [{ prefix: '2017-10-03' }] }, ec2)).toBe(false);
    expect(matches({ detail: { 'c-count': [{ prefix: '5' }] } }, ec2)).toBe(false);
  });

  it('prefix and suffix with equals-ignore-case: "Begins with (ignore case)", "Ends with (ignore case)"', () => {
    const event = { ...ec2, detail: { service: 'EventBridge', FileName: 'image.PNG' } };
    expect(matches({ detail: { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] } }, event)).toBe(true);
    expect(matches({ detail: { service: [{ prefix: 'eventb' }] } }, event)).toBe(false);
    expect(matches({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, event)).toBe(true);
    expect(matches({ detail: { FileName: [{ suffix: '.png' }] } }, event)).toBe(false);
  });

  it('suffix: "source" ending with "ec2"', () => {
    expect(matches({ source: [{ suffix: 'ec2' }] }, ec2)).toBe(true);
    expect(matches({ source: [{ suffix: 's3' }] }, ec2)).toBe(false);
  });

  it('equals-ignore-case: "source" equal to "EC2" in any case... but not a prefix of it', () => {
    expect(matches({ source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, ec2)).toBe(true);
    expect(matches({ source: [{ 'equals-ignore-case': 'EC2' }] }, ec2)).toBe(false);
  });

  it('wildcard: "Simple*Service", zero or more characters per "*", escapes for "*" and "\\"', () => {
    const event = (source: string) => ({ ...ec2, source });
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, event('SimpleQueueService'))).toBe(true);
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, event('SimpleService'))).toBe(true);
    expect(matches({ source: [{ wildcard: 'Simple*Service' }] }, event('SimpleServices'))).toBe(false);
    expect(matches({ source: [{ wildcard: 'a\\*b' }] }, event('a*b'))).toBe(true);
    expect(matches({ source: [{ wildcard: 'a\\*b' }] }, event('axb'))).toBe(false);
    expect(matches({ source: [{ wildcard: 'a\\\\b' }] }, event('a\\b'))).toBe(true);
    expect(matches({ source: [{ wildcard: 'a.c' }] }, event('abc'))).toBe(false);
    // "consecutive wildcard characters are not allowed"; "A backslash escaping any character other than asterisk or
    // backslash is not allowed."
    expect(refusal({ source: [{ wildcard: 'a**b' }] })).toMatch(/consecutive wildcard characters are not allowed/);
    expect(refusal({ source: [{ wildcard: 'a\\b' }] })).toMatch(/a backslash may only escape/);
  });
});

describe('anything-but [operators "Anything-but matching"] [ruler]', () => {
  it('a single string or number, and lists of strings or of numbers', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': 'running' }] } }, ec2)).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': 123 }] } }, ec2)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ec2)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'running'] }] } }, ec2)).toBe(false);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, ec2)).toBe(true);
    expect(matches({ detail: { 'x-limit': [{ 'anything-but': [100, 301.8] }] } }, ec2)).toBe(false);
  });

  it('prefix, suffix, equals-ignore-case and wildcard forms', () => {
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ec2)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'run' } }] } }, ec2)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { suffix: 'ing' } }] } }, ec2)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'RUNNING' } }] } }, ec2)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['STOPPED', 'Pending'] } }] } }, ec2)).toBe(true);
    // "FilePath" is not a file path that includes /lib/.
    const file = (FilePath: string) => ({ ...ec2, detail: { FilePath } });
    expect(matches({ detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, file('/usr/lib/x'))).toBe(false);
    expect(matches({ detail: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] } }, file('/usr/bin/x'))).toBe(true);
  });

  it('does not match a missing field (it has no value that is anything but), and refuses mixed lists', () => {
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } }, ec2)).toBe(false);
    expect(refusal({ detail: { state: [{ 'anything-but': ['a', 1] }] } })).toMatch(/only strings or only numbers/);
  });
});

describe('numeric [operators "Numeric matching"] [ruler]', () => {
  it('the documented example: c-count in (0, 5], d-count < 10, x-limit = 3.018e2', () => {
    const rule = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matches(rule, ec2)).toBe(true);
    expect(matches(rule, withDetail({ 'c-count': 6 }))).toBe(false);
    expect(matches(rule, withDetail({ 'c-count': 0 }))).toBe(false);
    expect(matches(rule, withDetail({ 'd-count': 10 }))).toBe(false);
  });

  it('works on JSON numbers only, and refuses bounds outside -5.0e9..5.0e9 and malformed ranges', () => {
    expect(matches({ detail: { state: [{ numeric: ['>', 0] }] } }, ec2)).toBe(false);
    expect(matches({ detail: { n: [{ numeric: ['>=', 1] }] } }, { detail: { n: '5' } })).toBe(false);
    expect(refusal({ detail: { n: [{ numeric: ['>', 6e9] }] } })).toMatch(/between -5.0e9 and 5.0e9/);
    expect(refusal({ detail: { n: [{ numeric: ['<', 5, '>', 1] }] } })).toMatch(/ranges are/);
    expect(refusal({ detail: { n: [{ numeric: ['>', 5, '<', 1] }] } })).toMatch(/low <= high/);
    expect(refusal({ detail: { n: [{ numeric: ['!=', 5] }] } })).toMatch(/operator must be one of/);
  });
});

describe('exists [operators "Exists matching"] [ruler]', () => {
  it('matches on the presence or absence of a leaf field', () => {
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, ec2)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, ec2)).toBe(false);
    expect(matches({ detail: { 'e-count': [{ exists: false }] } }, ec2)).toBe(true);
    expect(matches({ detail: { 'e-count': [{ exists: true }] } }, ec2)).toBe(false);
  });

  it('works only on leaf nodes: a field holding an object does not exist for it (the documented c-count example)', () => {
    const event = { ...ec2, detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } };
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, event)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, event)).toBe(false);
  });

  it('a null value exists; a missing parent means a missing field', () => {
    expect(matches({ detail: { v: [{ exists: true }] } }, { detail: { v: null } })).toBe(true);
    expect(matches({ detail: { v: [{ exists: false }] } }, { source: 'x' })).toBe(true);
  });
});

describe('arrays [arrays] [ruler "JSON Array Matching"]', () => {
  const employees = {
    detail: {
      employees: [
        { firstName: 'John', lastName: 'Doe' },
        { firstName: 'Anna', lastName: 'Smith' },
        { firstName: 'Peter', lastName: 'Jones' },
      ],
    },
  };

  it('an array matches if one of its values matches', () => {
    expect(matches({ resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000', 'other'] }, ec2)).toBe(true);
    expect(matches({ detail: { tags: ['b'] } }, { detail: { tags: ['a', 'b'] } })).toBe(true);
    expect(matches({ detail: { tags: ['c'] } }, { detail: { tags: ['a', 'b'] } })).toBe(false);
  });

  it('matches fields inside one element of an array of objects, never across two elements', () => {
    expect(matches({ detail: { employees: { firstName: ['Anna'] } } }, employees)).toBe(true);
    expect(matches({ detail: { employees: { firstName: ['Anna'], lastName: ['Smith'] } } }, employees)).toBe(true);
    // rulesForJSONEvent "will not match the Anna/Jones rule".
    expect(matches({ detail: { employees: { firstName: ['Anna'], lastName: ['Jones'] } } }, employees)).toBe(false);
  });

  it('multi-level arrays are crushed into their elements', () => {
    const nested = { detail: { employees: [[{ firstName: 'John' }, { firstName: 'Anna' }], [{ firstName: 'Peter' }]] } };
    expect(matches({ detail: { employees: { firstName: ['Peter'] } } }, nested)).toBe(true);
  });
});

describe('$or [ruler "The $or primitive"] [operators]', () => {
  const cw = { source: 'aws.cloudwatch', metricName: 'CPUUtilization', namespace: 'AWS/Lambda', metricType: 'MetricType', detail: {} };

  it('"source" && ("metricName" || "namespace")', () => {
    const rule = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] };
    expect(matches(rule, cw)).toBe(true);
    expect(matches(rule, { ...cw, metricName: 'Other' })).toBe(false);
    expect(matches(rule, { ...cw, metricName: 'Other', namespace: 'AWS/ES' })).toBe(true);
    expect(matches(rule, { ...cw, source: 'aws.s3' })).toBe(false);
  });

  it('an "And" inside an "Or", and an "Or" nested in it', () => {
    const rule = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['ReadLatency'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        { scope: ['Service'] },
      ],
    };
    expect(matches(rule, { ...cw, namespace: 'AWS/EC2', spaceId: 1000 })).toBe(true);
    expect(matches(rule, { ...cw, namespace: 'AWS/EC2', spaceId: 1 })).toBe(false);
    expect(matches(rule, { ...cw, scope: 'Service' })).toBe(true);
  });

  it('refuses a "$or" that is not a list of at least two patterns (its legacy reading as a field is not emulated)', () => {
    expect(refusal({ $or: [{ source: ['a'] }] })).toMatch(/at least two patterns/);
    expect(refusal({ $or: { source: ['a'] } })).toMatch(/at least two patterns/);
  });
});

describe('refusals: anything else is refused by name', () => {
  it('refuses cidr (not emulated) and unknown operators by name', () => {
    expect(refusal({ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } })).toMatch(/IP address matching \("cidr"\) is not emulated/);
    expect(refusal({ source: [{ contains: 'x' }] })).toMatch(/Unrecognized match type contains/);
  });

  it('refuses what is not a pattern: not JSON, not an object, empty, non-array leaves, empty arrays, two operators, too long', () => {
    expect(refusal('{"source": [')).toMatch(/not valid JSON/);
    expect(refusal('["a"]')).toMatch(/must be a JSON object/);
    expect(refusal({})).toMatch(/at least one field/);
    expect(refusal({ source: 'aws.ec2' })).toMatch(/"source": must be an array/);
    expect(refusal({ source: [] })).toMatch(/empty array/);
    expect(refusal({ source: [{ prefix: 'a', suffix: 'b' }] })).toMatch(/exactly one operator/);
    expect(refusal({ source: [{ exists: true }, 'a'] })).toMatch(/cannot be combined/);
    expect(refusal({ source: ['x'.repeat(5000)] })).toMatch(/longer than 4096/);
  });
});

describe("the stack's own rules", () => {
  const [rule] = eventRules(LOCAL_DEPLOYMENT);
  const event = (detailType: string, detail: unknown) => ({ ...ec2, source: 'com.example.orders', 'detail-type': detailType, detail });

  it('the notification rule takes notification events with a known recipient kind and a type, nothing else', () => {
    expect(rule).toEqual(notificationRule(LOCAL_DEPLOYMENT));
    const pattern = rule!.pattern;
    expect(matches(pattern, event('Realtime Notification', { to: { kind: 'user', userId: 'alice' }, type: 'invoice.ready' }))).toBe(true);
    expect(matches(pattern, event('Realtime Notification', { to: { kind: 'everyone' }, type: 'maintenance' }))).toBe(true);
    expect(matches(pattern, event('Order Placed', { to: { kind: 'user', userId: 'alice' }, type: 'x' }))).toBe(false);
    expect(matches(pattern, event('Realtime Notification', { to: { kind: 'team' }, type: 'x' }))).toBe(false);
    expect(matches(pattern, event('Realtime Notification', { to: { kind: 'user', userId: 'alice' } }))).toBe(false);
  });
});
