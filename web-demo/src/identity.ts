/** Who signed in: a user of the app's own sign-in (with its JWT), a Cognito guest, or a Cognito user-pool user. */
export type Identity =
  | { kind: 'app'; userId: string; name: string; token: string }
  | { kind: 'cognito-guest' }
  /** Amplify keeps the user pool tokens; the page asks it for the ID token when it needs one. */
  | { kind: 'cognito-user'; username: string };
