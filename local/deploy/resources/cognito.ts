/**
 * Cognito: the user pool and its app client (the settings infra uses, with Cognito's rules), the identity pool with its
 * providers, and the roles attachment. Ids are Cognito's shapes (`<region>_<9 alphanumerics>`, 26-character client
 * ids, `<region>:<uuid>`), stable across runs so users and identities kept in the data folder stay attached.
 */
import * as v from 'valibot';
import { userPoolClientFromTerraform, userPoolFromTerraform } from '../../emulator/services/cognito-user-pool/terraform.js';
import { blocks, optBool, optStr, resourceType, str, tags } from '../resource-type.js';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The pool's and client's arguments are mapped by the user pool service's own Terraform reader (cognito-user-pool/
 * terraform.ts), which models, records or refuses each one by name: the same rules the emulator then enforces.
 */
const anyArguments = v.record(v.string(), v.unknown());

export const userPool = resourceType({
  type: 'aws_cognito_user_pool',
  mode: 'managed',
  schema: anyArguments,
  apply: async (args, { emulator, stableId }) => {
    const id = `${emulator.account.region}_${stableId(9, ALPHANUMERIC)}`;
    const config = userPoolFromTerraform(args, id);
    await emulator.userPools.createPool(config);
    const region = emulator.account.region;
    return {
      id,
      name: config.name,
      arn: `arn:aws:cognito-idp:${region}:${emulator.account.accountId}:userpool/${id}`,
      endpoint: `cognito-idp.${region}.amazonaws.com/${id}`,
    };
  },
});

export const userPoolClient = resourceType({
  type: 'aws_cognito_user_pool_client',
  mode: 'managed',
  schema: anyArguments,
  apply(args, { emulator, stableId }) {
    const clientId = stableId(26, LOWER_ALPHANUMERIC);
    const { userPoolReference, client } = userPoolClientFromTerraform(args, clientId);
    emulator.userPools.addClient(userPoolReference, client);
    return { id: clientId, name: client.name, user_pool_id: userPoolReference };
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
