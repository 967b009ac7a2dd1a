/**
 * The local stack bench:e2e measures, in its own process (forked by bench/e2e.ts): startLocalStack as `npm start`
 * builds it (emulator with SigV4 and IAM everywhere, the functions in their own workers with their own roles, DynamoDB
 * through the emulator's IAM front to the store on its own thread), with the bench's settings:
 * - the store in memory (BENCH_E2E_STORE=disk keeps it in a temporary data folder, as `npm start` does in `.local`);
 * - caps that would be measured instead of the path, raised for the bench only (BENCH_STACK_SETTINGS below): the HTTP
 *   API stage's throttle, the account's Lambda environments, IoT's per-connection publish throttle, the per-user
 *   write limit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLogger } from '../../local/emulator/log.js';
import { startLocalStack } from '../../local/stack.js';
import { type CpuTime, cpuTime } from '../cpu-time.js';
import { serveIpc } from '../fanout/ipc.js';
import { BENCH_STACK_SETTINGS } from '../stack-settings.js';

export interface E2eStackInfo {
  apiUrl: string;
  emulatorUrl: string;
  /** What the stack was started with, as the bench prints it. */
  settings: string[];
}

export type E2eStackProtocol = { cpu: { args: null; result: CpuTime } };

const store = process.env.BENCH_E2E_STORE ?? 'memory';
if (store !== 'memory' && store !== 'disk') throw new Error(`BENCH_E2E_STORE must be "memory" or "disk", got ${JSON.stringify(store)}`);
const dataDir = store === 'disk' ? mkdtempSync(join(tmpdir(), 'bench-e2e-')) : undefined;

const stack = await startLocalStack({
  emulatorPort: 0,
  apiPort: 0,
  corsOrigins: [],
  logger: consoleLogger({ minLevel: 'warn', stream: process.stderr }),
  functionLogLevel: 'WARN',
  ...(dataDir ? { dataDir } : {}),
  limits: { publishesPerSecondPerConnection: 0 },
  rateLimit: { requests: 0, windowSeconds: 60 },
  ...BENCH_STACK_SETTINGS,
});

serveIpc<E2eStackProtocol>(
  {
    apiUrl: stack.api.url,
    emulatorUrl: stack.emulator.url,
    settings: [
      `store: ${dataDir ? 'LevelDB in a temporary data folder' : 'in memory'}, on its own thread`,
      `HTTP API stage throttle ${BENCH_STACK_SETTINGS.apiThrottle.burstLimit} burst / ${BENCH_STACK_SETTINGS.apiThrottle.rateLimit} per s (deployed: 100 / 50)`,
      `Lambda execution environments at most ${BENCH_STACK_SETTINGS.maxLambdaEnvironments} (local default 64)`,
      'IoT per-connection publish throttle off (100/s in IoT Core), per-user write limit off',
    ],
  } satisfies E2eStackInfo,
  {
    async cpu() {
      return cpuTime();
    },
  },
  async () => {
    await stack.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
);
