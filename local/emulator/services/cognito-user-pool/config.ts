/** What a local user pool is: its id, its app clients and their flows, its password policy and confirmation mode. */
import { LENGTH_ONLY_POLICY, type PasswordPolicy, validatePasswordPolicy } from './password-policy.js';

/** The InitiateAuth flows the emulator implements (ExplicitAuthFlows `ALLOW_<flow>` of UserPoolClientType). */
export type AuthFlow = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH';

export interface UserPoolClientConfig {
  clientId: string;
  /** UserPoolClientType.ExplicitAuthFlows without the `ALLOW_` prefix. */
  authFlows: AuthFlow[];
  /**
   * UserPoolClientType.PreventUserExistenceErrors = ENABLED: an unknown user gets NotAuthorizedException ("Incorrect
   * username or password.") instead of UserNotFoundException, and SRP answers with a challenge as if the user existed.
   */
  preventUserExistenceErrors: boolean;
  /** ID and access token lifetime; Cognito's default (and the issue's) is one hour. */
  tokenValiditySeconds: number;
  /** Cognito's default refresh token validity is 30 days. */
  refreshTokenValiditySeconds: number;
}

export interface UserPoolConfig {
  /** `<region>_<id>`: Amplify takes the region from before `_` and the SRP pool name from after it. */
  userPoolId: string;
  clients: UserPoolClientConfig[];
  passwordPolicy: PasswordPolicy;
  /**
   * Local setting, not a Cognito one (Cognito needs a pre sign-up Lambda for it): sign-ups are confirmed at once.
   * Otherwise the confirmation code is written to the emulator log (there is no email locally).
   */
  autoConfirm: boolean;
}

/** Cognito API reference, UserPoolId: `[\w-]+_[0-9a-zA-Z]+`, at most 55 characters. */
export const USER_POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

export const DEFAULT_CLIENT: Omit<UserPoolClientConfig, 'clientId'> = {
  authFlows: ['USER_SRP_AUTH', 'USER_PASSWORD_AUTH', 'REFRESH_TOKEN_AUTH'],
  preventUserExistenceErrors: true,
  tokenValiditySeconds: 3600,
  refreshTokenValiditySeconds: 30 * 24 * 3600,
};

/** A pool with one app client and Cognito's defaults, overridable. */
export function userPoolConfig(
  userPoolId: string,
  clientId: string,
  options: { autoConfirm?: boolean; passwordPolicy?: Partial<PasswordPolicy>; client?: Partial<Omit<UserPoolClientConfig, 'clientId'>> } = {},
): UserPoolConfig {
  return {
    userPoolId,
    clients: [{ ...DEFAULT_CLIENT, ...options.client, clientId }],
    passwordPolicy: { ...LENGTH_ONLY_POLICY, ...options.passwordPolicy },
    autoConfirm: options.autoConfirm ?? false,
  };
}

export function validateUserPoolConfig(pool: UserPoolConfig): void {
  if (!USER_POOL_ID.test(pool.userPoolId) || pool.userPoolId.length > 55) {
    throw new Error(`user pool id ${JSON.stringify(pool.userPoolId)} must look like <region>_<id> ([\\w-]+_[0-9a-zA-Z]+, at most 55 characters)`);
  }
  for (const client of pool.clients) {
    if (client.clientId === '') throw new Error(`user pool ${pool.userPoolId}: an app client id is empty`);
    // Cognito: ID and access tokens last 5 minutes to 1 day; refresh tokens 1 hour to 10 years (UserPoolClientType).
    if (client.tokenValiditySeconds < 300 || client.tokenValiditySeconds > 86_400)
      throw new Error(`client ${client.clientId}: tokenValiditySeconds must be 300-86400`);
    if (client.refreshTokenValiditySeconds < 3600 || client.refreshTokenValiditySeconds > 315_360_000)
      throw new Error(`client ${client.clientId}: refreshTokenValiditySeconds must be 3600-315360000`);
  }
  validatePasswordPolicy(pool.passwordPolicy);
}
