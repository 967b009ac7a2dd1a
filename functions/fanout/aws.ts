/** The fan-out worker's AWS dependencies, built from its config (the deployed entry and the local stack). */
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { FanoutWorkerEnv } from '../../core/contracts/function-env.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import type { AwsClientOptions } from '../shared/aws-clients.js';
import { createLogger } from '../shared/logger.js';
import { countingPublisher, powertoolsMetrics } from '../shared/metrics.js';
import type { FunctionRuntime } from '../shared/runtime.js';
import type { FanoutWorkerDependencies } from './worker-handler.js';

export function fanoutWorkerDependencies(config: FanoutWorkerEnv, aws: AwsClientOptions, runtime: FunctionRuntime = {}): FanoutWorkerDependencies {
  const metrics = runtime.metrics ?? powertoolsMetrics({ app: config.APP_NAME, stage: config.STAGE });
  return {
    config,
    logger: createLogger('fanout-worker', runtime.logLevel),
    publisher: countingPublisher(new IotDataPublisher(new IoTDataPlaneClient(aws)), metrics),
    metrics,
  };
}
