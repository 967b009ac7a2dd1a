/**
 * SRP sign-in as the web page does it: aws-amplify's own signIn (USER_SRP_AUTH, its SRP implementation, not the
 * emulator's) against the user pool's endpoint; the ID and access tokens from Amplify's session (the API wants both from a
 * signed-in Cognito user: the access token in `Cognito-Access-Token`).
 */
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { ConsoleLogger } from 'aws-amplify/utils';

/** The two tokens of one sign-in, as the page sends them to the API. */
export interface CognitoSignIn {
  readonly idToken: string;
  readonly accessToken: string;
}

export async function srpSignIn(
  idp: CognitoIdentityProviderClient,
  clientId: string,
  userPoolId: string,
  username: string,
  password: string,
): Promise<CognitoSignIn> {
  const endpoint = await idp.config.endpoint?.();
  if (!endpoint) throw new Error('the user pool client has no endpoint');
  // Amplify warns on every call that a custom endpoint is set: expected here.
  ConsoleLogger.LOG_LEVEL = 'ERROR';
  Amplify.configure({
    Auth: { Cognito: { userPoolId, userPoolClientId: clientId, userPoolEndpoint: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}` } },
  });
  await signOut().catch(() => undefined);
  const result = await signIn({ username, password, options: { authFlowType: 'USER_SRP_AUTH' } });
  if (!result.isSignedIn) throw new Error(`sign-in needs another step: ${result.nextStep.signInStep}`);
  const tokens = (await fetchAuthSession()).tokens;
  const idToken = tokens?.idToken?.toString();
  const accessToken = tokens?.accessToken.toString();
  if (!idToken || !accessToken) throw new Error('Amplify has no ID or access token after signing in');
  return { idToken, accessToken };
}
