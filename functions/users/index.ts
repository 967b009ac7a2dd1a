/** The deployed entry: reads the environment once (failing fast, naming every bad variable) and builds the handler. */
import { UsersEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { usersDependencies } from './aws.js';
import { createUsersHandler } from './handler.js';

const config = readConfig(UsersEnvSchema, process.env, 'users function');
export const handler = createUsersHandler(usersDependencies(config, { region: config.AWS_REGION }));
