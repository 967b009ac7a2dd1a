/** The deployed entry of POST /broadcast: reads the environment once (failing fast) and builds the handler. */
import { BroadcastEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { broadcastDependencies } from './aws.js';
import { createBroadcastHandler } from './handler.js';

const config = readConfig(BroadcastEnvSchema, process.env, 'broadcast function');
export const handler = createBroadcastHandler(broadcastDependencies(config, { region: config.AWS_REGION }));
