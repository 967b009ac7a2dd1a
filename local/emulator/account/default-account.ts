/** The emulator's account, built from the same access model that infra deploys (core/access/model.ts). */
import { policy } from '../../../core/policy/document.js';
import { LOCAL_ACCESS_MODEL, LOCAL_ADMIN_CREDENTIALS, LOCAL_DEPLOYMENT, LOCAL_IDENTITY_POOL_ID, LOCAL_TOKEN_AUDIENCE } from '../../local-deployment.js';
import type { AccountConfig } from './account.js';

export interface DefaultAccountOptions {
  /** Base URL of the local token issuer (the local API), used as the OIDC provider of the identity pool. */
  tokenIssuerUrl: string;
}

export function defaultAccountConfig(options: DefaultAccountOptions): AccountConfig {
  const model = LOCAL_ACCESS_MODEL;
  const issuer = new URL(options.tokenIssuerUrl);
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
        // Cognito: an OIDC provider's Logins key is its issuer without the scheme.
        providers: [{ loginsKey: issuer.host + issuer.pathname.replace(/\/$/, ''), issuer: issuer.origin + issuer.pathname.replace(/\/$/, ''), audience: LOCAL_TOKEN_AUDIENCE, jwksUrl: new URL('/.well-known/jwks.json', issuer).toString() }],
      },
    ],
  };
}
