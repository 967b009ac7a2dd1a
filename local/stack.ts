/**
 * The whole backend on one machine: the emulator (IoT Core, STS, Cognito Identity, a Cognito user pool, and DynamoDB
 * with IAM in front of dynalite), the Lambdas served by the local HTTP API, in-process queues for jobs and room
 * fan-out, and the local app token issuer. With `dataDir`, rooms, history, Cognito users and signing keys survive a
 * restart; without it (tests), everything is in memory.
 */

import { createServer } from 'node:net';
import { join } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, paginateScan, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { SQSEvent } from 'aws-lambda';
import type { FunctionName } from '../core/access/model.js';
import type { WebConfig } from '../core/contracts/web-config.js';
import { TOPIC_RULES, topicRuleName } from '../core/iot-rules.js';
import { MEMBERSHIPS_TABLE, MESSAGES_TABLE, PRESENCE_TABLE, RATE_LIMITS_TABLE, TABLES, tableName } from '../core/store/tables.js';
import { FANOUT_QUEUE, FUNCTIONS, functionDefinition, JOBS_QUEUE, type QueueSettings, type RateLimit } from '../functions/catalog.js';
import { DynamoRoomStore } from '../functions/shared/dynamo-room-store.js';
import type { LogLevel } from '../functions/shared/logger.js';
import type { MetricName } from '../functions/shared/metric-names.js';
import { memoryMetrics } from '../functions/shared/metrics.js';
import type { FanoutQueue } from '../functions/shared/ports.js';
import { type HttpLambda, type LocalRoute, lambdaContext, type RunningApi, startLocalApi } from './api/gateway.js';
import { InProcessQueue } from './api/job-queue.js';
import { createLocalTokenIssuer, DEMO_USERS, type LocalTokenIssuer } from './api/token-issuer.js';
import { defaultAccountConfig } from './emulator/account/default-account.js';
import { type RunningEmulator, startEmulator } from './emulator/emulator.js';
import type { EmulatorLogger } from './emulator/log.js';
import type { IotLimits } from './emulator/mqtt/limits.js';
import { RulesEngine, type RuleTargetFunction } from './emulator/rules/engine.js';
import { userPoolConfig } from './emulator/services/cognito-user-pool/config.js';
import { DEMO_COGNITO_USERS, seedDemoCognitoUsers } from './emulator/services/cognito-user-pool/seed.js';
import { buildLocalFunctions } from './lambda-service.js';
import {
  LOCAL_ACCESS_MODEL,
  LOCAL_ADMIN_CREDENTIALS,
  LOCAL_DEPLOYMENT,
  LOCAL_FANOUT_QUEUE_ARN,
  LOCAL_IDENTITY_POOL_ID,
  LOCAL_JOB_QUEUE_ARN,
  LOCAL_TOKEN_AUDIENCE,
  LOCAL_USER_POOL_CLIENT_ID,
  LOCAL_USER_POOL_ID,
} from './local-deployment.js';
import { seedDemoRooms } from './seed.js';
import { createTables, type RunningLocalDynamoDb, startLocalDynamoDb } from './store/dynalite.js';
import { type RunningWeb, startWebServer } from './web/server.js';

export interface LocalStackOptions {
  host?: string;
  emulatorPort: number;
  apiPort: number;
  corsOrigins: string[];
  logger: EmulatorLogger;
  advertisedHost?: string;
  limits?: Partial<IotLimits>;
  /** Where rooms, history and signing keys are kept (`.local` for `npm start`); in memory when absent. */
  dataDir?: string;
  /** Lifetime of credentials vended by /credentials (900-3600 in AWS). */
  credentialsDurationSeconds?: number;
  /** Local testing knob: caps every temporary credential's lifetime (see EmulatorOptions). */
  credentialLifetimeCapSeconds?: number;
  /**
   * Delay before a failed queue message is retried. Deployed, a failed message waits out the rest of its queue's
   * visibility timeout (6x the worker's timeout); locally the queue shortens that, as ChangeMessageVisibility would.
   */
  jobRetryDelayMs?: number;
  /** Testing knob: one per-user limit for every write route instead of the catalog's; `{ requests: 0 }` turns it off. */
  rateLimit?: RateLimit;
  /** Rooms up to this size are published by the messages function itself (DIRECT_FANOUT_MAX). */
  directFanoutMax?: number;
  /** Level of the functions' JSON logs (powertools); unset: powertools' default (INFO). */
  functionLogLevel?: LogLevel;
  /** Serve the web demo too: Vite dev server or the production build. */
  web?: { port: number; mode: 'dev' | 'static' };
}

