/**
 * The whole backend on one machine, as it deploys: the local stage is synthesized from infra/ (the same stack, the
 * same function bundles as `npm run deploy`), and the emulator applies that Terraform JSON: roles and policies, the IoT
 * policy and topic rule, the user pool and identity pool, tables, queues and event source mappings, each function with
 * exactly its synthesized environment, timeout and memory, and the HTTP API's routes. What only the local stack adds is
 * the local overlay (local/overlay.ts): the app token issuer, demo users and rooms, and local-only routes.
 * With `dataDir`, rooms, history, Cognito users and signing keys survive a restart; without it (tests), all is in memory.
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { WebConfig } from '../core/contracts/web-config.js';
import { resourceName } from '../core/deployment.js';
import type { RateLimit } from '../functions/catalog.js';
import { FANOUT_QUEUE, JOBS_QUEUE, PRESENCE_EVENTS_QUEUE } from '../functions/catalog.js';
import type { InfraConfig } from '../infra/config.js';
import { type DataFolderLock, lockDataFolder } from './data-folder-lock.js';
import { type AppliedStack, applyStack } from './deploy/apply.js';
import { synthesizeCached } from './deploy/synth-cache.js';
import { parseTerraformJson } from './deploy/terraform-json.js';
import type { LocalBounds } from './emulator/config.js';
import { type RunningEmulator, startEmulator } from './emulator/emulator.js';
import type { EmulatorLogger } from './emulator/log.js';
import type { IotLimits } from './emulator/mqtt/limits.js';
import type { FunctionLogLevel } from './emulator/services/lambda/function-logs.js';
import type { StandardQueue } from './emulator/services/sqs/queue.js';
import { LOCAL_ADMIN_USER, LOCAL_DEPLOYMENT, LOCAL_TOKEN_AUDIENCE, LOCAL_TOKEN_ISSUER } from './local-deployment.js';
import { applyLocalOverlay, type LocalOverlay } from './overlay.js';
import type { RunningLocalDynamoDb } from './store/dynalite.js';
import { startLocalDynamoDbThread } from './store/store-thread.js';
import { type RunningWeb, startWebServer } from './web/server.js';

export interface LocalStackOptions {
  host?: string;
  emulatorPort: number;
  apiPort: number;
  corsOrigins: string[];
  logger: EmulatorLogger;
  advertisedHost?: string;
  limits?: Partial<IotLimits>;
  bounds?: Partial<LocalBounds>;
  /** Where rooms, history and signing keys are kept (`.local` for `npm start`); in memory when absent. */
  dataDir?: string;
  /**
   * Keep the local DynamoDB in memory even with a dataDir (tests and benches where persistence is not the point: no
   * LevelDB work per request). By default the store is kept in `<dataDir>/dynamodb` when there is a dataDir.
   */
  storeInMemory?: boolean;
  /** Lifetime of credentials vended by /credentials (900-3600 in AWS): the stage's CREDENTIALS_DURATION_SECONDS. */
  credentialsDurationSeconds?: number;
  /** Local testing knob: caps every temporary credential's lifetime (see EmulatorOptions). */
  credentialLifetimeCapSeconds?: number;
  /**
   * Delay before a failed queue message is retried. Deployed, a failed message waits out the rest of its queue's
   * visibility timeout (6x the worker's timeout); locally the event source mapping shortens that, as
   * ChangeMessageVisibility would. Also the delay between retries of asynchronous invocations.
   */
  jobRetryDelayMs?: number;
  /** Testing knob: one per-user limit for every write route instead of the catalog's; `{ requests: 0 }` turns it off. */
  rateLimit?: RateLimit;
  /** Rooms up to this size are published by the messages function itself (DIRECT_FANOUT_MAX). */
  directFanoutMax?: number;
  /** The HTTP API stage's throttle (API_BURST_LIMIT, API_RATE_LIMIT); load tests raise it. */
  apiThrottle?: { burstLimit: number; rateLimit: number };
  /** Level of the functions' log lines shown on the emulator's log (they always log as deployed). */
  functionLogLevel?: FunctionLogLevel;
  /** Execution environments at most across all functions (the account's concurrency, locally). */
  maxLambdaEnvironments?: number;
  /** Serve the web demo too: Vite dev server or the production build. */
  web?: { port: number; mode: 'dev' | 'static' };
}

