/** The fixed "deployment" the whole local stack plays: one app, stage `local`, a fake account. */
import { type AccessModel, accessModel } from '../core/access/model.js';
import type { Deployment } from '../core/deployment.js';
import { resourceName } from '../core/deployment.js';

export const LOCAL_DEPLOYMENT: Deployment = {
  app: process.env.LOCAL_APP_NAME ?? 'iot-realtime',
  stage: 'local',
  region: process.env.LOCAL_AWS_REGION ?? 'us-east-1',
  accountId: '000000000000',
};

/** Amplify parses the region from the pool id, so it must look like `<region>:<uuid>`. */
export const LOCAL_IDENTITY_POOL_ID = `${LOCAL_DEPLOYMENT.region}:7b1f9b2e-5c1d-4d6a-9b1e-3f0c2a1d0001`;
const localQueueArn = (purpose: string) => `arn:aws:sqs:${LOCAL_DEPLOYMENT.region}:${LOCAL_DEPLOYMENT.accountId}:${resourceName(LOCAL_DEPLOYMENT, purpose)}`;
export const LOCAL_JOB_QUEUE_ARN = localQueueArn('jobs');
export const LOCAL_FANOUT_QUEUE_ARN = localQueueArn('fanout');

/** The access model the local stack plays: the same builder infra deploys from. */
export const LOCAL_ACCESS_MODEL: AccessModel = accessModel({
  deployment: LOCAL_DEPLOYMENT,
  identityPoolId: LOCAL_IDENTITY_POOL_ID,
  jobQueueArn: LOCAL_JOB_QUEUE_ARN,
  fanoutQueueArn: LOCAL_FANOUT_QUEUE_ARN,
});

/** Long-term keys of the local admin user, for scripts and tools (like LocalStack's test/test, but signed for real). */
export const LOCAL_ADMIN_CREDENTIALS = {
  accessKeyId: 'AKIALOCALADMIN000000',
  secretAccessKey: 'local-admin-secret-do-not-use-in-aws-000',
} as const;

export const DEFAULT_EMULATOR_PORT = 4510;
export const DEFAULT_API_PORT = 4511;
export const DEFAULT_WEB_PORT = 5173;
/** Audience of the local token issuer's JWTs (the "app client id"). */
export const LOCAL_TOKEN_AUDIENCE = 'iot-realtime-local';
/** The local Cognito user pool (the emulator's cognito-idp): `<region>_<id>`, as Amplify parses it. */
export const LOCAL_USER_POOL_ID = `${LOCAL_DEPLOYMENT.region}_iotrtLocal`;
/** Its app client id (Cognito: `[\w+]+`): the `aud` of its ID tokens. */
export const LOCAL_USER_POOL_CLIENT_ID = 'iotrealtimelocalweb';
