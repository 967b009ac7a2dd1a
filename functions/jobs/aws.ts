/** The jobs functions' AWS dependencies, built from their config (the deployed entries and the local stack). */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { JobsApiEnv, JobsWorkerEnv } from '../../core/contracts/function-env.js';
import { appTokenVerifierFromConfig } from '../shared/app-token.js';
import { IotDataPublisher, SqsJobQueue } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { rateLimiterFromConfig } from '../shared/dynamo-rate-limiter.js';
import { createLogger } from '../shared/logger.js';
import { countingPublisher, powertoolsMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { JobsApiHandlerDependencies } from './api-handler.js';
import type { JobsWorkerHandlerDependencies } from './worker-handler.js';

export function jobsApiDependencies(config: JobsApiEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): JobsApiHandlerDependencies {
  const logger = createLogger('jobs', runtime.logLevel);
  return {
    config,
    logger,
    verifyToken: appTokenVerifierFromConfig(config),
    queue: new SqsJobQueue(new SQSClient(aws), config.JOBS_QUEUE_URL),
    clock: systemClock,
    newId: randomUUID,
    rateLimiter: rateLimiterFromConfig(config, new DynamoDBClient(aws), { scope: 'jobs', clock: systemClock, logger }),
    metrics: runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE }),
  };
}

export function jobsWorkerDependencies(config: JobsWorkerEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): JobsWorkerHandlerDependencies {
  const metrics = runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE });
  return {
    config,
    logger: createLogger('jobs-worker', runtime.logLevel),
    publisher: countingPublisher(new IotDataPublisher(new IoTDataPlaneClient(aws)), metrics),
    clock: systemClock,
    sleep: (ms) => sleep(ms),
    metrics,
  };
}
