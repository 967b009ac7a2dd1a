/** The fixed "deployment" the whole local stack plays: one app, stage `local`, a fake account, the local issuer. */

import type { Deployment } from '../core/deployment.js';
import { policy } from '../core/policy/document.js';
import type { LocalUserConfig } from './emulator/account/account.js';

export const LOCAL_DEPLOYMENT: Deployment = {
  app: process.env.LOCAL_APP_NAME ?? 'iot-realtime',
  stage: 'local',
  region: process.env.LOCAL_AWS_REGION ?? 'us-east-1',
  accountId: '000000000000',
};

/** Long-term keys of the local admin user, for scripts and tools (like LocalStack's test/test, but signed for real). */
export const LOCAL_ADMIN_CREDENTIALS = {
  accessKeyId: 'AKIALOCALADMIN000000',
  secretAccessKey: 'local-admin-secret-do-not-use-in-aws-000',
} as const;

/** The emulator's one IAM user: everything allowed, as an account's administrator (tools, seeding, tests). */
export const LOCAL_ADMIN_USER: LocalUserConfig = {
  userName: 'local-admin',
  ...LOCAL_ADMIN_CREDENTIALS,
  policies: [{ name: 'AdministratorAccess', document: policy({ Effect: 'Allow', Action: '*', Resource: '*' }) }],
};

export const DEFAULT_EMULATOR_PORT = 4510;
export const DEFAULT_API_PORT = 4511;
export const DEFAULT_WEB_PORT = 5173;
/** Audience of the local token issuer's JWTs (the "app client id"). */
export const LOCAL_TOKEN_AUDIENCE = 'iot-realtime-local';
/**
 * The local app token issuer's `iss` and the base of its JWKS URL, as the local stage is synthesized with them. A name
 * under `.localhost` (RFC 6761: loopback only), so it can never be a real issuer; the emulator maps it to the local API.
 */
export const LOCAL_TOKEN_ISSUER = 'https://issuer.iot-realtime.localhost';
