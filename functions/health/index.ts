/** The deployed entry: reads the environment once (failing fast) and builds the handler. */
import { HealthEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { createLogger } from '../shared/logger.js';
import { createHealthHandler } from './handler.js';

const config = readConfig(HealthEnvSchema, process.env, 'health function');
export const handler = createHealthHandler({ config, logger: createLogger('health') });
