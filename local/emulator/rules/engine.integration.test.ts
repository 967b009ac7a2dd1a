/**
 * The rules engine on the real broker: MQTT.js clients connect to the emulator over SigV4 WebSockets, and the rules of
 * core/iot-rules.ts (its SQS action) and a WHERE rule on an app topic (a Lambda action) see exactly what the broker routes.
 */
import { presenceRule, topicRuleName } from '../../../core/iot-rules.js';
import { TopicScheme } from '../../../core/topics.js';
import { browserCredentials } from '../../../test/support/credentials.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { connectClient, sleep, type TestClient } from '../../../test/support/mqtt.js';
import { presignMqttUrl } from '../../../test/support/sign.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import { RulesEngine } from './engine.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
let emulator: TestEmulator;
let engine: RulesEngine;
const invocations: Array<{ fn: string; event: Record<string, unknown> }> = [];
/** Bodies the presence rule's SQS action sent, by queue name. */
const messages: Array<{ queue: string; body: string }> = [];
const open: TestClient[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
  const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  engine = new RulesEngine({
    source: emulator.broker,
    logger: { log: () => undefined },
    region: 'us-east-1',
    accountId: '000000000000',
    targets: {
      invokeLambda: (functionArn, event) => void invocations.push({ fn: functionArn.split(':').at(-1)!, event }),
      sendToQueue: async (action, body) => void messages.push({ queue: action.queueUrl.split('/').at(-1)!, body }),
    },
  });
  const presence = presenceRule(LOCAL_DEPLOYMENT);
  engine.createRule({
    name: topicRuleName(LOCAL_DEPLOYMENT, presence),
    sql: presence.sql,
    sqlVersion: presence.sqlVersion,
    enabled: true,
    action: {
      sqs: {
        queueUrl: `${emulator.url}/000000000000/iot-realtime-local-${presence.queue}`,
        roleArn: 'arn:aws:iam::000000000000:role/iot-realtime-local-iot-presence-rule',
        useBase64: false,
      },
    },
  });
  engine.createRule({
    name: 'hot',
    sql: `SELECT temperature AS t, topic(4) AS room FROM '${topics.prefix}/sensors/+' WHERE temperature > 50`,
    sqlVersion: '2016-03-23',
    enabled: true,
    action: { lambda: { functionArn: fn('alerts') } },
  });
});
beforeEach(() => {
  invocations.length = 0;
  messages.length = 0;
});
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => {
  await engine.close();
  await emulator.close();
});

async function connectAs(userId: string, tab?: string): Promise<TestClient> {
  const creds = await browserCredentials(emulator, userId, tab);
  const client = await connectClient(await presignMqttUrl(creds, { connectTo: emulator.url }), creds.clientId);
  open.push(client);
  return client;
}

async function settled(): Promise<void> {
  await sleep(100);
  await engine.idle();
}

const presenceEvents = () => messages.filter((m) => m.queue === 'iot-realtime-local-presence-events').map((m) => JSON.parse(m.body) as Record<string, unknown>);

describe("the rules engine on the emulator's broker", () => {
  it("sends each connect and disconnect lifecycle event to the presence rule's queue, one connection one version", async () => {
    const first = await connectAs('rules-alice');
    await settled();
    await first.end();
    await settled();
    const second = await connectAs('rules-alice');
    await settled();
    await second.client.endAsync(false);
    await settled();
    const events = presenceEvents();
    expect(events.map((e) => [e.clientId, e.eventType])).toEqual([
      ['iot-realtime.local.rules-alice', 'connected'],
      ['iot-realtime.local.rules-alice', 'disconnected'],
      ['iot-realtime.local.rules-alice', 'connected'],
      ['iot-realtime.local.rules-alice', 'disconnected'],
    ]);
    for (const e of events) expect(e).toMatchObject({ timestamp: expect.any(Number), versionNumber: expect.any(Number) });
    // IoT: a connection's connect and disconnect share the version number; a later connection has a greater one.
    const versions = events.map((e) => e.versionNumber as number);
    expect(versions[0]).toBe(versions[1]);
    expect(versions[2]).toBe(versions[3]);
    expect(versions[2]!).toBeGreaterThan(versions[0]!);
  });

  it('runs a WHERE rule on an app topic: only messages that satisfy it reach the function, with the selected fields', async () => {
    const admin = await connectClient(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), 'rules-test-publisher');
    open.push(admin);
    await admin.client.publishAsync(`${topics.prefix}/sensors/kitchen`, JSON.stringify({ temperature: 72, unit: 'C' }), { qos: 1 });
    await admin.client.publishAsync(`${topics.prefix}/sensors/hall`, JSON.stringify({ temperature: 20 }), { qos: 1 });
    await admin.client.publishAsync(`${topics.prefix}/sensors/attic`, 'not json', { qos: 1 });
    await admin.client.publishAsync(`${topics.prefix}/sensors/a/b`, JSON.stringify({ temperature: 99 }), { qos: 1 });
    await settled();
    expect(invocations.filter((i) => i.fn === 'alerts').map((i) => i.event)).toEqual([{ t: 72, room: 'kitchen' }]);
  });
});
