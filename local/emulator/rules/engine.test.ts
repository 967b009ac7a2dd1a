import { PRESENCE_RULE, topicRuleName } from '../../../core/iot-rules.js';
import { memoryLogger } from '../log.js';
import { type RoutedMessages, RuleDefinitionError, RulesEngine, type RuleTargetFunction } from './engine.js';

/** A broker stand-in: what `publish` routes reaches every listener, as IotBroker.onPublished does. */
function fakeBroker() {
  const listeners = new Set<(topic: string, payload: Buffer) => void>();
  const source: RoutedMessages = {
    onPublished(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const publish = (topic: string, payload: unknown) => {
    for (const listener of listeners) listener(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)));
  };
  return { source, listeners, publish };
}

function setup(functions: Record<string, RuleTargetFunction> = {}) {
  const broker = fakeBroker();
  const logger = memoryLogger();
  const calls: Array<{ fn: string; event: unknown }> = [];
  const recording =
    (fn: string): RuleTargetFunction =>
    async (event) =>
      void calls.push({ fn, event });
  const engine = new RulesEngine({
    source: broker.source,
    logger,
    functions: { 'presence-events': recording('presence-events'), other: recording('other'), ...functions },
  });
  return { broker, logger, calls, engine };
}

const presenceRule = {
  name: topicRuleName({ app: 'iot-realtime', stage: 'local' }, PRESENCE_RULE),
  sql: PRESENCE_RULE.sql,
  sqlVersion: PRESENCE_RULE.sqlVersion,
  lambda: PRESENCE_RULE.lambda,
};
const connected = { clientId: 'iot-realtime.local.alice', timestamp: 1, eventType: 'connected', versionNumber: 1 };

describe('RulesEngine', () => {
  it('runs the presence rule of core/iot-rules.ts: lifecycle events go to its function, other topics do not', async () => {
    const { broker, calls, engine } = setup();
    engine.createRule(presenceRule);
    expect(engine.ruleNames).toEqual(['iot_realtime_local_presence']);
    broker.publish('$aws/events/presence/connected/iot-realtime.local.alice', connected);
    broker.publish('$aws/events/subscriptions/subscribed/iot-realtime.local.alice', { topics: ['x'] });
    broker.publish('iot-realtime/local/broadcast', { text: 'hi' });
    await engine.idle();
    expect(calls).toEqual([{ fn: 'presence-events', event: connected }]);
  });

  it('invokes asynchronously: the publish returns before the function runs', async () => {
    const { broker, calls, engine } = setup();
    engine.createRule(presenceRule);
    broker.publish('$aws/events/presence/connected/c', connected);
    expect(calls).toEqual([]);
    await engine.idle();
    expect(calls).toHaveLength(1);
  });

  it('passes the selected JSON and skips messages WHERE does not let through', async () => {
    const { broker, calls, engine } = setup();
    engine.createRule({
      name: 'disconnects',
      sql: "SELECT clientId AS id, topic(4) AS kind FROM '$aws/events/presence/+/+' WHERE eventType = 'disconnected'",
      sqlVersion: '2016-03-23',
      lambda: 'other',
    });
    broker.publish('$aws/events/presence/connected/c1', connected);
    broker.publish('$aws/events/presence/disconnected/c1', { ...connected, eventType: 'disconnected' });
    await engine.idle();
    expect(calls).toEqual([{ fn: 'other', event: { id: 'iot-realtime.local.alice', kind: 'disconnected' } }]);
  });

  it('logs a failing function and keeps routing', async () => {
    const { broker, logger, calls, engine } = setup({ failing: async () => Promise.reject(new Error('boom')) });
    engine.createRule({ name: 'fails', sql: "SELECT * FROM 'a/#'", sqlVersion: '2016-03-23', lambda: 'failing' });
    engine.createRule({ name: 'works', sql: "SELECT * FROM 'a/#'", sqlVersion: '2016-03-23', lambda: 'other' });
    broker.publish('a/b', { n: 1 });
    broker.publish('a/c', { n: 2 });
    await engine.idle();
    expect(calls.map((c) => c.event)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(logger.entries.filter((e) => e.message === 'topic rule action failed')).toEqual([
      expect.objectContaining({ level: 'error', rule: 'fails', topic: 'a/b', function: 'failing', error: 'boom' }),
      expect.objectContaining({ level: 'error', rule: 'fails', topic: 'a/c', function: 'failing', error: 'boom' }),
    ]);
  });

  it('refuses to hand a payload that is not JSON to a Lambda action, and says so', async () => {
    const { broker, logger, calls, engine } = setup();
    engine.createRule({ name: 'raw', sql: "SELECT * FROM 'a/b'", sqlVersion: '2016-03-23', lambda: 'other' });
    broker.publish('a/b', Buffer.from([0xff, 0xfe]));
    await engine.idle();
    expect(calls).toEqual([]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'topic rule action failed: a Lambda action needs a JSON payload', rule: 'raw' }),
    );
  });

  it.each([
    [{ name: 'bad-name' }, /invalid rule name "bad-name"/],
    [{ name: 'x'.repeat(129) }, /invalid rule name/],
    [{ sqlVersion: '2099-01-01' }, /unknown SQL version "2099-01-01"/],
    [{ sql: "SELECT upper(a) AS b FROM 'a'" }, /rule r: the function upper\(\) is not supported/],
    [{ sql: "SELECT * FROM 'a/#/b'" }, /"#" must be the whole last level/],
    [{ lambda: 'nope' }, /names "nope", which is not a function of this stack/],
  ])('refuses to create a rule with %j', (change, problem) => {
    const { engine } = setup();
    expect(() => engine.createRule({ name: 'r', sql: "SELECT * FROM 'a'", sqlVersion: '2016-03-23', lambda: 'other', ...change })).toThrow(problem);
    expect(engine.ruleNames).toEqual([]);
  });

  it('refuses a second rule of the same name', () => {
    const { engine } = setup();
    engine.createRule(presenceRule);
    expect(() => engine.createRule(presenceRule)).toThrow(RuleDefinitionError);
  });

  it('stops routing when closed, after the actions in flight finished', async () => {
    let release: () => void = () => undefined;
    const slow: RuleTargetFunction = () => new Promise((resolve) => (release = () => resolve(undefined)));
    const { broker, calls, engine } = setup({ slow });
    engine.createRule({ name: 'slow', sql: "SELECT * FROM 'a/b'", sqlVersion: '2016-03-23', lambda: 'slow' });
    engine.createRule({ name: 'fast', sql: "SELECT * FROM 'a/b'", sqlVersion: '2016-03-23', lambda: 'other' });
    broker.publish('a/b', { n: 1 });
    let closed = false;
    const closing = engine.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(broker.listeners.size).toBe(0);
    broker.publish('a/b', { n: 2 });
    expect(calls).toEqual([{ fn: 'other', event: { n: 1 } }]);
  });
});
