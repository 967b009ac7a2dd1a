import { appTokenSchema, deploymentSchema, env, readConfig } from '../shared/config.js';

export const jobsApiConfigSchema = { ...deploymentSchema, ...appTokenSchema, JOBS_QUEUE_URL: env.url() };

export const jobsWorkerConfigSchema = {
  ...deploymentSchema,
  /** Must equal the queue's redrive policy maxReceiveCount: the worker reports failure on the last attempt. */
  JOBS_MAX_RECEIVE_COUNT: env.integer({ default: 3, min: 1, max: 1000 }),
};

export const loadJobsApiConfig = (source: Record<string, string | undefined>) => readConfig(jobsApiConfigSchema, source, 'jobs function');
export const loadJobsWorkerConfig = (source: Record<string, string | undefined>) => readConfig(jobsWorkerConfigSchema, source, 'jobs worker');
