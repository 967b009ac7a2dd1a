/** The deployed entry of GET /rooms/{roomId}/presence: reads the environment once (failing fast) and builds the handler. */
import { PresenceEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { presenceDependencies } from './aws.js';
import { createPresenceHandler } from './handler.js';

const config = readConfig(PresenceEnvSchema, process.env, 'presence function');
export const handler = createPresenceHandler(presenceDependencies(config, { region: config.AWS_REGION }));
