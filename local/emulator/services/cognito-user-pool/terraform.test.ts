/**
 * The Terraform mapping against the pool and client that infra/constructs/identity.ts synthesizes (the same JSON
 * `terraform apply` receives), then argument by argument: modelled values, recorded ones, refusals by name.
 */

import { RECORDED_CLIENT_ARGUMENTS, RECORDED_POOL_ARGUMENTS, TerraformArgumentError, userPoolClientFromTerraform, userPoolFromTerraform } from './terraform.js';
import { synthesizedUserPool } from './terraform.test-support.js';

const POOL_ID = 'eu-west-1_Synth1';

const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TerraformArgumentError) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('the deployed pool and client (infra/constructs/identity.ts)', () => {
  const { pool, client } = synthesizedUserPool();

  it('maps the pool: email usernames, case-insensitive, auto-verified email, the 12-character policy', () => {
    const config = userPoolFromTerraform(pool, POOL_ID);
    expect(config).toMatchObject({
      userPoolId: POOL_ID,
      name: 'iot-realtime-test-users',
      usernameAttributes: ['email'],
      aliasAttributes: [],
      autoVerifiedAttributes: ['email'],
      usernameCaseSensitive: false,
      passwordPolicy: {
        minimumLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireNumbers: true,
        requireSymbols: false,
        temporaryPasswordValidityDays: 7,
      },
      mfaConfiguration: 'OFF',
      allowAdminCreateUserOnly: false,
      clients: [],
    });
    expect(['ACTIVE', 'INACTIVE']).toContain(config.deletionProtection);
  });

  it('maps the client: SRP and refresh only, existence hidden, Cognito default token lifetimes, revocation on', () => {
    const { userPoolReference, client: config } = userPoolClientFromTerraform(client, 'webclient1');
    expect(userPoolReference).toMatch(/^\$\{aws_cognito_user_pool\.[\w-]+\.id\}$/);
    expect(config).toEqual({
      clientId: 'webclient1',
      name: 'iot-realtime-test-web',
      authFlows: ['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: true,
      idTokenValiditySeconds: 3600,
      accessTokenValiditySeconds: 3600,
      refreshTokenValiditySeconds: 30 * 86_400,
      authSessionValiditySeconds: 180,
      enableTokenRevocation: true,
      recorded: {},
    });
  });
});

describe('aws_cognito_user_pool arguments', () => {
  const base = { name: 'p' };

  it('takes a nested block as an object or as a one-element list, and refuses two', () => {
    const policy = { minimum_length: 10, require_numbers: true };
    expect(userPoolFromTerraform({ ...base, password_policy: policy }, POOL_ID).passwordPolicy.minimumLength).toBe(10);
    expect(userPoolFromTerraform({ ...base, password_policy: [policy] }, POOL_ID).passwordPolicy.requireNumbers).toBe(true);
    expect(refusal(() => userPoolFromTerraform({ ...base, password_policy: [policy, policy] }, POOL_ID))).toContain('"password_policy"');
  });

  it("uses Cognito's defaults without a password_policy block, and the block's values (absent booleans false) with one", () => {
    expect(userPoolFromTerraform(base, POOL_ID).passwordPolicy).toEqual({
      minimumLength: 8,
      requireUppercase: true,
      requireLowercase: true,
      requireNumbers: true,
      requireSymbols: true,
      temporaryPasswordValidityDays: 7,
    });
    expect(userPoolFromTerraform({ ...base, password_policy: { minimum_length: 9, temporary_password_validity_days: 3 } }, POOL_ID).passwordPolicy).toEqual({
      minimumLength: 9,
      requireUppercase: false,
      requireLowercase: false,
      requireNumbers: false,
      requireSymbols: false,
      temporaryPasswordValidityDays: 3,
    });
  });

  it('models aliases, case-insensitive usernames, admin-only sign-up and deletion protection', () => {
    const config = userPoolFromTerraform(
      {
        ...base,
        alias_attributes: ['email', 'preferred_username'],
        username_configuration: [{ case_sensitive: false }],
        admin_create_user_config: { allow_admin_create_user_only: true },
        deletion_protection: 'ACTIVE',
        mfa_configuration: 'OFF',
      },
      POOL_ID,
    );
    expect(config).toMatchObject({
      aliasAttributes: ['email', 'preferred_username'],
      usernameCaseSensitive: false,
      allowAdminCreateUserOnly: true,
      deletionProtection: 'ACTIVE',
    });
  });

  it('records the SES sender, templates, recovery setting and tags without emulating them', () => {
    const email_configuration = {
      email_sending_account: 'DEVELOPER',
      from_email_address: 'Realtime <no-reply@example.com>',
      source_arn: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
    };
    const config = userPoolFromTerraform(
      {
        ...base,
        tags: { stage: 'prod' },
        email_configuration: [email_configuration],
        verification_message_template: { default_email_option: 'CONFIRM_WITH_CODE', email_message: 'Your code is {####}' },
        account_recovery_setting: { recovery_mechanism: [{ name: 'verified_email', priority: 1 }] },
        password_policy: { minimum_length: 12, password_history_size: 3 },
        admin_create_user_config: { invite_message_template: { email_message: 'Hi {username}, {####}' } },
      },
      POOL_ID,
    );
    expect(config.recorded).toEqual({
      tags: { stage: 'prod' },
      email_configuration,
      verification_message_template: { default_email_option: 'CONFIRM_WITH_CODE', email_message: 'Your code is {####}' },
      account_recovery_setting: { recovery_mechanism: [{ name: 'verified_email', priority: 1 }] },
      'password_policy.password_history_size': 3,
      'admin_create_user_config.invite_message_template': { email_message: 'Hi {username}, {####}' },
    });
    for (const name of Object.keys(RECORDED_POOL_ARGUMENTS)) expect(RECORDED_POOL_ARGUMENTS[name]).toMatch(/\w/);
  });

  it('refuses an SES sender that SES could not send from', () => {
    expect(refusal(() => userPoolFromTerraform({ ...base, email_configuration: { from_email_address: 'a@example.com' } }, POOL_ID))).toBe(
      'aws_cognito_user_pool: argument "email_configuration.from_email_address" needs email_sending_account = "DEVELOPER"',
    );
    expect(refusal(() => userPoolFromTerraform({ ...base, email_configuration: { email_sending_account: 'DEVELOPER' } }, POOL_ID))).toBe(
      'aws_cognito_user_pool: argument "email_configuration.source_arn" is required when email_sending_account is "DEVELOPER"',
    );
    expect(
      refusal(() =>
        userPoolFromTerraform({ ...base, email_configuration: { email_sending_account: 'DEVELOPER', source_arn: 'arn:aws:s3:::bucket' } }, POOL_ID),
      ),
    ).toContain('"email_configuration.source_arn" is invalid');
  });

  it('refuses unknown and unemulated arguments by name, at any depth', () => {
    expect(refusal(() => userPoolFromTerraform({ ...base, lambda_config: { pre_sign_up: 'arn' } }, POOL_ID))).toBe(
      'aws_cognito_user_pool: argument "lambda_config" is not understood by the local emulator: Lambda triggers are not run by the local user pool',
    );
    expect(refusal(() => userPoolFromTerraform({ ...base, made_up: 1 }, POOL_ID))).toBe(
      'aws_cognito_user_pool: argument "made_up" is not understood by the local emulator',
    );
    expect(refusal(() => userPoolFromTerraform({ ...base, password_policy: { minimum_length: 12, made_up: true } }, POOL_ID))).toBe(
      'aws_cognito_user_pool: argument "password_policy.made_up" is not understood by the local emulator',
    );
    for (const name of ['schema', 'device_configuration', 'sms_configuration', 'software_token_mfa_configuration', 'web_authn_configuration', 'region']) {
      expect(refusal(() => userPoolFromTerraform({ ...base, [name]: {} }, POOL_ID))).toContain(`"${name}" is not understood by the local emulator`);
    }
  });

  it('refuses the values it does not emulate, naming the argument and why', () => {
    expect(refusal(() => userPoolFromTerraform({ ...base, mfa_configuration: 'ON' }, POOL_ID))).toBe(
      'aws_cognito_user_pool: argument "mfa_configuration" has a value the local emulator does not understand (got "ON"): only OFF is emulated (ON and OPTIONAL need MFA, which is not emulated)',
    );
    expect(refusal(() => userPoolFromTerraform({ ...base, username_attributes: ['phone_number'] }, POOL_ID))).toContain('"username_attributes"');
    expect(refusal(() => userPoolFromTerraform({ ...base, user_pool_add_ons: { advanced_security_mode: 'ENFORCED' } }, POOL_ID))).toContain(
      '"user_pool_add_ons.advanced_security_mode"',
    );
    expect(refusal(() => userPoolFromTerraform({ ...base, verification_message_template: { default_email_option: 'CONFIRM_WITH_LINK' } }, POOL_ID))).toContain(
      'CONFIRM_WITH_LINK',
    );
    expect(refusal(() => userPoolFromTerraform({ ...base, username_attributes: ['email'], alias_attributes: ['email'] }, POOL_ID))).toBe(
      'aws_cognito_user_pool: argument "alias_attributes" conflicts with username_attributes',
    );
    expect(refusal(() => userPoolFromTerraform({ ...base, password_policy: { minimum_length: 5 } }, POOL_ID))).toContain(
      '"password_policy.minimum_length" is invalid',
    );
    expect(refusal(() => userPoolFromTerraform({ name: '' }, POOL_ID))).toContain('"name" is invalid');
    expect(refusal(() => userPoolFromTerraform({}, POOL_ID))).toContain('"name"');
  });

  it('ignores cdktf metadata and depends_on, and refuses other meta-arguments', () => {
    expect(userPoolFromTerraform({ ...base, '//': { metadata: { path: 'x' } }, depends_on: ['a.b'] }, POOL_ID).name).toBe('p');
    expect(refusal(() => userPoolFromTerraform({ ...base, lifecycle: { prevent_destroy: true } }, POOL_ID))).toContain('"lifecycle" is not understood');
  });
});

describe('aws_cognito_user_pool_client arguments', () => {
  const base = { name: 'c', user_pool_id: '${aws_cognito_user_pool.p.id}' };

  it('converts token validity with token_validity_units (hours and days by default)', () => {
    const { client } = userPoolClientFromTerraform(
      { ...base, id_token_validity: 2, access_token_validity: 30, refresh_token_validity: 7, token_validity_units: [{ access_token: 'minutes' }] },
      'c1',
    );
    expect(client).toMatchObject({ idTokenValiditySeconds: 7200, accessTokenValiditySeconds: 1800, refreshTokenValiditySeconds: 7 * 86_400 });
  });

  it("refuses token lifetimes outside Cognito's ranges", () => {
    expect(refusal(() => userPoolClientFromTerraform({ ...base, access_token_validity: 2, token_validity_units: { access_token: 'days' } }, 'c1'))).toContain(
      'access token validity must be 5 minutes to 1 day',
    );
    expect(
      refusal(() => userPoolClientFromTerraform({ ...base, refresh_token_validity: 30, token_validity_units: { refresh_token: 'minutes' } }, 'c1')),
    ).toContain('refresh token validity must be 60 minutes to 10 years');
    expect(refusal(() => userPoolClientFromTerraform({ ...base, auth_session_validity: 20 }, 'c1'))).toContain('"auth_session_validity" is invalid');
  });

  it('models auth flows, existence errors, session validity and revocation', () => {
    const { client } = userPoolClientFromTerraform(
      {
        ...base,
        explicit_auth_flows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        prevent_user_existence_errors: 'LEGACY',
        auth_session_validity: 5,
        enable_token_revocation: false,
      },
      'c1',
    );
    expect(client).toMatchObject({
      authFlows: ['USER_PASSWORD_AUTH', 'REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: false,
      authSessionValiditySeconds: 300,
      enableTokenRevocation: false,
    });
  });

  it('records OAuth settings and attribute permissions', () => {
    const oauth = {
      allowed_oauth_flows_user_pool_client: true,
      allowed_oauth_flows: ['code'],
      allowed_oauth_scopes: ['openid', 'email'],
      callback_urls: ['https://app.example.com/'],
      supported_identity_providers: ['COGNITO'],
      read_attributes: ['email'],
    };
    expect(userPoolClientFromTerraform({ ...base, ...oauth }, 'c1').client.recorded).toEqual(oauth);
    for (const name of Object.keys(RECORDED_CLIENT_ARGUMENTS)) expect(RECORDED_CLIENT_ARGUMENTS[name]).toMatch(/\w/);
  });

  it('refuses a client secret, unemulated flows and unknown arguments by name', () => {
    expect(refusal(() => userPoolClientFromTerraform({ ...base, generate_secret: true }, 'c1'))).toBe(
      'aws_cognito_user_pool_client: argument "generate_secret" is not understood by the local emulator: clients with a secret (SECRET_HASH) are not emulated',
    );
    expect(refusal(() => userPoolClientFromTerraform({ ...base, explicit_auth_flows: ['ALLOW_CUSTOM_AUTH'] }, 'c1'))).toContain(
      'ALLOW_CUSTOM_AUTH is not emulated',
    );
    expect(refusal(() => userPoolClientFromTerraform({ ...base, explicit_auth_flows: ['NOT_A_FLOW'] }, 'c1'))).toContain('"explicit_auth_flows" is invalid');
    expect(refusal(() => userPoolClientFromTerraform({ ...base, refresh_token_rotation: { feature: 'ENABLED' } }, 'c1'))).toContain(
      '"refresh_token_rotation" is not understood by the local emulator',
    );
    expect(refusal(() => userPoolClientFromTerraform({ ...base, token_validity_units: { session: 'minutes' } }, 'c1'))).toBe(
      'aws_cognito_user_pool_client: argument "token_validity_units.session" is not understood by the local emulator',
    );
    expect(refusal(() => userPoolClientFromTerraform({ name: 'c' }, 'c1'))).toContain('"user_pool_id"');
    expect(refusal(() => userPoolClientFromTerraform(base, 'bad id!'))).toContain('client id');
  });
});
