/** Who signed a request, and which policy layers decide what they may do. */
import type { RoleDefinition } from '../../../core/access/model.js';
import type { PolicyDocument } from '../../../core/policy/document.js';
import type { NamedPolicy } from '../../../core/policy/evaluator.js';
import { uniqueId } from './identifiers.js';

export interface UserPrincipal {
  kind: 'user';
  arn: string;
  userName: string;
  policies: readonly NamedPolicy[];
}

export interface CognitoIdentityOfSession {
  identityId: string;
  identityPoolId: string;
  authenticated: boolean;
}

export interface RoleSessionPrincipal {
  kind: 'role-session';
  /** `arn:aws:sts::<account>:assumed-role/<role>/<session>` (built by assumedRoleUser in identifiers.ts) */
  arn: string;
  /** `<RoleId>:<session>`: GetCallerIdentity's UserId and AssumeRole's AssumedRoleId. */
  assumedRoleId: string;
  role: RoleDefinition;
  sessionName: string;
  sessionPolicy?: PolicyDocument;
  /**
   * STS AssumeRole's PolicyArns: managed session policies, evaluated by ARN at each request (the session token packs
   * their ARNs, not their documents: AssumeRole API reference, PolicyArns).
   */
  managedSessionPolicyArns?: readonly string[];
  /** Set for credentials vended by Cognito Identity (AssumeRoleWithWebIdentity under the hood). */
  cognito?: CognitoIdentityOfSession;
}

export type Principal = UserPrincipal | RoleSessionPrincipal;

/** The principal as a trust policy sees it: a role session is matched by its role's ARN. */
export function trustPrincipalId(principal: Principal): string {
  return principal.kind === 'user' ? principal.arn : principal.role.arn;
}

/** A short name for log lines. */
export function describePrincipal(principal: Principal): string {
  if (principal.kind === 'user') return `user/${principal.userName}`;
  if (principal.cognito) {
    return `${principal.cognito.authenticated ? 'cognito-user' : 'cognito-guest'} ${principal.cognito.identityId} (role ${principal.role.name})`;
  }
  return `assumed-role/${principal.role.name}/${principal.sessionName}`;
}

/**
 * IoT: `principalIdentifier` of lifecycle events, "the credential used to authenticate ... for other connections [than
 * certificates], this is IAM credentials" (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html).
 * Events seen from role sessions carry the AssumedRoleId (`AROA...:<session name>`); an IAM user's is taken to be its
 * unique id (`AIDA...`), which no page shows (docs/aws-iot-facts.md section 3).
 */
export function principalIdentifier(principal: Principal): string {
  return principal.kind === 'user' ? uniqueId('AIDA', principal.arn) : principal.assumedRoleId;
}
