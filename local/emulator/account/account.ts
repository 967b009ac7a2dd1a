/**
 * The local AWS account: IAM users (long-term keys for tools), roles with trust and policies, IoT policies and their
 * attachments to Cognito identities, and identity pools. It answers one question for every service of the emulator:
 * may this principal do this action on this resource, by the same documents AWS would evaluate?
 */
import { createHash } from 'node:crypto';
import type { RoleDefinition } from '../../../core/access/model.js';
import type { PolicyDocument } from '../../../core/policy/document.js';
import {
  type AuthorizationRequest,
  type ContextValue,
  type Decision,
  evaluateLayers,
  evaluatePolicies,
  type NamedPolicy,
  type PolicyLayer,
  UnsupportedPolicyFeatureError,
} from '../../../core/policy/evaluator.js';
import { AUTHORIZED_SERVICES, ServiceAuthorizationReference } from './authorization-reference.js';
import { CredentialStore, type StoredCredentials, type TemporaryCredentialKind } from './credentials.js';
import { assumedRoleUser } from './identifiers.js';
import { type Principal, type RoleSessionPrincipal, trustPrincipalId } from './principal.js';

export interface LocalUserConfig {
  userName: string;
  accessKeyId: string;
  secretAccessKey: string;
  policies: NamedPolicy[];
}

export interface IdentityProviderConfig {
  /** The key of `Logins`: `cognito-idp.<region>.amazonaws.com/<userPoolId>` or an OIDC issuer host. */
  loginsKey: string;
  issuer: string;
  /** Accepted `aud` (the app client id). */
  audience: string;
  jwksUrl: string;
  /**
   * CognitoIdentityProvider.ServerSideTokenCheck: before answering GetId or GetCredentialsForIdentity, ask the user
   * pool whether the token's user signed out globally, had the token revoked, or was deleted.
   */
  serverSideTokenCheck?: boolean;
}

export interface IdentityPoolConfig {
  /** `<region>:<uuid>`: Amplify parses the region from it. */
  identityPoolId: string;
  allowUnauthenticated: boolean;
  /** Set by SetIdentityPoolRoles (Terraform: aws_cognito_identity_pool_roles_attachment); unset until then. */
  authenticatedRoleArn?: string;
  unauthenticatedRoleArn?: string;
  providers: IdentityProviderConfig[];
}

/** What narrows a role session beyond its role: STS session policies, or the Cognito identity it was vended to. */
export type RoleSessionScope = Pick<RoleSessionPrincipal, 'sessionPolicy' | 'managedSessionPolicyArns' | 'cognito'>;

/** An IoT policy as GetPolicy describes it (IoT API reference, GetPolicy). */
export interface IotPolicyRecord {
  name: string;
  document: PolicyDocument;
  /** The document as it was submitted (GetPolicy's policyDocument). */
  text: string;
  createdAt: Date;
  lastModifiedAt: Date;
  /** The emulator keeps one version of each policy: CreatePolicy makes version 1, the default. */
  defaultVersionId: string;
  generationId: string;
}

/** A customer managed IAM policy (IAM CreatePolicy; Terraform aws_iam_policy). */
export interface ManagedPolicy {
  arn: string;
  name: string;
  /** IAM paths start and end with `/`; `/` by default. */
  path: string;
  document: PolicyDocument;
  createdAt: Date;
  /** IAM CreatePolicy makes version v1, the default. */
  defaultVersionId: string;
}

export type IssuedRoleSession = StoredCredentials & { principal: RoleSessionPrincipal };

/**
 * What the account holds when the emulator starts. `npm start` starts with the admin user only and creates everything
 * else from the synthesized stack (local/deploy); emulator tests may seed roles and pools directly.
 */
export interface AccountConfig {
  region: string;
  accountId: string;
  users: LocalUserConfig[];
  roles?: RoleDefinition[];
  iotPolicies?: NamedPolicy[];
  identityPools?: IdentityPoolConfig[];
}

