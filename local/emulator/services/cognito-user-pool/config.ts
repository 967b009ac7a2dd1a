/**
 * What a local user pool is: the settings of `aws_cognito_user_pool` and `aws_cognito_user_pool_client` the emulator
 * models (terraform.ts maps them from the synthesized Terraform JSON), Cognito's defaults where an argument is absent,
 * and the limits Cognito puts on each (CreateUserPool / CreateUserPoolClient API reference).
 */
import { COGNITO_DEFAULT_PASSWORD_POLICY, type PasswordPolicy, validatePasswordPolicy } from './password-policy.js';

/** The InitiateAuth flows the emulator implements (ExplicitAuthFlows `ALLOW_<flow>` of UserPoolClientType). */
export type AuthFlow = 'USER_SRP_AUTH' | 'USER_PASSWORD_AUTH' | 'REFRESH_TOKEN_AUTH';

/** UsernameAttributes the emulator models (`phone_number` needs SMS, which it does not send). */
export type UsernameAttribute = 'email';
/** AliasAttributes the emulator models. */
export type AliasAttribute = 'email' | 'preferred_username';
/** AutoVerifiedAttributes the emulator models (the code goes to the emulator log instead of an email). */
export type AutoVerifiedAttribute = 'email';

export interface UserPoolClientConfig {
  clientId: string;
  /** ClientName. */
  name: string;
  /** UserPoolClientType.ExplicitAuthFlows without the `ALLOW_` prefix. */
  authFlows: AuthFlow[];
  /**
   * PreventUserExistenceErrors = ENABLED: an unknown user gets NotAuthorizedException ("Incorrect username or
   * password.") instead of UserNotFoundException, and SRP answers with a challenge as if the user existed.
   */
  preventUserExistenceErrors: boolean;
  /** IdTokenValidity / AccessTokenValidity / RefreshTokenValidity with their TokenValidityUnits, in seconds. */
  idTokenValiditySeconds: number;
  accessTokenValiditySeconds: number;
  refreshTokenValiditySeconds: number;
  /** AuthSessionValidity (minutes 3-15, default 3): how long the Session of a challenge stays valid. */
  authSessionValiditySeconds: number;
  /** EnableTokenRevocation (true for every client created since 2021): RevokeToken works only when true. */
  enableTokenRevocation: boolean;
  /** Arguments accepted but not emulated (OAuth settings, attribute permissions, analytics), kept to be shown. */
  recorded: Record<string, unknown>;
}

export interface UserPoolConfig {
  /** `<region>_<id>`: Amplify takes the region from before `_` and the SRP pool name from after it. */
  userPoolId: string;
  /** PoolName. */
  name: string;
  /** UsernameAttributes: users sign up with their email as username; Cognito generates the username (the sub). */
  usernameAttributes: UsernameAttribute[];
  /** AliasAttributes: a verified email (or a preferred_username) signs in in place of the username. */
  aliasAttributes: AliasAttribute[];
  /** AutoVerifiedAttributes: SignUp sends a code to verify the email; confirming it marks email_verified. */
  autoVerifiedAttributes: AutoVerifiedAttribute[];
  /** UsernameConfiguration.CaseSensitive; true when absent (UsernameConfigurationType: "This is the default value"). */
  usernameCaseSensitive: boolean;
  passwordPolicy: PasswordPolicy;
  /** DeletionProtection; the emulator has no DeleteUserPool, so this is kept to be reported. */
  deletionProtection: 'ACTIVE' | 'INACTIVE';
  /** MfaConfiguration: only OFF is emulated; ON and OPTIONAL are refused when the configuration is read. */
  mfaConfiguration: 'OFF';
  /** AdminCreateUserConfig.AllowAdminCreateUserOnly: SignUp is refused when true. */
  allowAdminCreateUserOnly: boolean;
  clients: UserPoolClientConfig[];
  /** Arguments accepted but not emulated (tags, SES sender, message templates, account recovery), kept to be shown. */
  recorded: Record<string, unknown>;
}

/** Cognito API reference, UserPoolId: `[\w-]+_[0-9a-zA-Z]+`, at most 55 characters. */
export const USER_POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;
/** CreateUserPoolClient, ClientId: `[\w+]+`, 1-128 characters. */
export const CLIENT_ID = /^[\w+]{1,128}$/;

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/**
 * An app client as CreateUserPoolClient makes it when nothing is said: tokens of 1 hour (ID, access) and 30 days
 * (refresh), AuthSessionValidity 3 minutes, token revocation on, PreventUserExistenceErrors ENABLED (the default of
 * clients created since 2020), and ExplicitAuthFlows SRP and refresh ("If you don't specify a value for
 * ExplicitAuthFlows, your user client supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH";
 * custom auth needs Lambda triggers, which are not emulated).
 */