export interface LocalStack {
  emulator: RunningEmulator;
  api: RunningApi;
  store: RunningLocalDynamoDb;
  jobs: InProcessQueue;
  fanout: InProcessQueue;
  /** The IoT rules engine running the topic rules of core/iot-rules.ts (presence). */
  rules: RulesEngine;
  issuers: { app: LocalTokenIssuer };
  /** The local Cognito user pool: its id, app client and `iss`. */
  userPool: { id: string; clientId: string; issuer: string };
  /** What the functions counted (publishes, fan-out recipients, denials), as CloudWatch would sum it. */
  metrics: Readonly<Partial<Record<MetricName, number>>>;
  web: RunningWeb | undefined;
  /** What the web demo reads from /config.json. */
  webConfig: WebConfig;
  /**
   * Local fault injection (bench:soak): stops the local DynamoDB, waits `downMs`, then starts it again on the same data
   * folder and port, so the emulator's DynamoDB front keeps its upstream URL; meanwhile every request to the store
   * fails as against an unreachable one. Needs `dataDir`: an in-memory store would come back empty.
   */
  restartStore(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  // The issuers' URLs name the API's port, so a free port (tests) is chosen before anything starts.
  const apiPort = options.apiPort || (await freePort(host));
  const apiUrl = `http://${host}:${apiPort}`;
  // The user pool's issuer names the emulator's port, so it is chosen first too.
  const emulatorPort = options.emulatorPort || (await freePort(host));
  const userPoolIssuer = `http://${host}:${emulatorPort}/${LOCAL_USER_POOL_ID}`;
  const dataFile = (name: string) => (options.dataDir ? join(options.dataDir, name) : undefined);
  const issuers = { app: await createLocalTokenIssuer(apiUrl, LOCAL_TOKEN_AUDIENCE, withKeyFile(dataFile('app-token-key.json'))) };

  let store = await startLocalDynamoDb(withPath(dataFile('dynamodb')));
  const emulator = await startEmulator({
    account: defaultAccountConfig({ userPoolIssuerUrl: userPoolIssuer, userPoolClientId: LOCAL_USER_POOL_CLIENT_ID }),
    logger: options.logger,
    host,
    port: emulatorPort,
    advertisedHost: options.advertisedHost ?? 'localhost',
    // The emulator refuses browser origins it was not given, like the local API.
    allowedOrigins: options.corsOrigins,
    dynamoDbUpstreamUrl: store.url,
    // Demo users sign up in the page and confirm with the code the emulator logs (or are seeded, below).
    userPools: [userPoolConfig(LOCAL_USER_POOL_ID, LOCAL_USER_POOL_CLIENT_ID)],
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.credentialLifetimeCapSeconds ? { credentialLifetimeCapSeconds: options.credentialLifetimeCapSeconds } : {}),
  });

  // Tables from the same definitions infra deploys; the demo's memberships the first time.
  const admin = new DynamoDBClient({ region: LOCAL_DEPLOYMENT.region, endpoint: store.url, credentials: LOCAL_ADMIN_CREDENTIALS });
  await createTables(admin, LOCAL_DEPLOYMENT, TABLES);
  const memberships = tableName(LOCAL_DEPLOYMENT, MEMBERSHIPS_TABLE);
  const messages = tableName(LOCAL_DEPLOYMENT, MESSAGES_TABLE);
  const presence = tableName(LOCAL_DEPLOYMENT, PRESENCE_TABLE);
  // No MQTT connection survives a restart of the broker, so neither do the connections the last run recorded (their
  // disconnect events were never published).
  await clearTable(admin, presence, PRESENCE_TABLE.partitionKey.name);
  await seedDemoRooms(new DynamoRoomStore(admin, { membershipsTable: memberships, messagesTable: messages }));
  seedDemoCognitoUsers(emulator.userPools, LOCAL_USER_POOL_ID);
  const userPool = emulator.userPools.pool(LOCAL_USER_POOL_ID)!;

