/** The caller resolver of a function that accepts app JWTs and signed-in Cognito users, from its config. */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { type AppTokenConfig, appTokenVerifierFromConfig } from './app-token.js';
import type { AwsClientOptions } from './aws-clients.js';
import { type CallerResolver, createCallerResolver } from './caller.js';
import { cognitoAccessTokenChecker } from './cognito-access-check.js';
import { identityIdResolver } from './cognito-identity.js';

export interface CallerConfig extends AppTokenConfig {
  COGNITO_USER_POOL_ISSUER: string;
  COGNITO_USER_POOL_CLIENT_ID: string;
  IDENTITY_POOL_ID: string;
}

export function callerResolverFromConfig(config: CallerConfig, aws: AwsClientOptions): CallerResolver {
  return createCallerResolver({
    app: appTokenVerifierFromConfig(config),
    cognito: {
      issuer: config.COGNITO_USER_POOL_ISSUER,
      clientId: config.COGNITO_USER_POOL_CLIENT_ID,
      clockToleranceSeconds: config.TOKEN_CLOCK_TOLERANCE_SECONDS,
      identityIdFor: identityIdResolver(new CognitoIdentityClient(aws), config.IDENTITY_POOL_ID, config.COGNITO_USER_POOL_ISSUER),
      checkAccessToken: cognitoAccessTokenChecker(new CognitoIdentityProviderClient(aws)),
    },
  });
}
