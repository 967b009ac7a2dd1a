/**
 * Cognito through aws-amplify (lazy-loaded: only Cognito sign-ins and Cognito sessions need it). The credential
 * source itself is the client package's CognitoCredentialSource, given Amplify's fetchAuthSession. Signed-in users
 * come from the user pool through Amplify's own signIn (SRP), deployed or locally against the emulator's user pool
 * (`userPoolEndpoint`); Amplify keeps and renews their tokens and turns the ID token into identity pool credentials.
 */
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';

export { fetchAuthSession };

export interface CognitoConfig {
  region: string;
  identityPoolId: string;
  allowGuests: boolean;
  userPoolId?: string;
  userPoolClientId?: string;
  /** Local emulator endpoints for the user pool and Cognito Identity (Amplify's userPoolEndpoint, identityPoolEndpoint). */
  userPoolEndpoint?: string;
  identityPoolEndpoint?: string;
}

export function configureAmplify(config: CognitoConfig): void {
  const userPool =
    config.userPoolId && config.userPoolClientId
      ? { userPoolId: config.userPoolId, userPoolClientId: config.userPoolClientId, ...(config.userPoolEndpoint ? { userPoolEndpoint: config.userPoolEndpoint } : {}) }
      : {};
  const cognito = {
    identityPoolId: config.identityPoolId,
    allowGuestAccess: config.allowGuests,
    ...userPool,
    // Amplify 6.15+: a local Cognito Identity endpoint (the emulator).
    ...(config.identityPoolEndpoint ? { identityPoolEndpoint: config.identityPoolEndpoint } : {}),
  };
  // Amplify types Cognito config as a union keyed on which pools are present; this object is one of its members.
  Amplify.configure({ Auth: { Cognito: cognito } } as Parameters<typeof Amplify.configure>[0]);
}

export async function cognitoSignIn(username: string, password: string): Promise<void> {
  // Also forgets a guest identity id Amplify kept: this user's identity comes from their login.
  await signOut().catch(() => undefined);
  const result = await signIn({ username, password });
  if (!result.isSignedIn) throw new Error(`sign-in needs another step: ${result.nextStep.signInStep}`);
}

/** The signed-in user's ID token (the bearer token of the rooms API for Cognito users), renewed when due. */
export async function cognitoIdToken(): Promise<string> {
  const token = (await fetchAuthSession()).tokens?.idToken?.toString();
  if (!token) throw new Error('Cognito has no ID token for this session; sign in again');
  return token;
}
