/**
 * Cognito: a user pool and app client for signed-in users, an identity pool (guest access configurable), and the
 * authenticated / guest roles with their trust (aud, amr) and least-privilege IoT policies from the access model.
 */
import { CognitoIdentityPool } from '@cdktn/provider-aws/lib/cognito-identity-pool/index.js';
import { CognitoIdentityPoolRolesAttachment } from '@cdktn/provider-aws/lib/cognito-identity-pool-roles-attachment/index.js';
import { CognitoUserPool } from '@cdktn/provider-aws/lib/cognito-user-pool/index.js';
import { CognitoUserPoolClient } from '@cdktn/provider-aws/lib/cognito-user-pool-client/index.js';
import { IamRole } from '@cdktn/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktn/provider-aws/lib/iam-role-policy/index.js';
import { Construct } from 'constructs';
import type { RoleDefinition } from '../../core/access/model.js';
import { policyJson } from '../terraform-json.js';

export interface UserPoolProps {
  namePrefix: string;
  region: string;
  /** Refuse deletion of the pool and its users (every stage but a development one). */
  deletionProtection: boolean;
  /** Send from an SES identity instead of Cognito's default sender, whose daily quota is small ("Email settings"). */
  sesSender?: { sourceArn: string; fromAddress: string };
}

export class UserPool extends Construct {
  readonly pool: CognitoUserPool;
  readonly client: CognitoUserPoolClient;

  constructor(scope: Construct, id: string, props: UserPoolProps) {
    super(scope, id);
    this.pool = new CognitoUserPool(this, 'pool', {
      name: `${props.namePrefix}-users`,
      // Users sign up and in with their email (the web demo's form follows this).
      usernameAttributes: ['email'],
      // Cognito's default is case-sensitive usernames, so Dana@x.com and dana@x.com would be two users; AWS recommends
      // case-insensitive ("UsernameConfigurationType": CaseSensitive "true ... is the default value").
      usernameConfiguration: { caseSensitive: false },
      autoVerifiedAttributes: ['email'],
      passwordPolicy: { minimumLength: 12, requireLowercase: true, requireUppercase: true, requireNumbers: true, requireSymbols: false },
      deletionProtection: props.deletionProtection ? 'ACTIVE' : 'INACTIVE',
      ...(props.sesSender
        ? { emailConfiguration: { emailSendingAccount: 'DEVELOPER', sourceArn: props.sesSender.sourceArn, fromEmailAddress: props.sesSender.fromAddress } }
        : {}),
    });
    this.client = new CognitoUserPoolClient(this, 'client', {
      name: `${props.namePrefix}-web`,
      userPoolId: this.pool.id,
      generateSecret: false,
      explicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      preventUserExistenceErrors: 'ENABLED',
      // RevokeToken works only for clients with revocation on (Cognito's default for new clients; stated, not assumed).
      enableTokenRevocation: true,
    });
  }

  /** The identity pool's Logins key for this user pool. */
  loginsKey(region: string): string {
    return `cognito-idp.${region}.amazonaws.com/${this.pool.id}`;
  }
}

export class IdentityPool extends Construct {
  readonly pool: CognitoIdentityPool;

  constructor(scope: Construct, id: string, props: { namePrefix: string; allowGuests: boolean; userPool: UserPool; region: string }) {
    super(scope, id);
    this.pool = new CognitoIdentityPool(this, 'pool', {
      identityPoolName: `${props.namePrefix.replace(/-/g, '_')}_identities`,
      allowUnauthenticatedIdentities: props.allowGuests,
      allowClassicFlow: false,
      cognitoIdentityProviders: [{ clientId: props.userPool.client.id, providerName: props.userPool.pool.endpoint, serverSideTokenCheck: true }],
    });
  }

  /** Creates the two roles (after the pool exists: their trust names its id) and attaches them. */
  attachRoles(authenticated: RoleDefinition, guest: RoleDefinition): { authenticated: IamRole; guest: IamRole } {
    const make = (key: string, role: RoleDefinition) => {
      const iamRole = new IamRole(this, `${key}-role`, {
        name: role.name,
        assumeRolePolicy: policyJson(role.trust),
        maxSessionDuration: role.maxSessionDurationSeconds,
      });
      for (const p of role.policies) new IamRolePolicy(this, `${key}-${p.name}`, { role: iamRole.id, name: p.name, policy: policyJson(p.document) });
      return iamRole;
    };
    const roles = { authenticated: make('authenticated', authenticated), guest: make('guest', guest) };
    new CognitoIdentityPoolRolesAttachment(this, 'roles', {
      identityPoolId: this.pool.id,
      roles: { authenticated: roles.authenticated.arn, unauthenticated: roles.guest.arn },
    });
    return roles;
  }
}
