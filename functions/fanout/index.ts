/** The deployed entry of the fan-out worker: reads the environment once (failing fast) and builds the handler. */
import { FanoutWorkerEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { fanoutWorkerDependencies } from './aws.js';
import { createFanoutWorkerHandler } from './worker-handler.js';

const config = readConfig(FanoutWorkerEnvSchema, process.env, 'fan-out worker');
export const handler = createFanoutWorkerHandler(fanoutWorkerDependencies(config, { region: config.AWS_REGION }));
