/** The deployed entry: reads the environment once (failing fast, naming every bad variable) and builds the handler. */
import { AttachPolicyEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { attachPolicyDependencies } from './aws.js';
import { createAttachPolicyHandler } from './handler.js';

const config = readConfig(AttachPolicyEnvSchema, process.env, 'attach-policy function');
export const handler = createAttachPolicyHandler(attachPolicyDependencies(config, { region: config.AWS_REGION }));
