/** Who signed in: a user of the app's own sign-in (with its JWT), a Cognito guest, or a Cognito user. */
export type Identity =
  | { kind: 'app'; userId: string; name: string; token: string }
  | { kind: 'cognito-guest' }
  | { kind: 'cognito-user'; username: string };
