/** The deployed entry: reads the environment once (failing fast, naming every bad variable) and builds the handler. */
import { CredentialsEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { credentialsDependencies } from './aws.js';
import { createCredentialsHandler } from './handler.js';

const config = readConfig(CredentialsEnvSchema, process.env, 'credentials function');
export const handler = createCredentialsHandler(credentialsDependencies(config, { region: config.AWS_REGION }));
