/** The deployed entry of the presence rule's target: reads the environment once (failing fast) and builds the handler. */
import { PresenceEventsEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { presenceEventsDependencies } from './aws.js';
import { createPresenceEventsHandler } from './events-handler.js';

const config = readConfig(PresenceEventsEnvSchema, process.env, 'presence events function');
export const handler = createPresenceEventsHandler(presenceEventsDependencies(config, { region: config.AWS_REGION }));
