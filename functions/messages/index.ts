/** The deployed entry: reads the environment once (failing fast, naming every bad variable) and builds the handler. */
import { MessagesEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { messagesDependencies } from './aws.js';
import { createMessagesHandler } from './handler.js';

const config = readConfig(MessagesEnvSchema, process.env, 'messages function');
export const handler = createMessagesHandler(messagesDependencies(config, { region: config.AWS_REGION }));
