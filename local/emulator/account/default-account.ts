/** The emulator's account, built from the same access model that infra deploys (core/access/model.ts). */
import { policy } from '../../../core/policy/document.js';
import { LOCAL_ACCESS_MODEL, LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT, LOCAL_IDENTITY_POOL_ID } from '../../local-deployment.js';
import type { AccountConfig } from './account.js';

export interface DefaultAccountOptions {
  /** The user pool whose ID tokens the identity pool accepts as Logins (locally: the user pool stand-in's issuer). */
  userPoolIssuerUrl: string;
  /** Its app client id: the `aud` of its ID tokens. */
  userPoolClientId: string;
}

export function defaultAccountConfig(options: DefaultAccountOptions): AccountConfig {
  const model = LOCAL_ACCESS_MODEL;
  const issuer = options.userPoolIssuerUrl.replace(/\/+$/, '');
  return {
    region: LOCAL_DEPLOYMENT.region,
    accountId: LOCAL_DEPLOYMENT.accountId,
    users: [
      {
        userName: 'local-admin',
        ...LOCAL_ADMIN_CREDENTIALS,
        policies: [{ name: 'AdministratorAccess', document: policy({ Effect: 'Allow', Action: '*', Resource: '*' }) }],
      },
    ],
    roles: [model.browserClientRole, model.cognitoAuthenticatedRole, model.cognitoGuestRole, ...Object.values(model.functionRoles)],
    iotPolicies: [model.cognitoUserIotPolicy],
    identityPools: [
      {
        identityPoolId: LOCAL_IDENTITY_POOL_ID,
        allowUnauthenticated: true,
        authenticatedRoleArn: model.cognitoAuthenticatedRole.arn,
        unauthenticatedRoleArn: model.cognitoGuestRole.arn,
        // Cognito: a user pool's (or OIDC provider's) Logins key is its issuer without the scheme.
        providers: [{ loginsKey: issuer.replace(/^https?:\/\//, ''), issuer, audience: options.userPoolClientId, jwksUrl: `${issuer}/.well-known/jwks.json` }],
      },
    ],
  };
}
