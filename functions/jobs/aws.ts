/** The jobs functions' AWS dependencies, built from their config (the deployed entries and the local stack). */
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgeNotifier } from '@iot-realtime/realtime-server';
import type { JobsApiEnv, JobsWorkerEnv } from '../../core/contracts/function-env.js';
import { JOB_COMPLETED_NOTIFICATION, type JobCompletedData } from '../../core/contracts/jobs.js';
import { newSortableId } from '../../core/ids.js';
import { functionDefinition } from '../catalog.js';
import { appTokenVerifierFromConfig } from '../shared/app-token.js';
import { IotDataPublisher, SqsJobQueue } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { DynamoIdempotencyStore } from '../shared/dynamo-idempotency-store.js';
import { rateLimiterFromConfig } from '../shared/dynamo-rate-limiter.js';
import { createLogger } from '../shared/logger.js';
import { countingPublisher, powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { JobsApiHandlerDependencies } from './api-handler.js';
import { DynamoJobStore } from './dynamo-job-store.js';
import type { JobsWorkerHandlerDependencies } from './worker-handler.js';

export function jobsApiDependencies(config: JobsApiEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): JobsApiHandlerDependencies {
  const logger = createLogger('jobs', runtime.logLevel);
  const dynamo = new DynamoDBClient(aws);
  return {
    config,
    logger,
    verifyToken: appTokenVerifierFromConfig(config),
    queue: new SqsJobQueue(new SQSClient(aws), config.JOBS_QUEUE_URL),
    jobs: new DynamoJobStore(dynamo, config.JOBS_TABLE_NAME, systemClock),
    clock: systemClock,
    // Time-ordered: a user's newest jobs are the first of one Query (core/store/tables.ts JOBS_TABLE).
    newId: () => newSortableId(Date.now()),
    rateLimiter: rateLimiterFromConfig(config, dynamo, { scope: 'jobs', clock: systemClock, logger }),
    idempotency: new DynamoIdempotencyStore(dynamo, config.IDEMPOTENCY_TABLE_NAME),
    // A claim outlives the invocation that made it: the function's timeout, and as much again for clock skew.
    idempotencyPendingSeconds: 2 * functionDefinition('jobs').timeoutSeconds,
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
  };
}

export function jobsWorkerDependencies(config: JobsWorkerEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): JobsWorkerHandlerDependencies {
  const metrics = runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE });
  // Our own producer: the same package and the same bus any other service of the app uses.
  const notifier = new EventBridgeNotifier<{ [JOB_COMPLETED_NOTIFICATION]: JobCompletedData }>({
    eventBusName: config.EVENT_BUS_NAME,
    source: `${config.APP_NAME}.jobs`,
    client: new EventBridgeClient(aws),
  });
  return {
    config,
    logger: createLogger('jobs-worker', runtime.logLevel),
    announceCompletion: async (userId, data) => {
      await notifier.notify({ to: { kind: 'user', userId }, type: JOB_COMPLETED_NOTIFICATION, data });
    },
    publisher: countingPublisher(new IotDataPublisher(new IoTDataPlaneClient(aws)), metrics),
    jobs: new DynamoJobStore(new DynamoDBClient(aws), config.JOBS_TABLE_NAME, systemClock),
    clock: systemClock,
    sleep: (ms) => sleep(ms),
    metrics,
  };
}