/** An IAM or IoT entity that already exists (IAM's EntityAlreadyExists, IoT's ResourceAlreadyExistsException). */
export class EntityAlreadyExistsError extends Error {
  override readonly name = 'EntityAlreadyExistsError';
  /** IAM's error code. */
  readonly code = 'EntityAlreadyExists';
}

/** An entity a request names does not exist (IAM's NoSuchEntity, IoT's ResourceNotFoundException). */
export class NoSuchEntityError extends Error {
  override readonly name = 'NoSuchEntityError';
  /** IAM's error code. */
  readonly code = 'NoSuchEntity';
}

export interface LocalAccountBounds {
  /** Temporary credentials kept at most (see CredentialStore). */
  maxTemporaryCredentials?: number;
  /** Where unexpired temporary credentials are saved across restarts (see CredentialStore); memory only when absent. */
  credentialsFile?: string;
  /** A failed save of the credentials file (they stay valid in memory). */
  onSaveError?: (error: unknown) => void;
}

/** IAM: a managed policy name is 1-128 of `[\w+=,.@-]` (IAM API reference, CreatePolicy, PolicyName). */
const MANAGED_POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
/** IAM: a path is `/` or `/.../`, of printable ASCII without `/` runs (IAM API reference, CreatePolicy, Path). */
const IAM_PATH = /^\/(?:[\u0021-\u002E\u0030-\u007E]+\/)*$/;

export class LocalAccount {
  readonly credentials: CredentialStore;
  readonly #roles = new Map<string, RoleDefinition>();
  readonly #iotPolicies = new Map<string, IotPolicyRecord>();
  /** Customer managed policies by ARN, and the ones attached to each role (by role ARN). */
  readonly #managedPolicies = new Map<string, ManagedPolicy>();
  readonly #roleAttachments = new Map<string, Set<string>>();
  readonly #identityPools = new Map<string, IdentityPoolConfig>();
  /** IoT policy attachments: target (Cognito identity id) -> policy names. */
  readonly #attachments = new Map<string, Set<string>>();

  constructor(
    readonly config: AccountConfig,
    bounds: LocalAccountBounds = {},
    readonly reference: ServiceAuthorizationReference = ServiceAuthorizationReference.forServices(AUTHORIZED_SERVICES),
  ) {
    this.credentials = new CredentialStore({
      ...(bounds.maxTemporaryCredentials !== undefined ? { maxTemporary: bounds.maxTemporaryCredentials } : {}),
      ...(bounds.credentialsFile !== undefined ? { file: bounds.credentialsFile } : {}),
      ...(bounds.onSaveError ? { onSaveError: bounds.onSaveError } : {}),
      roleByArn: (arn) => this.#roles.get(arn),
    });
    for (const role of config.roles ?? []) this.createRole(role);
    for (const p of config.iotPolicies ?? []) this.createIotPolicy(p.name, p.document);
    for (const pool of config.identityPools ?? []) this.createIdentityPool(pool);
    for (const user of config.users) {
      this.credentials.add({
        accessKeyId: user.accessKeyId,
        secretAccessKey: user.secretAccessKey,
        principal: { kind: 'user', arn: `arn:aws:iam::${config.accountId}:user/${user.userName}`, userName: user.userName, policies: user.policies },
      });
    }
  }

  get region(): string {
    return this.config.region;
  }

  get accountId(): string {
    return this.config.accountId;
  }

  role(arn: string): RoleDefinition | undefined {
    return this.#roles.get(arn);
  }

  roleByName(name: string): RoleDefinition | undefined {
    return this.#roles.get(`arn:aws:iam::${this.accountId}:role/${name}`);
  }

