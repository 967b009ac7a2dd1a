/**
 * Signed-in Cognito identities need an IoT policy attached to their identity id before IoT lets them connect.
 * The identity id is derived here from the caller's ID token (Cognito GetId): an id in the request body is never
 * trusted, or anyone could attach the policy to (and so open the topics of) another identity. The sign-in is checked
 * with Cognito first, as on every route (functions/shared/cognito-session.ts): a signed-out user attaches nothing.
 */
import { COGNITO_ACCESS_TOKEN_HEADER } from '../../core/contracts/http.js';
import { bearerToken } from '../shared/app-token.js';
import type { RequestHeaders } from '../shared/caller.js';
import type { CognitoSessionVerifier } from '../shared/cognito-session.js';

export interface AttachPolicyDependencies {
  /** The ID token and the access token of one sign-in, which Cognito must still accept. */
  verifySession: CognitoSessionVerifier;
  /** Cognito GetId with the token as login; throws UnauthorizedError for a token Cognito refuses. */
  identityIdFor(idToken: string): Promise<string>;
  /** IoT AttachPolicy (idempotent in AWS). */
  attach(identityId: string): Promise<void>;
  policyName: string;
}

export async function attachIotPolicy(headers: RequestHeaders, deps: AttachPolicyDependencies): Promise<{ identityId: string; policyName: string }> {
  const session = await deps.verifySession(bearerToken(headers.authorization), headers[COGNITO_ACCESS_TOKEN_HEADER]);
  const identityId = await deps.identityIdFor(session.idToken);
  await deps.attach(identityId);
  return { identityId, policyName: deps.policyName };
}