  // Each function's environment, as infra sets it in AWS.
  const environment: Record<string, string> = {
    APP_NAME: LOCAL_DEPLOYMENT.app,
    STAGE: LOCAL_DEPLOYMENT.stage,
    AWS_REGION: LOCAL_DEPLOYMENT.region,
    AWS_ACCOUNT_ID: LOCAL_DEPLOYMENT.accountId,
    APP_JWKS_URL: `${apiUrl}/.well-known/jwks.json`,
    APP_TOKEN_ISSUER: apiUrl,
    APP_TOKEN_AUDIENCE: LOCAL_TOKEN_AUDIENCE,
    COGNITO_USER_POOL_ISSUER: userPoolIssuer,
    COGNITO_USER_POOL_CLIENT_ID: LOCAL_USER_POOL_CLIENT_ID,
    IDENTITY_POOL_ID: LOCAL_IDENTITY_POOL_ID,
    IOT_ENDPOINT: emulator.advertisedHost,
    BROWSER_CLIENT_ROLE_ARN: LOCAL_ACCESS_MODEL.browserClientRole.arn,
    CREDENTIALS_DURATION_SECONDS: String(options.credentialsDurationSeconds ?? 3600),
    MEMBERSHIPS_TABLE_NAME: memberships,
    MESSAGES_TABLE_NAME: messages,
    RATE_LIMITS_TABLE_NAME: tableName(LOCAL_DEPLOYMENT, RATE_LIMITS_TABLE),
    PRESENCE_TABLE_NAME: presence,
    FANOUT_QUEUE_URL: `${emulator.url}/${LOCAL_DEPLOYMENT.accountId}/${FANOUT_QUEUE.purpose}`,
    ...(options.directFanoutMax !== undefined ? { DIRECT_FANOUT_MAX: String(options.directFanoutMax) } : {}),
    JOBS_QUEUE_URL: `${emulator.url}/${LOCAL_DEPLOYMENT.accountId}/${JOBS_QUEUE.purpose}`,
    JOBS_MAX_RECEIVE_COUNT: String(JOBS_QUEUE.maxReceiveCount),
    IOT_POLICY_NAME: LOCAL_ACCESS_MODEL.cognitoUserIotPolicy.name,
  };
  // The deployed queues' settings; only the retry of a failed message is shortened (see jobRetryDelayMs).
  const queue = (queueArn: string, settings: QueueSettings) =>
    new InProcessQueue({
      queueArn,
      region: LOCAL_DEPLOYMENT.region,
      maxReceiveCount: settings.maxReceiveCount,
      batchSize: settings.batchSize,
      visibilityTimeoutMs: settings.visibilityTimeoutSeconds * 1000,
      failureVisibilityMs: options.jobRetryDelayMs ?? 2000,
      onDeadLetter: (m) =>
        options.logger.log({
          level: 'warn',
          message: `${settings.purpose} message moved to the dead-letter queue`,
          messageId: m.messageId,
          receiveCount: m.receiveCount,
        }),
    });
  const jobs = queue(LOCAL_JOB_QUEUE_ARN, JOBS_QUEUE);
  const fanout = queue(LOCAL_FANOUT_QUEUE_ARN, FANOUT_QUEUE);
  const fanoutQueue: FanoutQueue = {
    send: async (tasks) => {
      for (const task of tasks) fanout.enqueue(JSON.stringify(task));
    },
  };

