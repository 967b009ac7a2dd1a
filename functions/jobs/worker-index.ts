/** The deployed entry of the jobs worker: reads the environment once (failing fast) and builds the handler. */
import { JobsWorkerEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from '../shared/config.js';
import { jobsWorkerDependencies } from './aws.js';
import { createJobsWorkerHandler } from './worker-handler.js';

const config = readConfig(JobsWorkerEnvSchema, process.env, 'jobs worker');
export const handler = createJobsWorkerHandler(jobsWorkerDependencies(config, { region: config.AWS_REGION }));
