/**
 * What the Lambda service does locally: gives each function its environment (as infra sets it, checked against the
 * same schemas the deployed entries use) and its own role's credentials, and builds it with the same factory the
 * deployed entry calls. So a function doing more than its role allows fails here as it would in AWS.
 */
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { FunctionName } from '../core/access/model.js';
import {
  AttachPolicyEnvSchema,
  BroadcastEnvSchema,
  CredentialsEnvSchema,
  FanoutWorkerEnvSchema,
  type FunctionEnvSchema,
  HealthEnvSchema,
  HistoryEnvSchema,
  JobsApiEnvSchema,
  JobsWorkerEnvSchema,
  MessagesEnvSchema,
  PresenceEnvSchema,
  PresenceEventsEnvSchema,
  RoomsEnvSchema,
} from '../core/contracts/function-env.js';
import { attachPolicyDependencies } from '../functions/attach-policy/aws.js';
import { createAttachPolicyHandler } from '../functions/attach-policy/handler.js';
import { broadcastDependencies } from '../functions/broadcast/aws.js';
import { createBroadcastHandler } from '../functions/broadcast/handler.js';
import { catalogVariables, functionDefinition, type RateLimit } from '../functions/catalog.js';
import { credentialsDependencies } from '../functions/credentials/aws.js';
import { createCredentialsHandler } from '../functions/credentials/handler.js';
import { fanoutWorkerDependencies } from '../functions/fanout/aws.js';
import { createFanoutWorkerHandler } from '../functions/fanout/worker-handler.js';
import { createHealthHandler } from '../functions/health/handler.js';
import { createJobsApiHandler } from '../functions/jobs/api-handler.js';
import { jobsApiDependencies, jobsWorkerDependencies } from '../functions/jobs/aws.js';
import { createJobsWorkerHandler } from '../functions/jobs/worker-handler.js';
import { historyDependencies, messagesDependencies } from '../functions/messages/aws.js';
import { createMessagesHandler } from '../functions/messages/handler.js';
import { createHistoryHandler } from '../functions/messages/history-handler.js';
import { presenceDependencies, presenceEventsDependencies } from '../functions/presence/aws.js';
import { createPresenceEventsHandler } from '../functions/presence/events-handler.js';
import { createPresenceHandler } from '../functions/presence/handler.js';
import { roomsDependencies } from '../functions/rooms/aws.js';
import { createRoomsHandler } from '../functions/rooms/handler.js';
import { readConfig } from '../functions/shared/config.js';
import { createLogger, type LogLevel } from '../functions/shared/logger.js';
import type { AppMetrics } from '../functions/shared/metrics.js';
import type { FanoutQueue, JobQueue } from '../functions/shared/ports.js';
import type { FunctionRuntime } from '../functions/shared/runtime.js';
import type { HttpLambda } from './api/gateway.js';
import type { RunningEmulator } from './emulator/emulator.js';
import { LOCAL_ACCESS_MODEL, LOCAL_DEPLOYMENT } from './local-deployment.js';

export type SqsLambda = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
/** A function invoked asynchronously with an event it checks itself (IoT rule actions). */
export type EventLambda = (event: unknown, context: Context) => Promise<void>;

export interface LocalFunctions {
  http: Partial<Record<FunctionName, HttpLambda>>;
  jobsWorker: SqsLambda;
  fanoutWorker: SqsLambda;
  /** Targets of IoT topic rules' Lambda actions (core/iot-rules.ts), by function name. */
  ruleTargets: Partial<Record<FunctionName, EventLambda>>;
}

export interface LocalFunctionsOptions {
  emulator: RunningEmulator;
  /** The stage-wide environment variables, as infra sets them; each function adds its catalog entry's own. */
  environment: Readonly<Record<string, string>>;
  /** The in-process queues stand in for SQS (no SQS emulation). */
  jobQueue: JobQueue;
  fanoutQueue: FanoutQueue;
  logLevel?: LogLevel;
  /** Where the functions count (deployed: powertools EMF; here: memory). */
  metrics: AppMetrics;
  /** Testing knob: one per-user limit for every rate-limited function instead of the catalog's ({ requests: 0 }: off). */
  rateLimit?: RateLimit;
}

