/**
 * Cognito through aws-amplify (lazy-loaded: only the Cognito sign-in and Cognito sessions need it). The credential
 * source itself is the client package's CognitoCredentialSource, given Amplify's fetchAuthSession.
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
  /** Local emulator endpoint for Cognito Identity (Amplify's identityPoolEndpoint). */
  identityPoolEndpoint?: string;
}

export function configureAmplify(config: CognitoConfig): void {
  const cognito = {
    identityPoolId: config.identityPoolId,
    allowGuestAccess: config.allowGuests,
    ...(config.userPoolId && config.userPoolClientId ? { userPoolId: config.userPoolId, userPoolClientId: config.userPoolClientId } : {}),
    // Amplify 6.15+: a local Cognito Identity endpoint (the emulator).
    ...(config.identityPoolEndpoint ? { identityPoolEndpoint: config.identityPoolEndpoint } : {}),
  };
  // Amplify types Cognito config as a union keyed on which pools are present; this object is one of its members.
  Amplify.configure({ Auth: { Cognito: cognito } } as Parameters<typeof Amplify.configure>[0]);
}

export async function cognitoSignIn(username: string, password: string): Promise<void> {
  await signOut().catch(() => undefined);
  const result = await signIn({ username, password });
  if (!result.isSignedIn) throw new Error(`sign-in needs another step: ${result.nextStep.signInStep}`);
}

export async function cognitoIdToken(): Promise<string | undefined> {
  return (await fetchAuthSession()).tokens?.idToken?.toString();
}
