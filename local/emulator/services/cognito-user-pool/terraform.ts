/**
 * `aws_cognito_user_pool` and `aws_cognito_user_pool_client` as they appear in the synthesized Terraform JSON
 * (cdk.tf.json: snake_case arguments, a nested block as an object or a list of at most one object) -> the emulator's
 * UserPoolConfig / UserPoolClientConfig. Argument names and meanings follow the Terraform AWS provider documentation
 * (registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cognito_user_pool and .../cognito_user_pool_client)
 * and @cdktf/provider-aws's own `synthesizeAttributes`; values and defaults follow the Cognito API reference.
 *
 * Every argument falls in one of three sets, so nothing is silently skipped:
 * - modelled: mapped into the config and enforced;
 * - recorded: accepted, kept in `recorded`, not emulated (each with its reason below);
 * - anything else: refused with an error that names the argument.
 */
import * as v from 'valibot';
import {
  type AliasAttribute,
  type AuthFlow,
  DEFAULT_CLIENT,
  DEFAULT_POOL,
  type UserPoolClientConfig,
  type UserPoolConfig,
  validateUserPoolConfig,
} from './config.js';
import { COGNITO_DEFAULT_PASSWORD_POLICY } from './password-policy.js';

export class TerraformArgumentError extends Error {
  constructor(
    readonly resourceType: string,
    readonly argument: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${resourceType}: argument ${JSON.stringify(argument)} ${detail}`, options);
    this.name = 'TerraformArgumentError';
  }
}

const POOL = 'aws_cognito_user_pool';
const CLIENT = 'aws_cognito_user_pool_client';

/** Terraform meta-arguments and cdktf metadata that may sit among a resource's arguments. */
const META_ARGUMENTS: Record<string, string> = {
  '//': 'cdktf construct metadata (path, unique id), not a resource argument',
  depends_on: 'ordering for terraform apply; the applier creates resources from the whole JSON',
};

/** Accepted on `aws_cognito_user_pool`, not emulated: why each may be ignored locally. */
export const RECORDED_POOL_ARGUMENTS: Record<string, string> = {
  tags: 'tags change no behaviour of the pool',
  tags_all: 'tags change no behaviour of the pool',
  email_configuration: 'no email is sent locally: codes go to the emulator log (the SES sender is checked, then kept)',
  verification_message_template: 'no email is sent locally: the code is logged, not the message',
  email_verification_message: 'no email is sent locally: the code is logged, not the message',
  email_verification_subject: 'no email is sent locally: the code is logged, not the message',
  sms_authentication_message: 'no SMS is sent locally (MFA is OFF)',
  sms_verification_message: 'no SMS is sent locally (phone numbers are not verified)',
  account_recovery_setting: 'ForgotPassword is not emulated',
  user_attribute_update_settings: 'UpdateUserAttributes is not emulated',
  user_pool_tier: 'the feature plan decides billing and which features exist; every emulated feature is in every plan',
};

/** Accepted on `aws_cognito_user_pool_client`, not emulated. */
export const RECORDED_CLIENT_ARGUMENTS: Record<string, string> = {
  allowed_oauth_flows: 'the OAuth 2.0 endpoints (managed login) are not emulated',
  allowed_oauth_flows_user_pool_client: 'the OAuth 2.0 endpoints (managed login) are not emulated',
  allowed_oauth_scopes: 'the OAuth 2.0 endpoints (managed login) are not emulated',
  callback_urls: 'the OAuth 2.0 endpoints (managed login) are not emulated',
  logout_urls: 'the OAuth 2.0 endpoints (managed login) are not emulated',
  default_redirect_uri: 'the OAuth 2.0 endpoints (managed login) are not emulated',
  supported_identity_providers: 'federation with other identity providers is not emulated; the pool itself (COGNITO) is',
  read_attributes: 'attribute read permissions are not enforced: GetUser and the ID token carry every attribute',
  write_attributes: 'attribute write permissions are not enforced: UpdateUserAttributes is not emulated',
  enable_propagate_additional_user_context_data: 'threat protection (advanced security) is not emulated',
};

/** Arguments the provider documents that the emulator refuses, with the reason given in the error. */
const REFUSED_POOL_ARGUMENTS: Record<string, string> = {
  lambda_config: 'Lambda triggers are not run by the local user pool',
  schema: 'custom and required attributes are not emulated',
  device_configuration: 'device tracking (DEVICE_SRP_AUTH challenges) is not emulated',
  sms_configuration: 'SMS is not emulated',
  software_token_mfa_configuration: 'MFA is not emulated',
  email_mfa_configuration: 'MFA is not emulated',
  web_authn_configuration: 'passkeys are not emulated',
  region: 'the emulator has one region, given by the pool id',
  id: 'the pool id is assigned by the applier',
};
const REFUSED_CLIENT_ARGUMENTS: Record<string, string> = {
  analytics_configuration: 'Amazon Pinpoint analytics are not emulated',
  refresh_token_rotation: 'refresh token rotation is not emulated',
  region: 'the emulator has one region, given by the pool id',
  id: 'the client id is assigned by the applier',
};

// --- schemas ----------------------------------------------------------------------------------------------------

const bool = v.boolean();
const str = v.string();
const strings = v.array(v.string());
const count = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
/** Terraform JSON writes a nested block as an object, or as a list of at most one object. */
const block = <T extends v.GenericSchema>(schema: T) =>
  v.pipe(
    v.unknown(),
    v.check((value) => !Array.isArray(value) || value.length <= 1, 'must be one block at most'),
    v.transform((value) => (Array.isArray(value) ? value[0] : value)),
    v.optional(schema),
  );

const PasswordPolicyArgs = v.strictObject({
  minimum_length: v.optional(count(6, 99)),
  require_lowercase: v.optional(bool),
  require_uppercase: v.optional(bool),
  require_numbers: v.optional(bool),
  require_symbols: v.optional(bool),
  temporary_password_validity_days: v.optional(count(0, 365)),
  // Recorded: history is checked only when a password changes (ChangePassword is not emulated).
  password_history_size: v.optional(count(0, 24)),
});

const EmailConfigurationArgs = v.strictObject({
  configuration_set: v.optional(str),
  email_sending_account: v.optional(v.picklist(['COGNITO_DEFAULT', 'DEVELOPER'])),
  from_email_address: v.optional(str),
  reply_to_email_address: v.optional(str),
  source_arn: v.optional(v.pipe(str, v.regex(/^arn:[\w+=/,.@-]+:ses:[a-z0-9-]+:\d{12}:identity\/.+$/, 'must be the ARN of an SES identity'))),
});

const VerificationMessageTemplateArgs = v.strictObject({
  default_email_option: v.optional(v.picklist(['CONFIRM_WITH_CODE', 'CONFIRM_WITH_LINK'])),
  email_message: v.optional(v.pipe(str, v.includes('{####}', 'must contain the {####} placeholder'))),
  email_message_by_link: v.optional(v.pipe(str, v.includes('{##', 'must contain the {##Click Here##} placeholder'))),
  email_subject: v.optional(str),
  email_subject_by_link: v.optional(str),
  sms_message: v.optional(v.pipe(str, v.includes('{####}', 'must contain the {####} placeholder'))),
});

const AdminCreateUserConfigArgs = v.strictObject({
  allow_admin_create_user_only: v.optional(bool),
  // Recorded: AdminCreateUser is not emulated.
  invite_message_template: v.optional(block(v.strictObject({ email_message: v.optional(str), email_subject: v.optional(str), sms_message: v.optional(str) }))),
});

const AccountRecoveryArgs = v.strictObject({
  recovery_mechanism: v.optional(
    v.array(v.strictObject({ name: v.picklist(['verified_email', 'verified_phone_number', 'admin_only']), priority: count(1, 2) })),
  ),
});

const UserPoolArgs = v.strictObject({
  name: v.pipe(str, v.minLength(1), v.maxLength(128)),
  username_attributes: v.optional(v.array(v.picklist(['email']))),
  alias_attributes: v.optional(v.array(v.picklist(['email', 'preferred_username']))),
  auto_verified_attributes: v.optional(v.array(v.picklist(['email']))),
  username_configuration: v.optional(block(v.strictObject({ case_sensitive: v.optional(bool) }))),
  password_policy: v.optional(block(PasswordPolicyArgs)),
  deletion_protection: v.optional(v.picklist(['ACTIVE', 'INACTIVE'])),
  mfa_configuration: v.optional(v.picklist(['OFF'])),
  admin_create_user_config: v.optional(block(AdminCreateUserConfigArgs)),
  user_pool_add_ons: v.optional(block(v.strictObject({ advanced_security_mode: v.picklist(['OFF']) }))),
  sign_in_policy: v.optional(block(v.strictObject({ allowed_first_auth_factors: v.optional(v.array(v.picklist(['PASSWORD']))) }))),
  // recorded
  tags: v.optional(v.record(str, str)),
  tags_all: v.optional(v.record(str, str)),
  email_configuration: v.optional(block(EmailConfigurationArgs)),
  verification_message_template: v.optional(block(VerificationMessageTemplateArgs)),
  email_verification_message: v.optional(v.pipe(str, v.includes('{####}', 'must contain the {####} placeholder'))),
  email_verification_subject: v.optional(str),
  sms_authentication_message: v.optional(str),
  sms_verification_message: v.optional(str),
  account_recovery_setting: v.optional(block(AccountRecoveryArgs)),
  user_attribute_update_settings: v.optional(block(v.strictObject({ attributes_require_verification_before_update: v.array(v.picklist(['email'])) }))),
  user_pool_tier: v.optional(v.picklist(['LITE', 'ESSENTIALS', 'PLUS'])),
});

const TokenValidityUnitsArgs = v.strictObject({
  access_token: v.optional(v.picklist(['seconds', 'minutes', 'hours', 'days'])),
  id_token: v.optional(v.picklist(['seconds', 'minutes', 'hours', 'days'])),
  refresh_token: v.optional(v.picklist(['seconds', 'minutes', 'hours', 'days'])),
});

/** ExplicitAuthFlows values (CreateUserPoolClient); the legacy names without ALLOW_ are refused by name below. */
const EXPLICIT_AUTH_FLOWS = [
  'ALLOW_USER_SRP_AUTH',
  'ALLOW_REFRESH_TOKEN_AUTH',
  'ALLOW_USER_PASSWORD_AUTH',
  'ALLOW_ADMIN_USER_PASSWORD_AUTH',
  'ALLOW_CUSTOM_AUTH',
  'ALLOW_USER_AUTH',
  'ADMIN_NO_SRP_AUTH',
  'CUSTOM_AUTH_FLOW_ONLY',
  'USER_PASSWORD_AUTH',
] as const;

const UserPoolClientArgs = v.strictObject({
  name: v.pipe(str, v.minLength(1), v.maxLength(128)),
  user_pool_id: v.pipe(str, v.minLength(1)),
  generate_secret: v.optional(bool),
  explicit_auth_flows: v.optional(v.array(v.picklist(EXPLICIT_AUTH_FLOWS))),
  prevent_user_existence_errors: v.optional(v.picklist(['ENABLED', 'LEGACY'])),
  access_token_validity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  id_token_validity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  refresh_token_validity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  token_validity_units: v.optional(block(TokenValidityUnitsArgs)),
  auth_session_validity: v.optional(count(3, 15)),
  enable_token_revocation: v.optional(bool),
  // recorded
  allowed_oauth_flows: v.optional(v.array(v.picklist(['code', 'implicit', 'client_credentials']))),
  allowed_oauth_flows_user_pool_client: v.optional(bool),
  allowed_oauth_scopes: v.optional(strings),
  callback_urls: v.optional(strings),
  logout_urls: v.optional(strings),
  default_redirect_uri: v.optional(str),
  supported_identity_providers: v.optional(strings),
  read_attributes: v.optional(strings),
  write_attributes: v.optional(strings),
  enable_propagate_additional_user_context_data: v.optional(bool),
});

// --- mapping ----------------------------------------------------------------------------------------------------

/**
 * The pool's settings from its Terraform arguments. `userPoolId` is the id the applier assigned; the pool's clients
 * come from `userPoolClientFromTerraform` and are added by the caller (`clients` is empty here).
 */
export function userPoolFromTerraform(args: Record<string, unknown>, userPoolId: string): UserPoolConfig {
  const parsed = parseArguments(POOL, UserPoolArgs, args, REFUSED_POOL_ARGUMENTS, {
    mfa_configuration: 'only OFF is emulated (ON and OPTIONAL need MFA, which is not emulated)',
    user_pool_add_ons: 'advanced_security_mode OFF only: threat protection is not emulated',
    sign_in_policy: 'allowed_first_auth_factors PASSWORD only: passwordless sign-in is not emulated',
    username_attributes: 'email only: phone_number needs SMS, which is not emulated',
    alias_attributes: 'email and preferred_username only: phone_number needs SMS, which is not emulated',
    auto_verified_attributes: 'email only: phone_number needs SMS, which is not emulated',
  });
  if (parsed.username_attributes?.length && parsed.alias_attributes?.length) {
    // Provider docs: username_attributes "Conflicts with alias_attributes".
    throw new TerraformArgumentError(POOL, 'alias_attributes', 'conflicts with username_attributes');
  }
  const email = parsed.email_configuration;
  if (email !== undefined) {
    // Provider docs: email_sending_account is "Required to be DEVELOPER if from_email_address is set"; source_arn is
    // "Required if email_sending_account is set to DEVELOPER" (an SES identity Cognito sends from).
    if (email.from_email_address !== undefined && email.email_sending_account !== 'DEVELOPER') {
      throw new TerraformArgumentError(POOL, 'email_configuration.from_email_address', 'needs email_sending_account = "DEVELOPER"');
    }
    if (email.email_sending_account === 'DEVELOPER' && email.source_arn === undefined) {
      throw new TerraformArgumentError(POOL, 'email_configuration.source_arn', 'is required when email_sending_account is "DEVELOPER"');
    }
  }
  if (parsed.verification_message_template?.default_email_option === 'CONFIRM_WITH_LINK') {
    throw new TerraformArgumentError(
      POOL,
      'verification_message_template.default_email_option',
      'is not understood by the local emulator: CONFIRM_WITH_LINK needs the managed login domain, which is not emulated',
    );
  }
  const policy = parsed.password_policy;
  const recorded: Record<string, unknown> = {};
  for (const name of Object.keys(RECORDED_POOL_ARGUMENTS)) {
    const value = (parsed as Record<string, unknown>)[name];
    if (value !== undefined) recorded[name] = value;
  }
  if (policy?.password_history_size !== undefined) recorded['password_policy.password_history_size'] = policy.password_history_size;
  if (parsed.admin_create_user_config?.invite_message_template !== undefined) {
    recorded['admin_create_user_config.invite_message_template'] = parsed.admin_create_user_config.invite_message_template;
  }
  const pool: UserPoolConfig = {
    ...DEFAULT_POOL,
    userPoolId,
    name: parsed.name,
    usernameAttributes: unique(parsed.username_attributes ?? []),
    aliasAttributes: unique<AliasAttribute>(parsed.alias_attributes ?? []),
    autoVerifiedAttributes: unique(parsed.auto_verified_attributes ?? []),
    usernameCaseSensitive: parsed.username_configuration?.case_sensitive ?? DEFAULT_POOL.usernameCaseSensitive,
    // The provider sends the block's booleans as given (absent = false) and Cognito's defaults only without a block.
    passwordPolicy:
      policy === undefined
        ? COGNITO_DEFAULT_PASSWORD_POLICY
        : {
            minimumLength: policy.minimum_length ?? COGNITO_DEFAULT_PASSWORD_POLICY.minimumLength,
            requireLowercase: policy.require_lowercase ?? false,
            requireUppercase: policy.require_uppercase ?? false,
            requireNumbers: policy.require_numbers ?? false,
            requireSymbols: policy.require_symbols ?? false,
            temporaryPasswordValidityDays: policy.temporary_password_validity_days ?? COGNITO_DEFAULT_PASSWORD_POLICY.temporaryPasswordValidityDays,
          },
    deletionProtection: parsed.deletion_protection ?? 'INACTIVE',
    mfaConfiguration: 'OFF',
    allowAdminCreateUserOnly: parsed.admin_create_user_config?.allow_admin_create_user_only ?? false,
    clients: [],
    recorded,
  };
  validated(POOL, () => validateUserPoolConfig(pool));
  return pool;
}

/**
 * An app client's settings from its Terraform arguments. `clientId` is the id the applier assigned;
 * `userPoolReference` is `user_pool_id` as written (usually `${aws_cognito_user_pool.<name>.id}`), for the applier
 * to resolve to its pool.
 */
export function userPoolClientFromTerraform(args: Record<string, unknown>, clientId: string): { userPoolReference: string; client: UserPoolClientConfig } {
  const parsed = parseArguments(CLIENT, UserPoolClientArgs, args, REFUSED_CLIENT_ARGUMENTS, {});
  if (parsed.generate_secret === true) {
    // A client secret means every public call carries SECRET_HASH; the browser clients this project uses have none.
    throw new TerraformArgumentError(
      CLIENT,
      'generate_secret',
      'is not understood by the local emulator: clients with a secret (SECRET_HASH) are not emulated',
    );
  }
  const authFlows: AuthFlow[] = [];
  for (const flow of parsed.explicit_auth_flows ?? ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']) {
    if (flow === 'ALLOW_USER_SRP_AUTH' || flow === 'ALLOW_REFRESH_TOKEN_AUTH' || flow === 'ALLOW_USER_PASSWORD_AUTH') {
      authFlows.push(flow.slice('ALLOW_'.length) as AuthFlow);
    } else {
      throw new TerraformArgumentError(
        CLIENT,
        'explicit_auth_flows',
        `is not understood by the local emulator: ${flow} is not emulated (ALLOW_USER_SRP_AUTH, ALLOW_USER_PASSWORD_AUTH and ALLOW_REFRESH_TOKEN_AUTH are)`,
      );
    }
  }
  // token_validity_units: access and ID tokens default to hours, the refresh token to days (provider docs).
  const units = parsed.token_validity_units;
  const seconds = (value: number | undefined, unit: Unit | undefined, defaultUnit: Unit, fallback: number) =>
    value === undefined ? fallback : value * UNIT_SECONDS[unit ?? defaultUnit];
  const recorded: Record<string, unknown> = {};
  for (const name of Object.keys(RECORDED_CLIENT_ARGUMENTS)) {
    const value = (parsed as Record<string, unknown>)[name];
    if (value !== undefined) recorded[name] = value;
  }
  const client: UserPoolClientConfig = {
    clientId,
    name: parsed.name,
    authFlows: unique(authFlows),
    // Absent: ENABLED, the default of every client created since the setting exists (CreateUserPoolClient).
    preventUserExistenceErrors: (parsed.prevent_user_existence_errors ?? 'ENABLED') === 'ENABLED',
    idTokenValiditySeconds: seconds(parsed.id_token_validity, units?.id_token, 'hours', DEFAULT_CLIENT.idTokenValiditySeconds),
    accessTokenValiditySeconds: seconds(parsed.access_token_validity, units?.access_token, 'hours', DEFAULT_CLIENT.accessTokenValiditySeconds),
    refreshTokenValiditySeconds: seconds(parsed.refresh_token_validity, units?.refresh_token, 'days', DEFAULT_CLIENT.refreshTokenValiditySeconds),
    authSessionValiditySeconds: (parsed.auth_session_validity ?? 3) * 60,
    enableTokenRevocation: parsed.enable_token_revocation ?? true,
    recorded,
  };
  // The token limits are checked against a one-client pool: they are the client's own.
  validated(CLIENT, () => validateUserPoolConfig({ ...DEFAULT_POOL, userPoolId: 'local_check', clients: [client] }));
  return { userPoolReference: parsed.user_pool_id, client };
}

type Unit = 'seconds' | 'minutes' | 'hours' | 'days';
const UNIT_SECONDS: Record<Unit, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86_400 };

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function validated(resourceType: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    throw new TerraformArgumentError(resourceType, '(settings)', `out of range: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Unknown and refused arguments first (by name), then the value of every known one. `valueRules` names what a
 * refused value means, for arguments whose other values are emulated.
 */
function parseArguments<T extends v.GenericSchema>(
  resourceType: string,
  schema: T,
  args: Record<string, unknown>,
  refused: Record<string, string>,
  valueRules: Record<string, string>,
): v.InferOutput<T> {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    throw new TerraformArgumentError(resourceType, '(arguments)', 'must be an object of arguments');
  }
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (name in META_ARGUMENTS) continue;
    const reason = refused[name];
    if (reason !== undefined) throw new TerraformArgumentError(resourceType, name, `is not understood by the local emulator: ${reason}`);
    rest[name] = value;
  }
  const result = v.safeParse(schema, rest);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((item) => String(item.key)).filter((key) => !/^\d+$/.test(key));
  const argument = path.join('.') || '(arguments)';
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    throw new TerraformArgumentError(resourceType, argument, 'is not understood by the local emulator');
  }
  const rule = valueRules[path[0] ?? ''];
  const received = issue.received === undefined ? '' : ` (got ${issue.received})`;
  throw new TerraformArgumentError(
    resourceType,
    argument,
    rule === undefined ? `is invalid: ${issue.message}${received}` : `has a value the local emulator does not understand${received}: ${rule}`,
  );
}
