import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { functionName } from '../../core/deployment.js';
import { consoleLogger } from '../../local/emulator/log.js';
import type { LambdaStats } from '../../local/emulator/services/lambda/service.js';
import { LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { startLocalStack } from '../../local/stack.js';
import { startProfile, stopProfile } from '../cpu-profile.js';
import { BENCH_STACK_SETTINGS } from '../stack-settings.js';
import { wallClockMs } from './clock.js';
import { serveIpc } from './ipc.js';

export interface StackInfo {
  apiUrl: string;
  emulatorUrl: string;
  /** What the stack was started with, as the bench prints it. */
  settings: string[];
}

export interface PublishTiming {
  /** Wall-clock ms (epoch, fractional) just before the first PublishCommand was sent. */
  startedAt: number;
  /** When the last PublishCommand was answered. */
  answeredAt: number;
  failed: number;
}

/** The fan-out queue (tasks of up to 100 recipients each) and its worker, at one moment. */
export interface FanoutState {
  /** ApproximateNumberOfMessages, ...NotVisible, ...Delayed. */
  visible: number;
  inFlight: number;
  delayed: number;
  worker: LambdaStats;
}

export type StackProtocol = {
  publishOnce: { args: { topic: string; payload: string }; result: PublishTiming };
  publishEach: { args: { topics: string[]; payload: string; concurrency: number }; result: PublishTiming };
  sessionPolicyChars: { args: { accessKeyId: string; sessionToken: string }; result: number };
  fanoutDeadLetters: { args: null; result: number };
  fanoutState: { args: null; result: FanoutState };
  /**
   * Waits (at most `timeoutMs`) until the fan-out queue holds no task, visible or in flight: the room events of the
   * setup delivered. Answers the state it ended in and how long it waited.
   */
  fanoutDrained: { args: { timeoutMs: number }; result: { state: FanoutState; ms: number } };
  startProfile: { args: null; result: null };
  /** Writes the profile (.cpuprofile, for Chrome DevTools) to `file`, an absolute path. */
  stopProfile: { args: { file: string }; result: string };
};

/**
 * Two limits are off, both caps by design rather than costs of the fan-out path:
 * - IoT's per-connection throttles (100 publishes/s, 512 KiB/s, inbound and outbound): a member connection here
 *   receives from three rooms and two baselines back to back, which would exceed 100/s and measure the throttle;
 * - the app's per-user rate limit of write routes (functions/catalog.ts: 30 room changes, 60 messages a minute): the
 *   setup makes one user create 1000 rooms and add 1100 members, and one sender posts some 400 messages.
 * Everything else keeps IoT's limits.
 */
const stack = await startLocalStack({
  emulatorPort: 0,
  apiPort: 0,
  corsOrigins: [],
  logger: consoleLogger({ minLevel: 'warn', stream: process.stderr }),
  functionLogLevel: 'SILENT',
  limits: { publishesPerSecondPerConnection: 0, bytesPerSecondPerConnection: 0 },
  rateLimit: { requests: 0, windowSeconds: 60 },
  // The HTTP API stage's throttle (50 requests/s by default, as deployed) is not what is measured either, nor the
  // account's local bound on Lambda environments (64 by default).
  ...BENCH_STACK_SETTINGS,
});

const endpoint = stack.emulator.url;
const region = LOCAL_DEPLOYMENT.region;
const adminPlane = new IoTDataPlaneClient({ region, endpoint, credentials: LOCAL_ADMIN_CREDENTIALS });
// What the Lambda service hands the fan-out worker (an execution environment's credentials): a session of its own role.
const fanoutWorker = functionName(LOCAL_DEPLOYMENT, 'fanout-worker');
const workerRole = stack.emulator.lambda.getFunction(fanoutWorker)!.role;
const workerPlane = new IoTDataPlaneClient({
  region,
  endpoint,
  credentials: async () => {
    const issued = stack.emulator.account.startServiceRoleSession(
      workerRole,
      'lambda.amazonaws.com',
      'bench-fanout-baseline',
      new Date(Date.now() + 3_600_000),
    );
    return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken!, expiration: issued.expiration! };
  },
});

/** Exactly what IotDataPublisher sends: QoS 1, JSON, content type set. */
const publish = (client: IoTDataPlaneClient, topic: string, payload: Uint8Array) =>
  client.send(new PublishCommand({ topic, qos: 1, payload, contentType: 'application/json' }));

function fanoutState(): FanoutState {
  return { ...stack.queues.fanout.queue.counts(Date.now()), worker: stack.emulator.lambda.stats(fanoutWorker) };
}

serveIpc<StackProtocol>(
  {
    apiUrl: stack.api.url,
    emulatorUrl: stack.emulator.url,
    settings: [
      'store: in memory, on its own thread',
      `HTTP API stage throttle ${BENCH_STACK_SETTINGS.apiThrottle.burstLimit} burst / ${BENCH_STACK_SETTINGS.apiThrottle.rateLimit} per s (deployed: 100 / 50)`,
      `Lambda execution environments at most ${BENCH_STACK_SETTINGS.maxLambdaEnvironments} (local default 64)`,
      'IoT per-connection throttles off (100 publishes/s, 512 KiB/s in IoT Core), per-user write limit off',
    ],
  } satisfies StackInfo,
  {
    async publishOnce({ topic, payload }) {
      const body = new TextEncoder().encode(payload);
      const startedAt = wallClockMs();
      let failed = 0;
      await publish(adminPlane, topic, body).catch(() => (failed = 1));
      return { startedAt, answeredAt: wallClockMs(), failed };
    },
    async publishEach({ topics, payload, concurrency }) {
      const body = new TextEncoder().encode(payload);
      let next = 0;
      let failed = 0;
      const startedAt = wallClockMs();
      await Promise.all(
        Array.from({ length: Math.min(concurrency, topics.length) }, async () => {
          while (next < topics.length) {
            const topic = topics[next]!;
            next += 1;
            await publish(workerPlane, topic, body).catch(() => (failed += 1));
          }
        }),
      );
      return { startedAt, answeredAt: wallClockMs(), failed };
    },
    async sessionPolicyChars({ accessKeyId, sessionToken }) {
      const { principal } = stack.emulator.account.credentials.resolve(accessKeyId, sessionToken, new Date());
      if (principal.kind !== 'role-session' || !principal.sessionPolicy) throw new Error(`${accessKeyId} carries no session policy`);
      // The document STS parsed from the request, serialized compactly as the credentials function sends it.
      return JSON.stringify(principal.sessionPolicy).length;
    },
    async fanoutDeadLetters() {
      return stack.queues.fanout.deadLetters.depth;
    },
    async fanoutState() {
      return fanoutState();
    },
    async fanoutDrained({ timeoutMs }) {
      const started = performance.now();
      let state = fanoutState();
      while (state.visible + state.inFlight + state.delayed > 0 && performance.now() - started < timeoutMs) {
        await new Promise((r) => setTimeout(r, 100));
        state = fanoutState();
      }
      return { state, ms: performance.now() - started };
    },
    startProfile,
    stopProfile,
  },
  async () => {
    adminPlane.destroy();
    workerPlane.destroy();
    await stack.close();
  },
);
