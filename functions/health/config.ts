import { deploymentSchema, readConfig } from '../shared/config.js';

export const healthConfigSchema = { APP_NAME: deploymentSchema.APP_NAME, STAGE: deploymentSchema.STAGE };

export const loadHealthConfig = (source: Record<string, string | undefined>) => readConfig(healthConfigSchema, source, 'health function');
