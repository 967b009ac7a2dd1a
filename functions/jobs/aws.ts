/** The jobs functions' AWS dependencies, built from their config (the deployed entries and the local stack). */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { JobsApiEnv, JobsWorkerEnv } from '../../core/contracts/function-env.js';
import { appTokenVerifierFromConfig } from '../shared/app-token.js';
import { IotDataPublisher, SqsJobQueue } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { createLogger, type LogLevel } from '../shared/logger.js';
import { systemClock } from '../shared/ports.js';
import type { JobsApiHandlerDependencies } from './api-handler.js';
import type { JobsWorkerHandlerDependencies } from './worker-handler.js';

export function jobsApiDependencies(config: JobsApiEnv, aws: AwsClientOptions, logLevel?: LogLevel): JobsApiHandlerDependencies {
  return {
    config,
    logger: createLogger('jobs', logLevel),
    verifyToken: appTokenVerifierFromConfig(config),
    queue: new SqsJobQueue(new SQSClient(aws), config.JOBS_QUEUE_URL),
    clock: systemClock,
    newId: randomUUID,
  };
}

export function jobsWorkerDependencies(config: JobsWorkerEnv, aws: AwsClientOptions, logLevel?: LogLevel): JobsWorkerHandlerDependencies {
  return {
    config,
    logger: createLogger('jobs-worker', logLevel),
    publisher: new IotDataPublisher(new IoTDataPlaneClient(aws)),
    clock: systemClock,
    sleep: (ms) => sleep(ms),
  };
}