export interface LocalStack {
  emulator: RunningEmulator;
  /** The HTTP API (API Gateway) and the local overlay's routes, on their own port. */
  api: { url: string; port: number };
  store: RunningLocalDynamoDb;
  /** The synthesized stack as the emulator applied it: resources, attributes, outputs. */
  applied: AppliedStack;
  /** Where the synthesized stack is (cdk.tf.json and assets). */
  stackDir: string;
  issuers: LocalOverlay['issuers'];
  /** The local Cognito user pool: its id, app client and `iss`. */
  userPool: { id: string; clientId: string; issuer: string };
  /** The stage's work queues and their dead-letter queues. */
  queues: Record<'jobs' | 'fanout' | 'presenceEvents', { queue: StandardQueue; deadLetters: StandardQueue }>;
  /** What the functions counted (publishes, fan-out recipients, denials): their EMF metrics, summed as CloudWatch would. */
  readonly metrics: Readonly<Record<string, number>>;
  web: RunningWeb | undefined;
  /** What the web demo reads from /config.json. */
  webConfig: WebConfig;
  /** Resolves when no asynchronous invocation or queue batch is running (tests). */
  idle(): Promise<void>;
  /**
   * Local fault injection (bench:soak): stops the local DynamoDB, waits `downMs`, then starts it again on the same data
   * folder and port, so the emulator's DynamoDB front keeps its upstream URL; meanwhile every request to the store
   * fails as against an unreachable one. Needs `dataDir`: an in-memory store would come back empty.
   */
  restartStore(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The local stage's configuration: what `npm run synth` would read from the environment for a stage named `local`. */
export function localInfraConfig(
  options: Pick<LocalStackOptions, 'corsOrigins' | 'credentialsDurationSeconds' | 'rateLimit' | 'directFanoutMax' | 'apiThrottle'>,
): Omit<InfraConfig, 'functionsDir'> {
  return {
    app: LOCAL_DEPLOYMENT.app,
    stage: LOCAL_DEPLOYMENT.stage,
    region: LOCAL_DEPLOYMENT.region,
    development: true,
    webOrigins: options.corsOrigins,
    allowGuests: true,
    hostWebDemo: false,
    // The local issuer: a stable name (the overlay maps its host to the local API), so the JSON does not name a port.
    appToken: {
      issuer: LOCAL_TOKEN_ISSUER,
      jwksUrl: `${LOCAL_TOKEN_ISSUER}/.well-known/jwks.json`,
      audience: LOCAL_TOKEN_AUDIENCE,
      maxAgeSeconds: 86_400,
      types: ['JWT', 'at+jwt'],
      clockToleranceSeconds: 60,
    },
    credentialsDurationSeconds: options.credentialsDurationSeconds ?? 3600,
    logRetentionDays: 1,
    throttle: options.apiThrottle ?? { burstLimit: 100, rateLimit: 50 },
    alarms: {},
    ...(options.rateLimit ? { rateLimitOverride: options.rateLimit } : {}),
    ...(options.directFanoutMax !== undefined ? { directFanoutMax: options.directFanoutMax } : {}),
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const apiPort = options.apiPort || (await freePort(host));
  const apiUrl = `http://${host}:${apiPort}`;
  const dataFile = (name: string) => (options.dataDir ? join(options.dataDir, name) : undefined);
  if (options.dataDir) checkDataLayout(options.dataDir);
  const lock = options.dataDir ? lockDataFolder(options.dataDir) : undefined;
  try {
    return await startOn({ options, host, apiPort, apiUrl, dataFile, lock });
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function startOn({
  options,
  host,
  apiPort,
  apiUrl,
  dataFile,
  lock,
}: {
  options: LocalStackOptions;
  host: string;
  apiPort: number;
  apiUrl: string;
  dataFile: (name: string) => string | undefined;
  lock: DataFolderLock | undefined;
}): Promise<LocalStack> {
  const synth = synthesizeCached(localInfraConfig(options));
  // The store runs on its own thread (store/store-thread.ts), off the emulator's loop.
  const storePath = options.storeInMemory ? undefined : dataFile('dynamodb');
  const onStoreError = (error: Error) =>
    options.logger.log({
      level: 'error',
      message: 'the local DynamoDB failed; requests to it fail until the stack restarts',
      error: error.stack ?? error.message,
    });
  let store = await startLocalDynamoDbThread({ ...withPath(storePath), onError: onStoreError });
  const emulator = await startEmulator({
    account: { region: LOCAL_DEPLOYMENT.region, accountId: LOCAL_DEPLOYMENT.accountId, users: [LOCAL_ADMIN_USER] },
    logger: options.logger,
    host,
    port: options.emulatorPort,
    advertisedHost: options.advertisedHost ?? 'localhost',
    // The emulator refuses browser origins it was not given, like the local API.
    allowedOrigins: options.corsOrigins,
    dynamoDbUpstreamUrl: store.url,
    httpApi: { port: apiPort, allowedBrowserOrigins: options.corsOrigins },
    lambda: {
      ...(options.dataDir ? { codeDir: join(options.dataDir, 'lambda') } : {}),
      ...(options.jobRetryDelayMs !== undefined ? { asyncRetryDelayMs: options.jobRetryDelayMs } : {}),
      ...(options.functionLogLevel ? { showLogLevel: options.functionLogLevel } : {}),
      ...(options.maxLambdaEnvironments ? { maxEnvironments: options.maxLambdaEnvironments } : {}),
    },
    // The functions fetch the local issuer's JWKS under its stable name: it is served by the local API.
    networkMap: { [new URL(LOCAL_TOKEN_ISSUER).host]: apiUrl },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.bounds ? { bounds: options.bounds } : {}),
    ...(options.credentialLifetimeCapSeconds ? { credentialLifetimeCapSeconds: options.credentialLifetimeCapSeconds } : {}),
  });
  try {
    const { stackDir } = await synth;
    const applied = await applyStack(parseTerraformJson(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')), {
      emulator,
      stackDir,
      options: { sqsFailureVisibilityMs: options.jobRetryDelayMs ?? 2000 },
    });
    const overlay = await applyLocalOverlay({ emulator, applied, storeUrl: store.url, keyFile: dataFile('app-token-key.json') });
    const userPoolId = String(applied.outputs.user_pool_id);
    const userPoolClientId = String(applied.outputs.user_pool_client_id);
    const webConfig: WebConfig = {
      ...(applied.outputs.web_config as WebConfig),
      mode: 'local',
      apiUrl: emulator.httpApi!.url,
      identityPoolEndpoint: emulator.url,
      userPoolEndpoint: emulator.url,
      emulatorMqttUrl: emulator.mqttUrl,
      ...overlay.webConfig,
    };
    const web = options.web ? await startWebServer({ host, port: options.web.port, mode: options.web.mode, config: webConfig }) : undefined;
    const queue = (purpose: string) => {
      const name = resourceName(LOCAL_DEPLOYMENT, purpose);
      return { queue: emulator.sqs.queueByName(name)!, deadLetters: emulator.sqs.queueByName(`${name}-dlq`)! };
    };
    return {
      emulator,
      api: { url: emulator.httpApi!.url, port: apiPort },
      get store() {
        return store;
      },
      applied,
      stackDir,
      issuers: overlay.issuers,
      userPool: { id: userPoolId, clientId: userPoolClientId, issuer: emulator.userPools.issuer(userPoolId) },
      queues: { jobs: queue(JOBS_QUEUE.purpose), fanout: queue(FANOUT_QUEUE.purpose), presenceEvents: queue(PRESENCE_EVENTS_QUEUE.purpose) },
      get metrics() {
        return emulator.lambda.logs.metrics;
      },
      web,
      webConfig,
      idle: () => emulator.lambda.idle(),
      async restartStore(downMs = 0) {
        const path = storePath;
        if (path === undefined)
          throw new Error('restartStore needs a stack started with dataDir (and without storeInMemory): an in-memory store would lose its tables');
        if (!Number.isInteger(downMs) || downMs < 0) throw new Error(`restartStore: downMs must be a non-negative integer, got ${downMs}`);
        const { port } = store;
        await store.close();
        await new Promise((resolve) => setTimeout(resolve, downMs));
        store = await startLocalDynamoDbThread({ path, port, onError: onStoreError });
      },
      async close() {
        await web?.close();
        await emulator.close();
        overlay.close();
        await store.close();
        lock?.release();
      },
    };
  } catch (error) {
    await emulator.close();
    await store.close();
    throw error;
  }
}

/**
 * The layout of what a data folder holds (table keys and item shapes, the user pools' file): a folder written by an
 * older layout is refused with what to do, instead of serving rooms it can no longer read. Bump it with a layout change.
 */
export const DATA_LAYOUT_VERSION = 2;

function checkDataLayout(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'layout-version');
  const found = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : readdirSync(dataDir).length === 0 ? DATA_LAYOUT_VERSION : 1;
  if (found !== DATA_LAYOUT_VERSION)
    throw new LocalStackError(
      `the data folder ${dataDir} was written by an older version of iot-realtime (layout ${found}, this one reads ${DATA_LAYOUT_VERSION}): stop npm start, delete the folder (rm -rf ${dataDir}) and start again, or set LOCAL_DATA_DIR to another folder`,
    );
  writeFileSync(file, `${DATA_LAYOUT_VERSION}\n`);
}

/** The local stack cannot start, for a reason its message explains (a data folder, a port). */
export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
}

function withPath(path: string | undefined): { path?: string } {
  return path ? { path } : {};
}

/** A free TCP port on the host (the API's URL must be known before the emulator maps the issuer to it). */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
