import { presenceRule as presenceRuleOf, topicRuleName } from '../../../core/iot-rules.js';
import { memoryLogger } from '../log.js';
import { type RoutedMessages, RuleDefinitionError, RulesEngine, type SqsAction } from './engine.js';

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

const queueUrl = (name: string) => `http://127.0.0.1:4566/000000000000/${name}`;
const roleArn = (name: string) => `arn:aws:iam::000000000000:role/${name}`;

/**
 * Lambda and SQS as the engine sees them: records invocations and messages; a function or queue named in `refusing`
 * refuses (as Lambda or SQS would, e.g. the role may not send).
 */
function setup(refusing: Record<string, string> = {}) {
  const broker = fakeBroker();
  const logger = memoryLogger();
  const calls: Array<{ fn: string; event: unknown; ruleArn: string }> = [];
  const sent: Array<{ action: SqsAction; body: string }> = [];
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
        const refusal = refusing[action.queueUrl.split('/').at(-1)!];
        if (refusal) throw new Error(refusal);
        sent.push({ action, body });
      },
    },
  });
  return { broker, logger, calls, sent, engine };
}

const local = { app: 'iot-realtime', stage: 'local' };
const presence = presenceRuleOf(local);
const presenceAction = { queueUrl: queueUrl(`iot-realtime-local-${presence.queue}`), roleArn: roleArn('iot-presence-rule'), useBase64: false };
const presenceRule = {
  name: topicRuleName(local, presence),
  sql: presence.sql,
  sqlVersion: presence.sqlVersion,
  enabled: true,
  action: { sqs: presenceAction },
};
const rule = (name: string, sql: string, target = 'other') => ({
  name,
  sql,
  sqlVersion: '2016-03-23',
  enabled: true,
  action: { lambda: { functionArn: fn(target) } },
});
const sqsRule = (name: string, sql: string, queue = 'other', useBase64 = false) => ({
  name,
  sql,
  sqlVersion: '2016-03-23',
  enabled: true,
  action: { sqs: { queueUrl: queueUrl(queue), roleArn: roleArn('rule'), useBase64 } },
});
const errorAction = { sqs: { queueUrl: queueUrl('failures'), roleArn: roleArn('errors'), useBase64: false } };
const connected = { clientId: 'iot-realtime.local.alice', timestamp: 1, eventType: 'connected', versionNumber: 1 };

