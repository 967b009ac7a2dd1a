import { presenceRule as presenceRuleOf, topicRuleName } from '../../../core/iot-rules.js';
import { memoryLogger } from '../log.js';
import { type RoutedMessages, RuleDefinitionError, RulesEngine, type SqsErrorAction } from './engine.js';

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

const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

/** Lambda as the engine sees it: records invocations; a function named in `refusing` is refused (as Lambda would). */
function setup(refusing: Record<string, string> = {}) {
  const broker = fakeBroker();
  const logger = memoryLogger();
  const calls: Array<{ fn: string; event: unknown; ruleArn: string }> = [];
  const sent: Array<{ action: SqsErrorAction; body: string }> = [];
  const engine = new RulesEngine({
    source: broker.source,
    logger,
    region: 'us-east-1',
    accountId: '000000000000',
    targets: {
      invokeLambda(functionArn, event, ruleArn) {
        const name = functionArn.split(':').at(-1)!;
        const refusal = refusing[name];
        if (refusal) throw new Error(refusal);
        calls.push({ fn: name, event, ruleArn });
      },
      async sendToQueue(action, body) {
        sent.push({ action, body });
      },
    },
  });
  return { broker, logger, calls, sent, engine };
}

const local = { app: 'iot-realtime', stage: 'local' };
const presence = presenceRuleOf(local);
const presenceRule = {
  name: topicRuleName(local, presence),
  sql: presence.sql,
  sqlVersion: presence.sqlVersion,
  enabled: true,
  lambdaFunctionArn: fn(presence.lambda),
};
const rule = (name: string, sql: string, target = 'other') => ({ name, sql, sqlVersion: '2016-03-23', enabled: true, lambdaFunctionArn: fn(target) });
const connected = { clientId: 'iot-realtime.local.alice', timestamp: 1, eventType: 'connected', versionNumber: 1 };

