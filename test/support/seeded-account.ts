/**
 * An emulator account seeded directly from the access model, for tests of the emulator's services on their own
 * (policies, STS, Cognito, MQTT): the roles, IoT policy and identity pool of the local stage, built by the same
 * builders infra deploys from, without synthesizing and applying a stack. The local stack itself never uses this: it
 * applies the synthesized stack (local/stack.ts).
 */
import { type AccessModel, accessModel } from '../../core/access/model.js';
import type { AccountConfig } from '../../local/emulator/account/account.js';
import { LOCAL_ADMIN_USER, LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';

/** Amplify parses the region from the pool id, so it must look like `<region>:<uuid>`. */
export const SEEDED_IDENTITY_POOL_ID = `${LOCAL_DEPLOYMENT.region}:7b1f9b2e-5c1d-4d6a-9b1e-3f0c2a1d0001`;
const queueArn = (purpose: string) =>
  `arn:aws:sqs:${LOCAL_DEPLOYMENT.region}:${LOCAL_DEPLOYMENT.accountId}:${LOCAL_DEPLOYMENT.app}-${LOCAL_DEPLOYMENT.stage}-${purpose}`;
/** The local user pool of seeded tests (`<region>_<id>`) and its app client. */
export const SEEDED_USER_POOL_ID = `${LOCAL_DEPLOYMENT.region}_iotrtLocal`;
export const SEEDED_USER_POOL_CLIENT_ID = 'iotrealtimelocalweb';

export const SEEDED_ACCESS_MODEL: AccessModel = accessModel({
  deployment: LOCAL_DEPLOYMENT,
  identityPoolId: SEEDED_IDENTITY_POOL_ID,
  jobQueueArn: queueArn('jobs'),
  fanoutQueueArn: queueArn('fanout'),
  presenceEventsQueueArn: queueArn('presence-events'),
  presenceFailuresQueueArn: queueArn('presence-failures'),
});

export interface SeededAccountOptions {
  /** The user pool whose ID tokens the identity pool accepts as Logins (its `iss`). */
  userPoolIssuerUrl: string;
  /** Where its JWKS is served (the emulator's `/<poolId>/.well-known/jwks.json`); `<issuer>/.well-known/jwks.json` by default. */
  userPoolJwksUrl?: string;
  /** Its app client id: the `aud` of its ID tokens. */
  userPoolClientId: string;
}

export function seededAccountConfig(options: SeededAccountOptions): AccountConfig {
  const model = SEEDED_ACCESS_MODEL;
  const issuer = options.userPoolIssuerUrl.replace(/\/+$/, '');
  return {
    region: LOCAL_DEPLOYMENT.region,
    accountId: LOCAL_DEPLOYMENT.accountId,
    users: [LOCAL_ADMIN_USER],
    roles: [model.browserClientRole, model.cognitoAuthenticatedRole, model.cognitoGuestRole, ...Object.values(model.functionRoles)],
    iotPolicies: [model.cognitoUserIotPolicy],
    identityPools: [
      {
        identityPoolId: SEEDED_IDENTITY_POOL_ID,
        allowUnauthenticated: true,
        authenticatedRoleArn: model.cognitoAuthenticatedRole.arn,
        unauthenticatedRoleArn: model.cognitoGuestRole.arn,
        // Cognito: a user pool's (or OIDC provider's) Logins key is its issuer without the scheme.
        providers: [
          {
            loginsKey: issuer.replace(/^https?:\/\//, ''),
            issuer,
            audience: options.userPoolClientId,
            jwksUrl: options.userPoolJwksUrl ?? `${issuer}/.well-known/jwks.json`,
          },
        ],
      },
    ],
  };
}
