/** Cognito GetId: the identity id of a signed-in user, from their user pool ID token (Cognito verifies the token). */
import { type CognitoIdentityClient, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { UnauthorizedError, UpstreamError } from './errors.js';

/** Cognito: the Logins key of a user pool (or any OIDC provider) is its issuer URL without the scheme. */
export const loginsKeyOf = (issuer: string): string => issuer.replace(/^https?:\/\//, '').replace(/\/$/, '');

export function identityIdResolver(client: CognitoIdentityClient, identityPoolId: string, userPoolIssuer: string): (idToken: string) => Promise<string> {
  const loginsKey = loginsKeyOf(userPoolIssuer);
  return async (idToken) => {
    try {
      const out = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: { [loginsKey]: idToken } }));
      if (!out.IdentityId) throw new Error('GetId returned no IdentityId');
      return out.IdentityId;
    } catch (error) {
      if ((error as { name?: string }).name === 'NotAuthorizedException')
        throw new UnauthorizedError('the ID token was not accepted by the identity pool', { cause: error });
      throw new UpstreamError('could not resolve the Cognito identity', true, { cause: error });
    }
  };
}
