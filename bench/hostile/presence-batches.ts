/**
 * What coalescing per user buys the presence function under a flood, measured on the function itself: the same
 * BENCH_PRESENCE_EVENTS lifecycle events of one user (connects and disconnects over 10 tab client ids, in IoT's
 * shape) handed to the deployed presence-events function in the local stack (its bundle, its role, the emulator's
 * DynamoDB), once one event per invocation (the rule's former Lambda action) and once in SQS batches of
 * BENCH_PRESENCE_BATCH records (the rule's SQS action and an event source mapping), each with BENCH_PRESENCE_CONCURRENCY
 * invocations at a time. Reports the time each took and what the presence table says at the end (the user offline).
 * Not run in CI: `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true tsx bench/hostile/presence-batches.ts`.
 */
import type { SQSEvent } from 'aws-lambda';
import { functionName } from '../../core/deployment.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { startLocalStack } from '../../local/stack.js';
import { apiClient, appToken } from '../../test/support/local-api.js';
import { mapWithConcurrency } from '../fanout/api.js';

const EVENTS = Number(process.env.BENCH_PRESENCE_EVENTS ?? 6000);
const BATCH = Number(process.env.BENCH_PRESENCE_BATCH ?? 100);
const CONCURRENCY = Number(process.env.BENCH_PRESENCE_CONCURRENCY ?? 4);
const TABS = 10;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const stack = await startLocalStack({
  emulatorPort: 0,
  apiPort: 0,
  corsOrigins: [],
  logger: memoryLogger(),
  functionLogLevel: 'SILENT',
  apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
});
try {
  const api = apiClient(() => stack);
  const presence = functionName(LOCAL_DEPLOYMENT, 'presence-events');

  /** A user in a room with 5 members, and EVENTS lifecycle events of theirs: each tab connects and disconnects in turn. */
  async function floodOf(user: string) {
    const token = await appToken(api, user);
    const roomId = (await api('POST', '/rooms', { token, body: { name: 'flood' } })).body.roomId as string;
    for (let m = 0; m < 5; m += 1) {
      const member = await appToken(api, `${user}m${m}`);
      await api('GET', '/rooms', { token: member });
      await api('PUT', `/rooms/${roomId}/members/${user}m${m}`, { token });
    }
    const t0 = Date.now();
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const cycle = Math.floor(i / 2);
      return {
        clientId: `${LOCAL_DEPLOYMENT.app}.${LOCAL_DEPLOYMENT.stage}.${user}.t${cycle % TABS}`,
        eventType: i % 2 === 0 ? 'connected' : 'disconnected',
        versionNumber: Math.floor(cycle / TABS) + 1,
        timestamp: t0 + i,
        sessionIdentifier: `s${cycle}`,
        principalIdentifier: 'bench',
      };
    });
    return { token, roomId, events };
  }

  async function offline(flood: { token: string; roomId: string }): Promise<number> {
    return ((await api('GET', `/rooms/${flood.roomId}/presence`, { token: flood.token })).body.online as string[]).length;
  }

  async function run(mode: 'one event per invocation' | 'SQS batches', user: string) {
    const flood = await floodOf(user);
    const payloads =
      mode === 'SQS batches'
        ? Array.from({ length: Math.ceil(EVENTS / BATCH) }, (_, b) =>
            JSON.stringify({
              Records: flood.events.slice(b * BATCH, (b + 1) * BATCH).map((event, i) => ({
                messageId: `${b}-${i}`,
                body: JSON.stringify(event),
                eventSource: 'aws:sqs',
              })),
            } as unknown as SQSEvent),
          )
        : flood.events.map((event) => JSON.stringify(event));
    const before = stack.emulator.lambda.stats(presence);
    const started = performance.now();
    let failures = 0;
    await mapWithConcurrency(payloads, CONCURRENCY, async (payload) => {
      const result = await stack.emulator.lambda.invokeInternal(presence, payload);
      if (result.status !== 'ok') failures += 1;
      else if (mode === 'SQS batches') failures += (JSON.parse(result.payload) as { batchItemFailures: unknown[] }).batchItemFailures.length;
    });
    const ms = performance.now() - started;
    const after = stack.emulator.lambda.stats(presence);
    console.log(
      `${mode.padEnd(26)} ${EVENTS} events in ${payloads.length} invocations, ${CONCURRENCY} at a time: ${seconds(ms)} (${Math.round(EVENTS / (ms / 1000))} events/s); failed ${failures}; cold starts ${after.coldStarts - before.coldStarts}; still online at the end ${await offline(flood)} (expected 0)`,
    );
  }

  await run('one event per invocation', 'batchbench1');
  await run('SQS batches', 'batchbench2');
  await run('one event per invocation', 'batchbench3');
  await run('SQS batches', 'batchbench4');
} finally {
  await stack.close();
}
