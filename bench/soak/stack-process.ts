/**
 * The local stack under soak, in its own process (forked by bench/soak.ts with --expose-gc), as `npm start` runs it
 * but with its data in a fresh temporary folder (the store restart needs one on disk; it is deleted at the end). It
 * answers the driver's requests for its memory, for a restart of its DynamoDB and for what it counted (dead letters,
 * queue depth, warnings and errors of the emulator, the functions' metrics). The MQTT outage is injected by the
 * driver over HTTP, at the emulator's own local knob.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { functionName } from '../../core/deployment.js';
import { consoleLogger, type EmulatorLogger } from '../../local/emulator/log.js';
import { IOT_CORE_LIMITS } from '../../local/emulator/mqtt/limits.js';
import type { FunctionLogLevel } from '../../local/emulator/services/lambda/function-logs.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { startLocalStack } from '../../local/stack.js';
import { startProfile, stopProfile } from '../cpu-profile.js';
import { type CpuTime, cpuTime } from '../cpu-time.js';
import { serveIpc } from '../fanout/ipc.js';
import type { MemorySample } from './memory.js';

export interface SoakStackInfo {
  apiUrl: string;
  emulatorUrl: string;
  /** The local user pool's app client (the hostile run's SRP sign-ins go to it). */
  userPoolClientId: string;
}

export interface StackCounters {
  /** Invocations of the presence rule's function so far (each a batch of lifecycle events from its queue), and its errors. */
  presenceInvocations: number;
  presenceErrors: number;
  fanoutDeadLetters: number;
  jobsDeadLetters: number;
  fanoutDepth: number;
  connectedClients: number;
  absentPersistentSessions: number;
  metrics: Record<string, number>;
  /** `<level> <message>` of the emulator's warnings and errors, and how often each was logged. */
  logged: Record<string, number>;
}

export type SoakStackProtocol = {
  /** `gc`: run a full collection first (the process runs with --expose-gc), so the heap is the live one. */
  memory: { args: { gc: boolean }; result: MemorySample };
  /** Stops the store, waits `downMs`, starts it again on the same folder and port; resolves with how long it took. */
  restartStore: { args: { downMs: number }; result: { ms: number } };
  counters: { args: null; result: StackCounters };
  /** Resolves once the topic rules' function invocations (presence) in flight and the fan-out queue are done. */
  settle: { args: null; result: { ms: number } };
  /**
   * CPU time used so far, in ms: by the whole process (every thread: the functions' workers too) and by its main
   * thread alone (the emulator, broker and store), which is what a reconnect storm queues on. The main thread's is read
   * from Linux's /proc (undefined elsewhere).
   */
  cpu: { args: null; result: CpuTime };
  /** A CPU profile of the stack's main thread (BENCH_CPU_PROF_DIR): from now until stopProfile. */
  startProfile: { args: null; result: null };
  /** Writes the profile (.cpuprofile, for Chrome DevTools) to `file`, an absolute path; returns it. */
  stopProfile: { args: { file: string }; result: string };
};

/** How many lines of each kind are echoed to stderr; the rest are only counted (a store restart logs one per request). */
const ECHOED_PER_MESSAGE = 3;

/** The emulator's warnings and errors, counted by message and echoed a few times each. */
function tallyingLogger(echo: EmulatorLogger): EmulatorLogger & { tallies: Map<string, number> } {
  const tallies = new Map<string, number>();
  return {
    tallies,
    log(entry) {
      // The broker logs why it closed a client at debug level: counted too, as those explain drops.
      if (entry.level !== 'warn' && entry.level !== 'error' && entry.message !== 'mqtt client error') return;
      // By reason, with the ids in it (users, ports, counts) blanked so that one reason is one line.
      const reason = entry.error === undefined ? '' : ` (${String(entry.error).replace(/[\w.:-]*\d[\w.:-]*/g, '#')})`;
      const key = `${entry.level} ${entry.message}${reason}`;
      const count = (tallies.get(key) ?? 0) + 1;
      tallies.set(key, count);
      if (count <= ECHOED_PER_MESSAGE) echo.log(entry);
    },
  };
}

const directFanoutMax = process.env.BENCH_SOAK_DIRECT_FANOUT_MAX;
/**
 * Every connection keeps a persistent session, so the emulator's local bounds on them (LOCAL_IOT_MAX_PERSISTENT_SESSIONS,
 * 5000 in all, and _PER_USER, 20; sessions.ts) must hold the run's: the driver passes how many connections and tabs a
 * user it opens, and the bounds are raised to them when they are higher (never lowered).
 */