  const metrics = memoryMetrics();
  const functions = buildLocalFunctions({
    emulator,
    environment,
    jobQueue: jobs,
    fanoutQueue,
    metrics,
    ...(options.functionLogLevel ? { logLevel: options.functionLogLevel } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  // Each worker invocation gets its function's timeout, as Lambda gives it: the jobs worker plans its deadline on it.
  const timeoutMs = (name: FunctionName) => functionDefinition(name).timeoutSeconds * 1000;
  jobs.attach((event: SQSEvent) => functions.jobsWorker(event, lambdaContext(JOBS_QUEUE.consumer, timeoutMs(JOBS_QUEUE.consumer))));
  fanout.attach((event: SQSEvent) => functions.fanoutWorker(event, lambdaContext(FANOUT_QUEUE.consumer, timeoutMs(FANOUT_QUEUE.consumer))));
  // The topic rules infra deploys, run by the emulator's rules engine against the same functions.
  const ruleTargets: Record<string, RuleTargetFunction> = {};
  for (const name of Object.keys(functions.ruleTargets) as FunctionName[]) {
    const handler = functions.ruleTargets[name]!;
    ruleTargets[name] = (event) => handler(event, lambdaContext(name, timeoutMs(name)));
  }
  const rules = new RulesEngine({ source: emulator.broker, functions: ruleTargets, logger: options.logger });
  for (const rule of TOPIC_RULES)
    rules.createRule({ name: topicRuleName(LOCAL_DEPLOYMENT, rule), sql: rule.sql, sqlVersion: rule.sqlVersion, lambda: rule.lambda });
  const routes: LocalRoute[] = FUNCTIONS.flatMap((f) => {
    const handler: HttpLambda | undefined = functions.http[f.name];
    return handler ? (f.routes ?? []).map((r) => ({ method: r.method, path: r.path, functionName: f.name, handler })) : [];
  });

  const devIssuers = { ...issuers, cognitoIdToken: async (username: string) => (await userPool.devSignIn(LOCAL_USER_POOL_CLIENT_ID, username)).IdToken };
  const api = await startLocalApi({ host, port: apiPort, routes, corsOrigins: options.corsOrigins, issuers: devIssuers, logger: options.logger });
  const webConfig: WebConfig = {
    mode: 'local',
    apiUrl: api.url,
    region: LOCAL_DEPLOYMENT.region,
    iotEndpoint: emulator.advertisedHost,
    identityPoolId: LOCAL_IDENTITY_POOL_ID,
    identityPoolEndpoint: emulator.url,
    userPoolId: LOCAL_USER_POOL_ID,
    userPoolClientId: LOCAL_USER_POOL_CLIENT_ID,
    userPoolEndpoint: emulator.url,
    emulatorMqttUrl: emulator.mqttUrl,
    allowGuests: true,
    topicPrefix: `${LOCAL_DEPLOYMENT.app}/${LOCAL_DEPLOYMENT.stage}`,
    demoUsers: Object.entries(DEMO_USERS).map(([id, u]) => ({ id, name: u.name })),
    demoCognitoUsers: DEMO_COGNITO_USERS.map(({ username, password }) => ({ username, password })),
  };
  const web = options.web ? await startWebServer({ host, port: options.web.port, mode: options.web.mode, config: webConfig }) : undefined;
  return {
    emulator,
    api,
    get store() {
      return store;
    },
    jobs,
    fanout,
    rules,
    issuers,
    userPool: { id: LOCAL_USER_POOL_ID, clientId: LOCAL_USER_POOL_CLIENT_ID, issuer: userPoolIssuer },
    metrics: metrics.totals,
    web,
    webConfig,
    async restartStore(downMs = 0) {
      const path = dataFile('dynamodb');
      if (path === undefined) throw new Error('restartStore needs a stack started with dataDir: an in-memory store would lose its tables');
      if (!Number.isInteger(downMs) || downMs < 0) throw new Error(`restartStore: downMs must be a non-negative integer, got ${downMs}`);
      const { port } = store;
      await store.close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      store = await startLocalDynamoDb({ path, port });
    },
    async close() {
      // First: the disconnect events of the broker's closing connections must not start functions on a closed stack.
      await rules.close();
      jobs.close();
      fanout.close();
      await web?.close();
      await api.close();
      await emulator.close();
      admin.destroy();
      await store.close();
    },
  };
}

/** Deletes every item of a table with a partition key only (DynamoDB: BatchWriteItem takes at most 25 requests). */
async function clearTable(client: DynamoDBClient, table: string, key: string): Promise<void> {
  for await (const page of paginateScan({ client }, { TableName: table, ProjectionExpression: '#key', ExpressionAttributeNames: { '#key': key } })) {
    const items = page.Items ?? [];
    for (let i = 0; i < items.length; i += 25) {
      let pending: Record<string, WriteRequest[]> = { [table]: items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { [key]: item[key]! } } })) };
      while (Object.keys(pending).length > 0) pending = (await client.send(new BatchWriteItemCommand({ RequestItems: pending }))).UnprocessedItems ?? {};
    }
  }
}

const withKeyFile = (keyFile: string | undefined) => (keyFile ? { keyFile } : {});
const withPath = (path: string | undefined) => (path ? { path } : {});

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
