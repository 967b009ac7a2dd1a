/**
 * Cognito: the user pool and its app client (the settings infra uses, with Cognito's rules), the identity pool with its
 * providers, and the roles attachment. Ids are Cognito's shapes (`<region>_<9 alphanumerics>`, 26-character client
 * ids, `<region>:<uuid>`), stable across runs so users and identities kept in the data folder stay attached.
 */
import * as v from 'valibot';
import { DEFAULT_CLIENT, type UserPoolClientConfig, type UserPoolConfig } from '../../emulator/services/cognito-user-pool/config.js';
import { block, blocks, optBool, optNum, optStr, recorded, resourceType, str, strList, tags } from '../resource-type.js';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

export const userPool = resourceType({
  type: 'aws_cognito_user_pool',
  mode: 'managed',
  schema: v.strictObject({
    name: str(),
    username_attributes: v.optional(v.array(v.picklist(['email', 'phone_number']))),
    auto_verified_attributes: v.optional(strList()),
    password_policy: v.optional(
      block({
        minimum_length: optNum(),
        require_lowercase: optBool(),
        require_uppercase: optBool(),
        require_numbers: optBool(),
        require_symbols: optBool(),
        temporary_password_validity_days: optNum(),
      }),
    ),
    deletion_protection: recorded('protects the pool from deletion, which the applier never does'),
    email_configuration: recorded('the emulator writes confirmation codes to its log instead of sending email'),
    tags: tags(),
  }),
  apply: async (args, { emulator, stableId }) => {
    const id = `${emulator.account.region}_${stableId(9, ALPHANUMERIC)}`;
    const policy = args.password_policy ?? {};
    const config: UserPoolConfig = {
      userPoolId: id,
      clients: [],
      // PasswordPolicyType defaults when the block is absent: 8 characters and every class required.
      passwordPolicy: {
        minimumLength: policy.minimum_length ?? 8,
        requireLowercase: policy.require_lowercase ?? true,
        requireUppercase: policy.require_uppercase ?? true,
        requireNumbers: policy.require_numbers ?? true,
        requireSymbols: policy.require_symbols ?? true,
      },
      autoConfirm: false,
    };
    await emulator.userPools.createPool(config);
    const region = emulator.account.region;
    return {
      id,
      name: args.name,
      arn: `arn:aws:cognito-idp:${region}:${emulator.account.accountId}:userpool/${id}`,
      endpoint: `cognito-idp.${region}.amazonaws.com/${id}`,
    };
  },
});

const FLOWS = ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH'] as const;

export const userPoolClient = resourceType({
  type: 'aws_cognito_user_pool_client',
  mode: 'managed',
  schema: v.strictObject({
    name: str(),
    user_pool_id: str(),
    generate_secret: v.optional(v.literal(false)),
    explicit_auth_flows: v.optional(v.array(v.picklist(FLOWS))),
    prevent_user_existence_errors: v.optional(v.picklist(['ENABLED', 'LEGACY'])),
  }),
  apply(args, { emulator, stableId }) {
    const clientId = stableId(26, LOWER_ALPHANUMERIC);
    const client: UserPoolClientConfig = {
      ...DEFAULT_CLIENT,
      clientId,
      authFlows: (args.explicit_auth_flows ?? ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']).map(
        (f) => f.replace(/^ALLOW_/, '') as UserPoolClientConfig['authFlows'][number],
      ),
      preventUserExistenceErrors: (args.prevent_user_existence_errors ?? 'ENABLED') === 'ENABLED',
    };
    emulator.userPools.addClient(args.user_pool_id, client);
    return { id: clientId, name: args.name, user_pool_id: args.user_pool_id };
  },
});

export const identityPool = resourceType({
  type: 'aws_cognito_identity_pool',
  mode: 'managed',
  schema: v.strictObject({
    identity_pool_name: str(),
    allow_unauthenticated_identities: optBool(),
    allow_classic_flow: v.optional(v.literal(false)),
    cognito_identity_providers: v.optional(blocks({ client_id: str(), provider_name: str(), server_side_token_check: optBool() })),
    tags: tags(),
  }),
  apply(args, { emulator, stableId }) {
    const hex = stableId(32, '0123456789abcdef');
    const id = `${emulator.account.region}:${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    const providers = (args.cognito_identity_providers ?? []).map((p) => {
      // A user pool of this emulator: provider_name is its endpoint, cognito-idp.<region>.amazonaws.com/<poolId>.
      const poolId = /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/([\w-]+_[0-9a-zA-Z]+)$/.exec(p.provider_name)?.[1];
      if (!poolId || !emulator.userPools.pool(poolId)) throw new Error(`provider ${p.provider_name} is not a user pool of this stack`);
      return {
        loginsKey: p.provider_name,
        issuer: `https://${p.provider_name}`,
        audience: p.client_id,
        jwksUrl: `${emulator.url}/${poolId}/.well-known/jwks.json`,
        serverSideTokenCheck: p.server_side_token_check ?? false,
      };
    });
    emulator.account.createIdentityPool({ identityPoolId: id, allowUnauthenticated: args.allow_unauthenticated_identities ?? false, providers });
    return { id, arn: `arn:aws:cognito-identity:${emulator.account.region}:${emulator.account.accountId}:identitypool/${id}` };
  },
});

export const identityPoolRoles = resourceType({
  type: 'aws_cognito_identity_pool_roles_attachment',
  mode: 'managed',
  schema: v.strictObject({ identity_pool_id: str(), roles: v.strictObject({ authenticated: optStr(), unauthenticated: optStr() }) }),
  apply(args, { emulator }) {
    emulator.account.setIdentityPoolRoles(args.identity_pool_id, {
      ...(args.roles.authenticated ? { authenticated: args.roles.authenticated } : {}),
      ...(args.roles.unauthenticated ? { unauthenticated: args.roles.unauthenticated } : {}),
    });
    return { id: args.identity_pool_id };
  },
});
