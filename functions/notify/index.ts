/** The deployed entry of the notification rule's target: reads the environment once (failing fast) and builds the handler. */
import { NotifyEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { notifyDependencies } from './aws.js';
import { createNotifyHandler } from './handler.js';

const config = readConfig(NotifyEnvSchema, process.env, 'notify function');
export const handler = createNotifyHandler(notifyDependencies(config, { region: config.AWS_REGION }));