describe('RulesEngine', () => {
  it("runs the stage's presence rule of core/iot-rules.ts: its clients' lifecycle events go to its queue as the body, nothing else", async () => {
    const { broker, calls, sent, engine } = setup();
    engine.createRule(presenceRule);
    expect(engine.ruleNames).toEqual(['iot_realtime_local_presence']);
    broker.publish('$aws/events/presence/connected/iot-realtime.local.alice', connected);
    // Lifecycle events are account-wide: another stage's client and a stranger's are not this stage's business.
    broker.publish('$aws/events/presence/connected/iot-realtime.prod.alice', { ...connected, clientId: 'iot-realtime.prod.alice' });
    broker.publish('$aws/events/presence/connected/device-42', { ...connected, clientId: 'device-42' });
    broker.publish('$aws/events/subscriptions/subscribed/iot-realtime.local.alice', { topics: ['x'] });
    broker.publish('iot-realtime/local/broadcast', { text: 'hi' });
    await engine.idle();
    // "SQS" rule action: the selected JSON is the message body, sent with the rule's role.
    expect(sent).toEqual([{ action: presenceAction, body: JSON.stringify(connected) }]);
    expect(calls).toEqual([]);
  });

  it('invokes a Lambda action with the selected JSON, as iot.amazonaws.com from the rule', async () => {
    const { broker, calls, engine } = setup();
    engine.createRule(rule('lifecycle', "SELECT * FROM '$aws/events/presence/+/+'", 'presence-events'));
    broker.publish('$aws/events/presence/connected/iot-realtime.local.alice', connected);
    await engine.idle();
    expect(calls).toEqual([{ fn: 'presence-events', event: connected, ruleArn: 'arn:aws:iot:us-east-1:000000000000:rule/lifecycle' }]);
  });

  it('sends the selected JSON of an SQS action, or its base64 with useBase64, and a binary payload only as base64', async () => {
    const { broker, logger, sent, engine } = setup();
    engine.createRule(sqsRule('plain', "SELECT * FROM 'a/+'", 'plain'));
    engine.createRule(sqsRule('fields', "SELECT n, topic(2) AS t FROM 'a/b'", 'fields'));
    engine.createRule(sqsRule('encoded', "SELECT * FROM 'a/+'", 'encoded', true));
    broker.publish('a/b', { n: 1 });
    broker.publish('a/c', Buffer.from([0xff, 0x00, 0xfe]));
    await engine.idle();
    expect(sent.filter((m) => m.action.queueUrl.endsWith('/plain')).map((m) => m.body)).toEqual([JSON.stringify({ n: 1 })]);
    expect(sent.filter((m) => m.action.queueUrl.endsWith('/fields')).map((m) => m.body)).toEqual([JSON.stringify({ n: 1, t: 'b' })]);
    expect(sent.filter((m) => m.action.queueUrl.endsWith('/encoded')).map((m) => Buffer.from(m.body, 'base64'))).toEqual([
      Buffer.from(JSON.stringify({ n: 1 })),
      Buffer.from([0xff, 0x00, 0xfe]),
    ]);
    // SELECT * of bytes that are not UTF-8 text: SendMessage would refuse the body (InvalidMessageContents).
    expect(logger.entries).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'topic rule action failed', rule: 'plain', error: expect.stringContaining('InvalidMessageContents') }),
    );
  });

  it('refuses to send text with characters SQS does not allow, and sends UTF-8 text payloads as they are', async () => {
    const { broker, logger, sent, engine } = setup();
    engine.createRule({ ...sqsRule('raw', "SELECT * FROM 'a/b'", 'raw'), errorAction });
    broker.publish('a/b', Buffer.from('caf\u00e9 \u{1f600}', 'utf8'));
    broker.publish('a/b', Buffer.from('bell \u0007', 'utf8'));
    await engine.idle();
    expect(sent.filter((m) => m.action.queueUrl.endsWith('/raw')).map((m) => m.body)).toEqual(['caf\u00e9 \u{1f600}']);
    const failures = sent.filter((m) => m.action.queueUrl.endsWith('/failures')).map((m) => JSON.parse(m.body));
    expect(failures).toEqual([expect.objectContaining({ ruleName: 'raw', base64OriginalPayload: Buffer.from('bell \u0007').toString('base64') })]);
    expect(failures[0].failures[0]).toMatchObject({
      failedAction: 'SqsAction',
      failedResource: queueUrl('raw'),
      errorMessage: expect.stringContaining('InvalidMessageContents'),
    });
    expect(logger.entries.filter((e) => e.message === 'topic rule action failed')).toHaveLength(1);
  });

  it('hands a message the queue refuses to the error action, with the reason, and keeps routing', async () => {
    const { broker, sent, engine } = setup({ refusing: 'iot-presence-rule may not sqs:SendMessage to refusing' });
    engine.createRule({ ...sqsRule('fails', "SELECT * FROM 'a/#'", 'refusing'), errorAction });
    engine.createRule(sqsRule('works', "SELECT * FROM 'a/#'", 'works'));
    broker.publish('a/b', { n: 1 });
    await engine.idle();
    expect(sent.filter((m) => m.action.queueUrl.endsWith('/works')).map((m) => m.body)).toEqual(['{"n":1}']);
    const [failure] = sent.filter((m) => m.action.queueUrl.endsWith('/failures')).map((m) => JSON.parse(m.body));
    expect(failure).toEqual({
      ruleName: 'fails',
      topic: 'a/b',
      cloudwatchTraceId: expect.any(String),
      base64OriginalPayload: Buffer.from('{"n":1}').toString('base64'),
      failures: [{ failedAction: 'SqsAction', failedResource: queueUrl('refusing'), errorMessage: expect.stringContaining('may not sqs:SendMessage') }],
    });
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
      errorAction: { sqs: { ...errorAction.sqs, useBase64: true } },
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
    [{ action: { lambda: { functionArn: 'presence-events' } } }, /is not a function ARN/],
    [{ action: { sqs: { queueUrl: 'presence-events', roleArn: roleArn('r'), useBase64: false } } }, /is not a queue URL/],
    [{ action: { sqs: { queueUrl: queueUrl('q'), roleArn: 'iot-presence-rule', useBase64: false } } }, /is not a role ARN/],
    [{ errorAction: { sqs: { queueUrl: queueUrl('q'), roleArn: 'errors', useBase64: false } } }, /SQS error action's roleArn "errors" is not a role ARN/],
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
