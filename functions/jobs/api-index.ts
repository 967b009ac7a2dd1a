/** The deployed entry of POST /jobs: reads the environment once (failing fast) and builds the handler. */
import { JobsApiEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { createJobsApiHandler } from './api-handler.js';
import { jobsApiDependencies } from './aws.js';

const config = readConfig(JobsApiEnvSchema, process.env, 'jobs function');
export const handler = createJobsApiHandler(jobsApiDependencies(config, { region: config.AWS_REGION }));
