/**
 * Cognito GetUser with a user's access token: does Cognito still accept this sign-in? GetUser is token-authorized (no
 * IAM permission is involved: "Amazon Cognito doesn't evaluate AWS Identity and Access Management (IAM) policies in
 * requests for this API operation", GetUser API reference), and it refuses a revoked, expired or foreign access token
 * and a deleted or disabled user with NotAuthorizedException (or UserNotFoundException), which is the caller's problem
 * (401). Throttling (TooManyRequestsException: GetUser counts toward the account's user pool request quotas, developer
 * guide "Quotas in Amazon Cognito") and outages are ours (503, retry).
 */
import { type CognitoIdentityProviderClient, GetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { isRetryableAwsError } from './aws-error-classification.js';
import { UnauthorizedError, UpstreamError } from './errors.js';

/** GetUser's errors that are about the token or the user (API reference, "Errors"), not about Cognito or us. */
const REFUSALS = new Set(['NotAuthorizedException', 'UserNotFoundException', 'UserNotConfirmedException', 'PasswordResetRequiredException']);

/** What the caller is told: Cognito's own message says which case it is ("Access Token has been revoked", ...). */
function refusal(name: string, message: string): string {
  if (/revoked/i.test(message)) return 'the Cognito sign-in was signed out or revoked; sign in again';
  if (/expired/i.test(message)) return 'the Cognito access token has expired; refresh the session';
  if (name === 'UserNotFoundException') return 'the Cognito user no longer exists';
  if (/disabled/i.test(message)) return 'the Cognito user is disabled';
  return 'Cognito does not accept the access token; sign in again';
}

export function cognitoAccessTokenChecker(client: CognitoIdentityProviderClient): (accessToken: string) => Promise<void> {
  return async (accessToken) => {
    try {
      await client.send(new GetUserCommand({ AccessToken: accessToken }));
    } catch (error) {
      const { name, message } = error as { name?: unknown; message?: unknown };
      if (typeof name === 'string' && REFUSALS.has(name)) throw new UnauthorizedError(refusal(name, String(message ?? '')), { cause: error });
      throw new UpstreamError('could not check the Cognito sign-in', isRetryableAwsError(error), { cause: error });
    }
  };
}
