/**
 * The whole backend on one machine: the emulator (IoT Core, STS, Cognito Identity), the Lambdas served by the local
 * HTTP API, the in-process jobs queue and the local token issuer. Each function runs with credentials of its own
 * role from the access model, so a function doing more than its role allows fails here as it would in AWS.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { SQSEvent } from 'aws-lambda';
import { createServer } from 'node:net';
import { accessModel, type FunctionName } from '../core/access/model.js';
import {
  AttachPolicyEnvSchema,
  CredentialsEnvSchema,
  type FunctionEnvSchema,
  HealthEnvSchema,
  JobsApiEnvSchema,
  JobsWorkerEnvSchema,
  MessagesEnvSchema,
} from '../core/contracts/function-env.js';
import type { WebConfig } from '../core/contracts/web-config.js';
import { attachPolicyDependencies } from '../functions/attach-policy/aws.js';
import { createAttachPolicyHandler } from '../functions/attach-policy/handler.js';
import { FUNCTIONS, JOBS_QUEUE } from '../functions/catalog.js';
import { credentialsDependencies } from '../functions/credentials/aws.js';
import { createCredentialsHandler } from '../functions/credentials/handler.js';
import { createHealthHandler } from '../functions/health/handler.js';
import { createJobsApiHandler } from '../functions/jobs/api-handler.js';
import { jobsApiDependencies, jobsWorkerDependencies } from '../functions/jobs/aws.js';
import { createJobsWorkerHandler } from '../functions/jobs/worker-handler.js';
import { messagesDependencies } from '../functions/messages/aws.js';
import { createMessagesHandler } from '../functions/messages/handler.js';
import { readConfig } from '../functions/shared/config.js';
import { createLogger, type LogLevel } from '../functions/shared/logger.js';
import { defaultAccountConfig } from './emulator/account/default-account.js';
import { startEmulator, type RunningEmulator } from './emulator/emulator.js';
import type { EmulatorLogger } from './emulator/log.js';
import type { IotLimits } from './emulator/mqtt/limits.js';
import { lambdaContext, startLocalApi, type HttpLambda, type LocalRoute, type RunningApi } from './api/gateway.js';
import { InProcessQueue } from './api/job-queue.js';
import { createLocalTokenIssuer, DEMO_USERS, type LocalTokenIssuer } from './api/token-issuer.js';
import { startWebServer, type RunningWeb } from './web/server.js';
import { LOCAL_DEPLOYMENT, LOCAL_IDENTITY_POOL_ID, LOCAL_JOB_QUEUE_ARN, LOCAL_TOKEN_AUDIENCE } from './local-deployment.js';

export interface LocalStackOptions {
  host?: string;
  emulatorPort: number;
  apiPort: number;
  corsOrigins: string[];
  logger: EmulatorLogger;
  advertisedHost?: string;
  limits?: Partial<IotLimits>;
  /** Lifetime of credentials vended by /credentials (900-3600 in AWS). */
  credentialsDurationSeconds?: number;
  /** Local testing knob: caps every temporary credential's lifetime (see EmulatorOptions). */
  credentialLifetimeCapSeconds?: number;
  /** Delay before a failed job is retried (SQS visibility timeout; short locally). */
  jobRetryDelayMs?: number;
  /** Level of the functions' JSON logs (powertools); unset: powertools' default (INFO). */
  functionLogLevel?: LogLevel;
  /** Serve the web demo too: Vite dev server or the production build. */
  web?: { port: number; mode: 'dev' | 'static' };
}

export interface LocalStack {
  emulator: RunningEmulator;
  api: RunningApi;
  jobs: InProcessQueue;
  tokenIssuer: LocalTokenIssuer;
  web: RunningWeb | undefined;
  /** What the web demo reads from /config.json. */
  webConfig: WebConfig;
  close(): Promise<void>;
}

/** What the Lambda service does for a function: hand it its role's credentials, refreshed before they expire. */
function roleCredentials(emulator: RunningEmulator, fn: FunctionName): () => Promise<AwsCredentialIdentity> {
  const role = model.functionRoles[fn];
  return async () => {
    const issued = emulator.account.startServiceRoleSession(role, 'lambda.amazonaws.com', `${role.name}-local`, new Date(Date.now() + 3_600_000));
    return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken!, expiration: issued.expiration! };
  };
}

