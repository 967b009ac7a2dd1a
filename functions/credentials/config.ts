import { appTokenSchema, deploymentSchema, env, readConfig } from '../shared/config.js';

export const credentialsConfigSchema = {
  ...deploymentSchema,
  ...appTokenSchema,
  IOT_ENDPOINT: env.string(),
  BROWSER_CLIENT_ROLE_ARN: env.string(),
  /** STS allows 900 s at least; role chaining allows 3600 s at most. */
  CREDENTIALS_DURATION_SECONDS: env.integer({ default: 3600, min: 900, max: 3600 }),
};

export const loadCredentialsConfig = (source: Record<string, string | undefined>) => readConfig(credentialsConfigSchema, source, 'credentials function');
