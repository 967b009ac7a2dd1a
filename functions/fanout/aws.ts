/** The fan-out worker's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { FanoutWorkerEnv } from '../../core/contracts/function-env.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { createLogger, type LogLevel } from '../shared/logger.js';
import type { FanoutWorkerDependencies } from './worker-handler.js';

export function fanoutWorkerDependencies(config: FanoutWorkerEnv, aws: AwsClientOptions, logLevel?: LogLevel): FanoutWorkerDependencies {
  return { config, logger: createLogger('fanout-worker', logLevel), publisher: new IotDataPublisher(new IoTDataPlaneClient(aws)) };
}
