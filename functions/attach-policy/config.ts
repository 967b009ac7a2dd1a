import { deploymentSchema, env, readConfig } from '../shared/config.js';

export const attachPolicyConfigSchema = {
  ...deploymentSchema,
  IDENTITY_POOL_ID: env.string(),
  /** The Logins key of the user pool: cognito-idp.<region>.amazonaws.com/<userPoolId>. */
  COGNITO_LOGINS_KEY: env.string(),
  IOT_POLICY_NAME: env.string(),
};

export const loadAttachPolicyConfig = (source: Record<string, string | undefined>) => readConfig(attachPolicyConfigSchema, source, 'attach-policy function');