const sessionsNeeded = Number(process.env.BENCH_SOAK_SESSIONS ?? 0);
const sessionsPerUserNeeded = Number(process.env.BENCH_SOAK_SESSIONS_PER_USER ?? 0);
const dataDir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
const logger = tallyingLogger(consoleLogger({ minLevel: 'warn', stream: process.stderr }));
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('bench/soak/stack-process.ts needs --expose-gc (bench/soak.ts passes it)');

/**
 * As in bench:fanout, IoT's per-connection throttles are off because they are caps by design, not costs (a member's
 * connection gets every message of its room plus presence changes, in bursts after an outage). The app's per-user
 * limits are off too (BENCH_SOAK_HOSTILE=off), except in the hostile runs (baseline and attack), which keep the
 * catalog's, as deployed: they are what a hostile user meets (each normal user posts a few messages a minute, within
 * them). There the stage's throttle (one bucket for all callers, 50/s by default) is raised: it is not per user, so one
 * flooding user would simply use it up for everyone, which says nothing about the stack. (A per-client guard belongs in
 * front of it: AWS WAF rate-based rules, which protect REST APIs, CloudFront and Cognito user pools but not HTTP APIs,
 * so a CloudFront distribution in front of the API; AWS WAF API reference, "Protected resource types".)
 */
const hostile = process.env.BENCH_SOAK_HOSTILE === 'baseline' || process.env.BENCH_SOAK_HOSTILE === 'attack';
/** BENCH_SOAK_FUNCTION_LOG_LEVEL (e.g. ERROR): the functions' log lines shown on the stack's stderr, to see why they failed. */
const LOG_LEVELS: readonly FunctionLogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'];
const functionLogLevel = (process.env.BENCH_SOAK_FUNCTION_LOG_LEVEL ?? 'SILENT') as FunctionLogLevel;
if (!LOG_LEVELS.includes(functionLogLevel)) throw new Error(`BENCH_SOAK_FUNCTION_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
const stack = await startLocalStack({
  emulatorPort: 0,
  apiPort: 0,
  corsOrigins: [],
  logger,
  dataDir,
  functionLogLevel,
  limits: {
    publishesPerSecondPerConnection: 0,
    bytesPerSecondPerConnection: 0,
    maxPersistentSessions: Math.max(IOT_CORE_LIMITS.maxPersistentSessions, sessionsNeeded),
    maxPersistentSessionsPerUser: Math.max(IOT_CORE_LIMITS.maxPersistentSessionsPerUser, sessionsPerUserNeeded),
  },
  ...(hostile ? {} : { rateLimit: { requests: 0, windowSeconds: 60 } }),
  // The HTTP API stage's throttle (50 requests/s by default, as deployed) is not what is measured either.
  apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
  ...(directFanoutMax ? { directFanoutMax: Number(directFanoutMax) } : {}),
});

function sample(afterGc: boolean): MemorySample {
  const m = process.memoryUsage();
  return { at: performance.timeOrigin + performance.now(), rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, afterGc };
}

serveIpc<SoakStackProtocol>(
  { apiUrl: stack.api.url, emulatorUrl: stack.emulator.url, userPoolClientId: stack.userPool.clientId } satisfies SoakStackInfo,
  {
    async memory({ gc: collect }) {
      if (collect) gc();
      return sample(collect);
    },
    async restartStore({ downMs }) {
      const started = performance.now();
      await stack.restartStore(downMs);
      return { ms: performance.now() - started };
    },
    async settle() {
      const started = performance.now();
      do {
        await stack.idle();
        await new Promise((resolve) => setTimeout(resolve, 200));
      } while (stack.queues.fanout.queue.depth > 0);
      return { ms: performance.now() - started };
    },
    async cpu() {
      return cpuTime();
    },
    startProfile,
    stopProfile,
    async counters() {
      const usage = stack.emulator.broker.usage;
      const presence = stack.emulator.lambda.stats(functionName(LOCAL_DEPLOYMENT, 'presence-events'));
      return {
        presenceInvocations: presence.invocations,
        presenceErrors: presence.errors,
        fanoutDeadLetters: stack.queues.fanout.deadLetters.depth,
        jobsDeadLetters: stack.queues.jobs.deadLetters.depth,
        fanoutDepth: stack.queues.fanout.queue.depth,
        connectedClients: usage.connectedClients,
        absentPersistentSessions: usage.absentPersistentSessions,
        metrics: { ...stack.metrics } as Record<string, number>,
        logged: Object.fromEntries(logger.tallies),
      };
    },
  },
  async () => {
    try {
      await stack.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
);