export const DEFAULT_CLIENT: Omit<UserPoolClientConfig, 'clientId'> = {
  name: 'client',
  authFlows: ['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH'],
  preventUserExistenceErrors: true,
  idTokenValiditySeconds: HOUR,
  accessTokenValiditySeconds: HOUR,
  refreshTokenValiditySeconds: 30 * DAY,
  authSessionValiditySeconds: 3 * MINUTE,
  enableTokenRevocation: true,
  recorded: {},
};

/** A pool as CreateUserPool makes it when nothing is said (a free username, Cognito's default password policy). */
export const DEFAULT_POOL: Omit<UserPoolConfig, 'userPoolId' | 'clients'> = {
  name: 'pool',
  usernameAttributes: [],
  aliasAttributes: [],
  autoVerifiedAttributes: [],
  usernameCaseSensitive: true,
  passwordPolicy: COGNITO_DEFAULT_PASSWORD_POLICY,
  deletionProtection: 'INACTIVE',
  mfaConfiguration: 'OFF',
  allowAdminCreateUserOnly: false,
  recorded: {},
};

/** A pool with one app client, Cognito's defaults overridden by `options` (for tests; the stack reads Terraform). */
export function userPoolConfig(
  userPoolId: string,
  clientId: string,
  options: Partial<Omit<UserPoolConfig, 'userPoolId' | 'clients' | 'passwordPolicy'>> & {
    passwordPolicy?: Partial<PasswordPolicy>;
    client?: Partial<Omit<UserPoolClientConfig, 'clientId'>>;
  } = {},
): UserPoolConfig {
  const { passwordPolicy, client, ...pool } = options;
  return {
    ...DEFAULT_POOL,
    ...pool,
    userPoolId,
    clients: [{ ...DEFAULT_CLIENT, ...client, clientId }],
    passwordPolicy: { ...COGNITO_DEFAULT_PASSWORD_POLICY, ...passwordPolicy },
  };
}

/** Cognito's limits on each setting (CreateUserPool, CreateUserPoolClient, UserPoolClientType). */
export function validateUserPoolConfig(pool: UserPoolConfig): void {
  const where = `user pool ${pool.userPoolId}`;
  if (!USER_POOL_ID.test(pool.userPoolId) || pool.userPoolId.length > 55) {
    throw new Error(`user pool id ${JSON.stringify(pool.userPoolId)} must look like <region>_<id> ([\\w-]+_[0-9a-zA-Z]+, at most 55 characters)`);
  }
  // CreateUserPool: UsernameAttributes and AliasAttributes are mutually exclusive.
  if (pool.usernameAttributes.length > 0 && pool.aliasAttributes.length > 0) {
    throw new Error(`${where}: username attributes and alias attributes cannot both be set (CreateUserPool)`);
  }
  validatePasswordPolicy(pool.passwordPolicy);
  for (const client of pool.clients) {
    const at = `${where}, client ${client.clientId}`;
    if (!CLIENT_ID.test(client.clientId)) throw new Error(`${at}: a client id is 1-128 characters of [\\w+]`);
    // UserPoolClientType: ID and access tokens last 5 minutes to 1 day; refresh tokens 1 hour to 10 years.
    for (const [name, seconds] of [
      ['ID token validity', client.idTokenValiditySeconds],
      ['access token validity', client.accessTokenValiditySeconds],
    ] as const) {
      if (!Number.isInteger(seconds) || seconds < 5 * MINUTE || seconds > DAY) throw new Error(`${at}: ${name} must be 5 minutes to 1 day, got ${seconds} s`);
    }
    if (!Number.isInteger(client.refreshTokenValiditySeconds) || client.refreshTokenValiditySeconds < HOUR || client.refreshTokenValiditySeconds > 3650 * DAY) {
      throw new Error(`${at}: refresh token validity must be 60 minutes to 10 years, got ${client.refreshTokenValiditySeconds} s`);
    }
    if (client.authSessionValiditySeconds < 3 * MINUTE || client.authSessionValiditySeconds > 15 * MINUTE) {
      throw new Error(`${at}: auth session validity must be 3 to 15 minutes`);
    }
  }
}

/** The longest an ID or access token of this pool can live: a sign-in is kept at least that long past its refresh. */
export function longestTokenSeconds(pool: UserPoolConfig): number {
  return Math.max(0, ...pool.clients.map((c) => Math.max(c.idTokenValiditySeconds, c.accessTokenValiditySeconds)));
}