describe('RulesEngine', () => {
  it("runs the stage's presence rule of core/iot-rules.ts: its clients' lifecycle events go to its function, nothing else", async () => {
    const { broker, calls, engine } = setup();
    engine.createRule(presenceRule);
    expect(engine.ruleNames).toEqual(['iot_realtime_local_presence']);
    broker.publish('$aws/events/presence/connected/iot-realtime.local.alice', connected);
    // Lifecycle events are account-wide: another stage's client and a stranger's are not this stage's business.
    broker.publish('$aws/events/presence/connected/iot-realtime.prod.alice', { ...connected, clientId: 'iot-realtime.prod.alice' });
    broker.publish('$aws/events/presence/connected/device-42', { ...connected, clientId: 'device-42' });
    broker.publish('$aws/events/subscriptions/subscribed/iot-realtime.local.alice', { topics: ['x'] });
    broker.publish('iot-realtime/local/broadcast', { text: 'hi' });
    await engine.idle();
    expect(calls).toEqual([{ fn: 'presence-events', event: connected, ruleArn: 'arn:aws:iot:us-east-1:000000000000:rule/iot_realtime_local_presence' }]);
  });

  it('passes the selected JSON and skips messages WHERE does not let through', async () => {
    const { broker, calls, engine } = setup();
    engine.createRule(rule('disconnects', "SELECT clientId AS id, topic(4) AS kind FROM '$aws/events/presence/+/+' WHERE eventType = 'disconnected'"));
    broker.publish('$aws/events/presence/connected/c1', connected);
    broker.publish('$aws/events/presence/disconnected/c1', { ...connected, eventType: 'disconnected' });
    await engine.idle();
    expect(calls.map(({ fn, event }) => ({ fn, event }))).toEqual([{ fn: 'other', event: { id: 'iot-realtime.local.alice', kind: 'disconnected' } }]);
  });

  it('hands an invocation Lambda refuses to the error action, in the documented message format, and keeps routing', async () => {
    const { broker, logger, calls, sent, engine } = setup({ failing: 'AccessDeniedException: no resource-based policy allows it' });
    const errorAction = { sqs: { queueUrl: 'http://127.0.0.1/000000000000/failures', roleArn: 'arn:aws:iam::000000000000:role/errors', useBase64: false } };
    engine.createRule({ ...rule('fails', "SELECT * FROM 'a/#'", 'failing'), errorAction });
    engine.createRule(rule('works', "SELECT * FROM 'a/#'"));
    broker.publish('a/b', { n: 1 });
    await engine.idle();
    expect(calls.map((c) => c.event)).toEqual([{ n: 1 }]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.action).toEqual(errorAction.sqs);
    // "Error action message format" (AWS IoT developer guide, "Error handling (error action)").
    expect(JSON.parse(sent[0]!.body)).toEqual({
      ruleName: 'fails',
      topic: 'a/b',
      cloudwatchTraceId: expect.any(String),
      base64OriginalPayload: Buffer.from(JSON.stringify({ n: 1 })).toString('base64'),
      failures: [{ failedAction: 'LambdaAction', failedResource: fn('failing'), errorMessage: expect.stringContaining('AccessDeniedException') }],
    });
    expect(logger.entries).toContainEqual(expect.objectContaining({ level: 'error', message: 'topic rule action failed', rule: 'fails', topic: 'a/b' }));
  });

  it('base64-encodes the error message when the SQS error action says so', async () => {
    const { broker, sent, engine } = setup({ failing: 'throttled' });
    engine.createRule({
      ...rule('fails', "SELECT * FROM 'a/b'", 'failing'),
      errorAction: { sqs: { queueUrl: 'http://127.0.0.1/000000000000/failures', roleArn: 'arn:aws:iam::000000000000:role/errors', useBase64: true } },
    });
    broker.publish('a/b', { n: 1 });
    await engine.idle();
    expect(JSON.parse(Buffer.from(sent[0]!.body, 'base64').toString('utf8'))).toMatchObject({ ruleName: 'fails' });
  });

  it('refuses to hand a payload that is not JSON to a Lambda action, and says so', async () => {
    const { broker, logger, calls, engine } = setup();
    engine.createRule(rule('raw', "SELECT * FROM 'a/b'"));
    broker.publish('a/b', Buffer.from([0xff, 0xfe]));
    await engine.idle();
    expect(calls).toEqual([]);
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'topic rule action failed', rule: 'raw', error: 'a Lambda action needs a JSON payload' }),
    );
  });

  it('does nothing for a disabled rule', async () => {
    const { broker, calls, engine } = setup();
    engine.createRule({ ...rule('off', "SELECT * FROM 'a/b'"), enabled: false });
    broker.publish('a/b', { n: 1 });
    await engine.idle();
    expect(calls).toEqual([]);
  });

  it.each([
    [{ name: 'bad-name' }, /invalid rule name "bad-name"/],
    [{ name: 'x'.repeat(129) }, /invalid rule name/],
    [{ sqlVersion: '2099-01-01' }, /unknown SQL version "2099-01-01"/],
    [{ sql: "SELECT upper(a) AS b FROM 'a'" }, /rule r: the function upper\(\) is not supported/],
    [{ sql: "SELECT * FROM 'a/#/b'" }, /"#" must be the whole last level/],
    [{ lambdaFunctionArn: 'presence-events' }, /is not a function ARN/],
  ])('refuses to create a rule with %j', (change, problem) => {
    const { engine } = setup();
    expect(() => engine.createRule({ ...rule('r', "SELECT * FROM 'a'"), ...change })).toThrow(problem);
    expect(engine.ruleNames).toEqual([]);
  });

  it('refuses a second rule of the same name', () => {
    const { engine } = setup();
    engine.createRule(presenceRule);
    expect(() => engine.createRule(presenceRule)).toThrow(RuleDefinitionError);
  });

  it('stops routing when closed', async () => {
    const { broker, calls, engine } = setup();
    engine.createRule(rule('r', "SELECT * FROM 'a/b'"));
    broker.publish('a/b', { n: 1 });
    await engine.close();
    expect(broker.listeners.size).toBe(0);
    broker.publish('a/b', { n: 2 });
    expect(calls.map((c) => c.event)).toEqual([{ n: 1 }]);
  });
});