const model = accessModel({ deployment: LOCAL_DEPLOYMENT, identityPoolId: LOCAL_IDENTITY_POOL_ID, jobQueueArn: LOCAL_JOB_QUEUE_ARN });

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  // The issuer URL names the API's port, so a free port (tests) is chosen before anything starts.
  const apiPort = options.apiPort || (await freePort(host));
  const apiUrl = `http://${host}:${apiPort}`;
  const emulator = await startEmulator({
    account: defaultAccountConfig({ tokenIssuerUrl: apiUrl }),
    logger: options.logger,
    host,
    port: options.emulatorPort,
    advertisedHost: options.advertisedHost ?? 'localhost',
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.credentialLifetimeCapSeconds ? { credentialLifetimeCapSeconds: options.credentialLifetimeCapSeconds } : {}),
  });
  const tokenIssuer = await createLocalTokenIssuer(apiUrl, LOCAL_TOKEN_AUDIENCE);

  // Each function's environment, as infra sets it in AWS, checked against the same schemas the deployed entries use.
  const environment: Record<string, string> = {
    APP_NAME: LOCAL_DEPLOYMENT.app,
    STAGE: LOCAL_DEPLOYMENT.stage,
    AWS_REGION: LOCAL_DEPLOYMENT.region,
    AWS_ACCOUNT_ID: LOCAL_DEPLOYMENT.accountId,
    APP_JWKS_URL: `${apiUrl}/.well-known/jwks.json`,
    APP_TOKEN_ISSUER: apiUrl,
    APP_TOKEN_AUDIENCE: LOCAL_TOKEN_AUDIENCE,
    IOT_ENDPOINT: emulator.advertisedHost,
    BROWSER_CLIENT_ROLE_ARN: model.browserClientRole.arn,
    CREDENTIALS_DURATION_SECONDS: String(options.credentialsDurationSeconds ?? 3600),
    JOBS_QUEUE_URL: `${emulator.url}/${LOCAL_DEPLOYMENT.accountId}/jobs`,
    JOBS_MAX_RECEIVE_COUNT: String(JOBS_QUEUE.maxReceiveCount),
    IDENTITY_POOL_ID: LOCAL_IDENTITY_POOL_ID,
    COGNITO_LOGINS_KEY: new URL(apiUrl).host,
    IOT_POLICY_NAME: model.cognitoUserIotPolicy.name,
  };
  const configOf = <S extends FunctionEnvSchema>(schema: S, fn: FunctionName) => readConfig(schema, environment, `${fn} function`);
  const aws = (fn: FunctionName) => ({ region: LOCAL_DEPLOYMENT.region, endpoint: emulator.url, credentials: roleCredentials(emulator, fn) });
  const logLevel = options.functionLogLevel;
  const jobs = new InProcessQueue({
    queueArn: LOCAL_JOB_QUEUE_ARN,
    region: LOCAL_DEPLOYMENT.region,
    maxReceiveCount: JOBS_QUEUE.maxReceiveCount,
    batchSize: JOBS_QUEUE.batchSize,
    retryDelayMs: options.jobRetryDelayMs ?? 2000,
    onDeadLetter: (m) => options.logger.log({ level: 'warn', message: 'job moved to the dead-letter queue', messageId: m.messageId, receiveCount: m.receiveCount }),
  });

  // The same factories the deployed entries call, with the local endpoint and each function's own role.
  const handlers: Partial<Record<FunctionName, HttpLambda>> = {
    credentials: createCredentialsHandler(credentialsDependencies(configOf(CredentialsEnvSchema, 'credentials'), aws('credentials'), logLevel)) as HttpLambda,
    messages: createMessagesHandler(messagesDependencies(configOf(MessagesEnvSchema, 'messages'), aws('messages'), logLevel)) as HttpLambda,
    jobs: createJobsApiHandler({ ...jobsApiDependencies(configOf(JobsApiEnvSchema, 'jobs'), aws('jobs'), logLevel), queue: jobs }) as HttpLambda,
    'attach-policy': createAttachPolicyHandler(attachPolicyDependencies(configOf(AttachPolicyEnvSchema, 'attach-policy'), aws('attach-policy'), logLevel)) as HttpLambda,
    health: createHealthHandler({ config: configOf(HealthEnvSchema, 'health'), logger: createLogger('health', logLevel) }) as HttpLambda,
  };
  const worker = createJobsWorkerHandler(jobsWorkerDependencies(configOf(JobsWorkerEnvSchema, 'jobs-worker'), aws('jobs-worker'), logLevel));
  const routes: LocalRoute[] = FUNCTIONS.flatMap((f) => {
    const handler = handlers[f.name];
    return f.route && handler ? [{ method: f.route.method, path: f.route.path, functionName: f.name, handler }] : [];
  });
  jobs.attach((event: SQSEvent) => worker(event, lambdaContext('jobs-worker', 60_000)));

  const api = await startLocalApi({ host, port: apiPort, routes, corsOrigins: options.corsOrigins, tokenIssuer, logger: options.logger });
  const webConfig: WebConfig = {
    mode: 'local',
    apiUrl: api.url,
    region: LOCAL_DEPLOYMENT.region,
    iotEndpoint: emulator.advertisedHost,
    identityPoolId: LOCAL_IDENTITY_POOL_ID,
    identityPoolEndpoint: emulator.url,
    emulatorMqttUrl: emulator.mqttUrl,
    allowGuests: true,
    topicPrefix: `${LOCAL_DEPLOYMENT.app}/${LOCAL_DEPLOYMENT.stage}`,
    demoUsers: Object.entries(DEMO_USERS).map(([id, u]) => ({ id, name: u.name, rooms: u.rooms })),
  };
  const web = options.web ? await startWebServer({ host, port: options.web.port, mode: options.web.mode, config: webConfig }) : undefined;
  return {
    emulator,
    api,
    jobs,
    tokenIssuer,
    web,
    webConfig,
    async close() {
      jobs.close();
      await web?.close();
      await api.close();
      await emulator.close();
    },
  };
}

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