  /** IAM CreateRole: a role's name is unique in the account (case-insensitively, as IAM names are). */
  createRole(role: RoleDefinition): void {
    if ([...this.#roles.values()].some((r) => r.name.toLowerCase() === role.name.toLowerCase()))
      throw new EntityAlreadyExistsError(`Role with name ${role.name} already exists.`);
    this.#roles.set(role.arn, role);
  }

  /** IAM PutRolePolicy: adds or replaces the role's inline policy of that name; existing sessions see it at once. */
  putRolePolicy(roleName: string, named: NamedPolicy): void {
    const role = this.roleByName(roleName);
    if (!role) throw new NoSuchEntityError(`The role with name ${roleName} cannot be found.`);
    const others = role.policies.filter((p) => p.name !== named.name);
    role.policies.splice(0, role.policies.length, ...others, named);
  }

  identityPool(id: string): IdentityPoolConfig | undefined {
    return this.#identityPools.get(id);
  }

  createIdentityPool(pool: IdentityPoolConfig): void {
    if (this.#identityPools.has(pool.identityPoolId)) throw new EntityAlreadyExistsError(`identity pool ${pool.identityPoolId} already exists`);
    this.#identityPools.set(pool.identityPoolId, { ...pool, providers: [...pool.providers] });
  }

  /** Cognito SetIdentityPoolRoles: the roles must exist (Cognito checks the ARNs it is given). */
  setIdentityPoolRoles(identityPoolId: string, roles: { authenticated?: string; unauthenticated?: string }): void {
    const pool = this.#identityPools.get(identityPoolId);
    if (!pool) throw new NoSuchEntityError(`IdentityPool '${identityPoolId}' not found.`);
    for (const arn of [roles.authenticated, roles.unauthenticated]) {
      if (arn !== undefined && !this.#roles.has(arn)) throw new NoSuchEntityError(`Role ${arn} does not exist`);
    }
    if (roles.authenticated !== undefined) pool.authenticatedRoleArn = roles.authenticated;
    if (roles.unauthenticated !== undefined) pool.unauthenticatedRoleArn = roles.unauthenticated;
  }

  iotPolicy(name: string): PolicyDocument | undefined {
    return this.#iotPolicies.get(name)?.document;
  }

  /** The IoT policy as GetPolicy describes it. */
  iotPolicyRecord(name: string): IotPolicyRecord | undefined {
    return this.#iotPolicies.get(name);
  }

  /**
   * IoT CreatePolicy: names are unique per account and region. `text` is the document as submitted (GetPolicy answers
   * it as it came); the parsed document's JSON when absent.
   */
  createIotPolicy(name: string, document: PolicyDocument, text: string = JSON.stringify(document), now: Date = new Date()): void {
    if (this.#iotPolicies.has(name)) throw new EntityAlreadyExistsError(`Policy ${name} already exists.`);
    const generationId = createHash('sha256').update(`${name}\n${text}\n${now.toISOString()}`).digest('hex');
    this.#iotPolicies.set(name, { name, document, text, createdAt: now, lastModifiedAt: now, defaultVersionId: '1', generationId });
  }

  /** The IoT policies of the account (ListPolicies), in creation order. */
  iotPolicyNames(): string[] {
    return [...this.#iotPolicies.keys()];
  }

  /**
   * IAM CreatePolicy (a customer managed policy; Terraform aws_iam_policy): returns its ARN,
   * `arn:aws:iam::<account>:policy<path><name>`. Names are unique in the account, case-insensitively as IAM names are.
   */
  createManagedPolicy(name: string, document: PolicyDocument, options: { path?: string; now?: Date } = {}): string {
    const path = options.path ?? '/';
    if (!MANAGED_POLICY_NAME.test(name)) throw new Error(`${JSON.stringify(name)} is not a valid IAM policy name ([\\w+=,.@-], 1 to 128 characters)`);
    if (!IAM_PATH.test(path) || path.length > 512) throw new Error(`${JSON.stringify(path)} is not a valid IAM path (/ or /a/b/)`);
    if ([...this.#managedPolicies.values()].some((p) => p.name.toLowerCase() === name.toLowerCase()))
      throw new EntityAlreadyExistsError(`A policy called ${name} already exists. Duplicate names are not allowed.`);
    const arn = `arn:aws:iam::${this.accountId}:policy${path}${name}`;
    this.#managedPolicies.set(arn, { arn, name, path, document, createdAt: options.now ?? new Date(), defaultVersionId: 'v1' });
    return arn;
  }

  managedPolicy(arn: string): ManagedPolicy | undefined {
    return this.#managedPolicies.get(arn);
  }

  /** IAM AttachRolePolicy (Terraform aws_iam_role_policy_attachment): existing sessions of the role see it at once. */
  attachRolePolicy(roleName: string, policyArn: string): void {
    const role = this.roleByName(roleName);
    if (!role) throw new NoSuchEntityError(`The role with name ${roleName} cannot be found.`);
    if (!this.#managedPolicies.has(policyArn)) throw new NoSuchEntityError(`Policy ${policyArn} does not exist or is not attachable.`);
    const attached = this.#roleAttachments.get(role.arn) ?? new Set<string>();
    attached.add(policyArn);
    this.#roleAttachments.set(role.arn, attached);
  }

  /** IAM DetachRolePolicy. */
  detachRolePolicy(roleName: string, policyArn: string): void {
    const role = this.roleByName(roleName);
    if (!role) throw new NoSuchEntityError(`The role with name ${roleName} cannot be found.`);
    if (!this.#roleAttachments.get(role.arn)?.delete(policyArn)) throw new NoSuchEntityError(`Policy ${policyArn} was not found attached to ${roleName}.`);
  }

  /** The managed policies attached to a role (IAM ListAttachedRolePolicies). */
  attachedRolePolicies(roleName: string): ManagedPolicy[] {
    const role = this.roleByName(roleName);
    return [...(role ? (this.#roleAttachments.get(role.arn) ?? []) : [])].flatMap((arn) => {
      const policy = this.#managedPolicies.get(arn);
      return policy ? [policy] : [];
    });
  }

  /** A role's identity policies: its inline policies and the managed policies attached to it. */
  rolePolicies(role: RoleDefinition): NamedPolicy[] {
    const managed = [...(this.#roleAttachments.get(role.arn) ?? [])].flatMap((arn) => {
      const policy = this.#managedPolicies.get(arn);
      return policy ? [{ name: arn, document: policy.document }] : [];
    });
    return [...role.policies, ...managed];
  }

  attachPolicy(policyName: string, target: string): void {
    const names = this.#attachments.get(target) ?? new Set<string>();
    names.add(policyName);
    this.#attachments.set(target, names);
  }

  detachPolicy(policyName: string, target: string): void {
    this.#attachments.get(target)?.delete(policyName);
  }

  attachedPolicies(target: string): NamedPolicy[] {
    return [...(this.#attachments.get(target) ?? [])].flatMap((name) => {
      const policy = this.#iotPolicies.get(name);
      return policy === undefined ? [] : [{ name, document: policy.document }];
    });
  }

  /** Policy layers whose intersection is the principal's effective permission for `action`. */
  layersFor(principal: Principal, action: string): PolicyLayer[] {
    if (principal.kind === 'user') return [{ name: `user ${principal.userName}`, policies: principal.policies }];
    const layers: PolicyLayer[] = [{ name: `role ${principal.role.name}`, policies: this.rolePolicies(principal.role) }];
    // IAM "Session policies": the session's permissions are the role's identity policies intersected with the union
    // of its session policies, the inline one and the managed ones (evaluated by ARN, at their current version; one
    // that no longer exists allows nothing).
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session
    const managedSession = principal.managedSessionPolicyArns ?? [];
    if (principal.sessionPolicy !== undefined || managedSession.length > 0) {
      const policies: NamedPolicy[] = principal.sessionPolicy !== undefined ? [{ name: 'session policy', document: principal.sessionPolicy }] : [];
      for (const arn of managedSession) {
        const policy = this.#managedPolicies.get(arn);
        if (policy) policies.push({ name: `session policy ${arn}`, document: policy.document });
      }
      layers.push({ name: 'session policy', policies });
    }
    // IoT: signed-in Cognito identities also need an IoT policy attached to their identity id (guests do not).
    if (principal.cognito?.authenticated && action.toLowerCase().startsWith('iot:')) {
      layers.push({ name: `IoT policies attached to ${principal.cognito.identityId}`, policies: this.attachedPolicies(principal.cognito.identityId) });
    }
    return layers;
  }

  /** Request context keys the principal contributes (policy variables and condition keys). */
  contextFor(principal: Principal, extra: Record<string, ContextValue> = {}): Record<string, ContextValue> {
    const context: Record<string, ContextValue> = { 'aws:PrincipalArn': principal.kind === 'user' ? principal.arn : principal.role.arn, ...extra };
    if (principal.kind === 'user') context['aws:username'] = principal.userName;
    if (principal.kind === 'role-session' && principal.cognito) {
      context['cognito-identity.amazonaws.com:sub'] = principal.cognito.identityId;
      context['cognito-identity.amazonaws.com:aud'] = principal.cognito.identityPoolId;
    }
    return context;
  }

  /**
   * A policy the evaluator cannot decide (a feature AWS leaves undocumented, or a value that would turn into a wildcard)
   * denies with the reason: the emulator never allows what it cannot prove AWS allows, and a client's input (a client
   * id of `*` under `${iot:ClientId}`) can never make it throw.
   */
  /**
   * Authorizes an action on the resources a request involves, keyed by the resource types of the Service
   * Authorization Reference (`{ queue: arn }`): AWS's data decides which of them IAM evaluates, or `*` (see
   * authorization-reference.ts). Every resource evaluated must be allowed.
   */
  authorizeAction(
    principal: Principal,
    action: string,
    involved: Readonly<Record<string, string>> = {},
    extraContext: Record<string, ContextValue> = {},
  ): Decision & { resource: string } {
    let last: Decision & { resource: string } = { allowed: false, effect: 'ImplicitDeny', reason: 'no resource', resource: '*' };
    for (const resource of this.reference.resourcesFor(action, involved)) {
      last = { ...this.authorize(principal, action, resource, extraContext), resource };
      if (!last.allowed) return last;
    }
    return last;
  }

  authorize(principal: Principal, action: string, resource: string, extraContext: Record<string, ContextValue> = {}): Decision {
    try {
      return evaluateLayers(this.layersFor(principal, action), { action, resource, context: this.contextFor(principal, extraContext) });
    } catch (error) {
      if (error instanceof UnsupportedPolicyFeatureError)
        return { allowed: false, effect: 'ImplicitDeny', reason: `the emulator cannot evaluate this policy: ${error.message}` };
      throw error;
    }
  }

  /** Does the role's trust policy let this principal (or service) assume it? */
  trusts(role: RoleDefinition, request: Omit<AuthorizationRequest, 'resource'>): Decision {
    return evaluatePolicies([{ name: `trust policy of ${role.name}`, document: role.trust }], request);
  }

  trustsPrincipal(role: RoleDefinition, principal: Principal, action = 'sts:AssumeRole'): Decision {
    return this.trusts(role, { action, principal: { type: 'AWS', id: trustPrincipalId(principal) }, context: this.contextFor(principal) });
  }

  /**
   * Every role session of the emulator starts here (STS AssumeRole, Cognito's AssumeRoleWithWebIdentity, Lambda's
   * service sessions), so its ARN and AssumedRoleId have one format. Callers check trust and identity policies first.
   */
  startRoleSession(
    role: RoleDefinition,
    sessionName: string,
    expiration: Date,
    scope: RoleSessionScope = {},
    kind: TemporaryCredentialKind = 'requested',
  ): IssuedRoleSession {
    const user = assumedRoleUser(this.accountId, role, sessionName);
    const principal: RoleSessionPrincipal = { kind: 'role-session', arn: user.arn, assumedRoleId: user.assumedRoleId, role, sessionName, ...scope };
    const issued = this.credentials.issueTemporary(principal, expiration, kind);
    return { ...issued, principal };
  }

  /** A role session as a service (Lambda) would start it: trust is checked, no caller identity policy. */
  startServiceRoleSession(role: RoleDefinition, service: string, sessionName: string, expiration: Date): IssuedRoleSession {
    const decision = this.trusts(role, { action: 'sts:AssumeRole', principal: { type: 'Service', id: service } });
    if (!decision.allowed) throw new Error(`${service} may not assume ${role.name}: ${decision.reason}`);
    return this.startRoleSession(role, sessionName, expiration, {}, 'service');
  }

  /** Saves what must survive a restart now (the emulator is closing). */
  flush(): void {
    this.credentials.flush();
  }
}
