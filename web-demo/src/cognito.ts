/**
 * Cognito through aws-amplify (lazy-loaded: only Cognito sign-ins and Cognito sessions need it). The credential
 * source itself is the client package's CognitoCredentialSource, given Amplify's fetchAuthSession. Users of the user
 * pool sign up, confirm and sign in through Amplify's own calls (SRP), deployed or locally against the emulator's
 * user pool (`userPoolEndpoint`); Amplify keeps and renews their tokens (in localStorage, its default) and turns the
 * ID token into identity pool credentials.
 */
import { Amplify } from 'aws-amplify';
import { confirmSignUp, fetchAuthSession, getCurrentUser, signIn, signOut, signUp } from 'aws-amplify/auth';
import { ConsoleLogger } from 'aws-amplify/utils';
import type { ApiAuth } from './api.js';

export { fetchAuthSession };

export interface CognitoConfig {
  mode: 'local' | 'aws';
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
  // Locally Amplify warns on every call that a custom user pool endpoint is set, which is the point of local mode:
  // only errors are logged there. Deployed, its warnings stay.
  if (config.mode === 'local') ConsoleLogger.LOG_LEVEL = 'ERROR';
  const userPool =
    config.userPoolId && config.userPoolClientId
      ? {
          userPoolId: config.userPoolId,
          userPoolClientId: config.userPoolClientId,
          ...(config.userPoolEndpoint ? { userPoolEndpoint: config.userPoolEndpoint } : {}),
        }
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

/**
 * Creates an account whose username is its email, as the deployed pool has it (username_attributes = ["email"]: the
 * email is given as the username and as the email attribute); true when it must be confirmed with a code (sent by
 * email; locally in the emulator's log).
 */
export async function cognitoSignUp(email: string, password: string): Promise<boolean> {
  const result = await signUp({ username: email, password, options: { userAttributes: { email } } });
  return result.nextStep.signUpStep === 'CONFIRM_SIGN_UP';
}

export async function cognitoConfirmSignUp(username: string, code: string): Promise<void> {
  await confirmSignUp({ username, confirmationCode: code });
}

/** The username of the user Amplify still holds tokens for (a reload), or undefined when nobody is signed in. */
export async function currentCognitoUser(): Promise<string | undefined> {
  try {
    return (await getCurrentUser()).username;
  } catch {
    return undefined;
  }
}

export async function cognitoSignOut(): Promise<void> {
  await signOut().catch(() => undefined);
}

/**
 * The signed-in user's tokens for the API, renewed when due: the ID token (the bearer) and the access token of the same
 * sign-in (the API asks Cognito with it whether the sign-in still stands).
 */
export async function cognitoApiAuth(): Promise<ApiAuth> {
  const tokens = (await fetchAuthSession()).tokens;
  const bearer = tokens?.idToken?.toString();
  const cognitoAccessToken = tokens?.accessToken?.toString();
  if (!bearer || !cognitoAccessToken) throw new Error('Cognito has no tokens for this session; sign in again');
  return { bearer, cognitoAccessToken };
}
