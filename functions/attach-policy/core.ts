/**
 * Signed-in Cognito identities need an IoT policy attached to their identity id before IoT lets them connect.
 * The identity id is derived here from the caller's ID token (Cognito GetId): an id in the request body is never
 * trusted, or anyone could attach the policy to (and so open the topics of) another identity.
 */
import { bearerToken } from '../shared/app-token.js';

export interface AttachPolicyDependencies {
  /** Cognito GetId with the token as login; throws UnauthorizedError for a token Cognito refuses. */
  identityIdFor(idToken: string): Promise<string>;
  /** IoT AttachPolicy (idempotent in AWS). */
  attach(identityId: string): Promise<void>;
  policyName: string;
}

export async function attachIotPolicy(
  authorizationHeader: string | undefined,
  deps: AttachPolicyDependencies,
): Promise<{ identityId: string; policyName: string }> {
  const token = bearerToken(authorizationHeader);
  const identityId = await deps.identityIdFor(token);
  await deps.attach(identityId);
  return { identityId, policyName: deps.policyName };
}