/** The role credentials the Lambda service hands a function, refreshed before they expire. */
function roleCredentials(emulator: RunningEmulator, fn: FunctionName): () => Promise<AwsCredentialIdentity> {
  const role = LOCAL_ACCESS_MODEL.functionRoles[fn];
  return async () => {
    const issued = emulator.account.startServiceRoleSession(role, 'lambda.amazonaws.com', `${role.name}-local`, new Date(Date.now() + 3_600_000));
    return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken!, expiration: issued.expiration! };
  };
}

export function buildLocalFunctions(options: LocalFunctionsOptions): LocalFunctions {
  const { emulator, environment, logLevel } = options;
  const overrides = options.rateLimit ? { rateLimit: options.rateLimit } : {};
  // As infra does: the stage-wide variables plus the function's own from its catalog entry.
  const config = <S extends FunctionEnvSchema>(schema: S, fn: FunctionName) =>
    readConfig(schema, { ...environment, ...catalogVariables(functionDefinition(fn), overrides) }, `${fn} function`);
  const aws = (fn: FunctionName) => ({ region: LOCAL_DEPLOYMENT.region, endpoint: emulator.url, credentials: roleCredentials(emulator, fn) });
  const runtime: FunctionRuntime = { metrics: options.metrics, ...(logLevel ? { logLevel } : {}) };
  const http: Partial<Record<FunctionName, HttpLambda>> = {
    credentials: createCredentialsHandler(credentialsDependencies(config(CredentialsEnvSchema, 'credentials'), aws('credentials'), runtime)) as HttpLambda,
    rooms: createRoomsHandler(roomsDependencies(config(RoomsEnvSchema, 'rooms'), aws('rooms'), runtime)) as HttpLambda,
    messages: createMessagesHandler({
      ...messagesDependencies(config(MessagesEnvSchema, 'messages'), aws('messages'), runtime),
      fanoutQueue: options.fanoutQueue,
    }) as HttpLambda,
    history: createHistoryHandler(historyDependencies(config(HistoryEnvSchema, 'history'), aws('history'), runtime)) as HttpLambda,
    jobs: createJobsApiHandler({ ...jobsApiDependencies(config(JobsApiEnvSchema, 'jobs'), aws('jobs'), runtime), queue: options.jobQueue }) as HttpLambda,
    'attach-policy': createAttachPolicyHandler(
      attachPolicyDependencies(config(AttachPolicyEnvSchema, 'attach-policy'), aws('attach-policy'), runtime),
    ) as HttpLambda,
    presence: createPresenceHandler(presenceDependencies(config(PresenceEnvSchema, 'presence'), aws('presence'), runtime)) as HttpLambda,
    broadcast: createBroadcastHandler(broadcastDependencies(config(BroadcastEnvSchema, 'broadcast'), aws('broadcast'), runtime)) as HttpLambda,
    health: createHealthHandler({ config: config(HealthEnvSchema, 'health'), logger: createLogger('health', logLevel) }) as HttpLambda,
  };
  return {
    http,
    jobsWorker: createJobsWorkerHandler(
      jobsWorkerDependencies(config(JobsWorkerEnvSchema, 'jobs-worker'), aws('jobs-worker'), runtime),
    ) as unknown as SqsLambda,
    fanoutWorker: createFanoutWorkerHandler(
      fanoutWorkerDependencies(config(FanoutWorkerEnvSchema, 'fanout-worker'), aws('fanout-worker'), runtime),
    ) as unknown as SqsLambda,
    ruleTargets: {
      'presence-events': createPresenceEventsHandler(
        presenceEventsDependencies(config(PresenceEventsEnvSchema, 'presence-events'), aws('presence-events'), runtime),
      ) as EventLambda,
    },
  };
}
