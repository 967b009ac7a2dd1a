/**
 * Allow/deny decisions with AWS IAM / IoT semantics. The emulator authorizes every request with this, and the infra
 * tests evaluate the synthesized documents with it, so "allowed here" means "allowed by the documents AWS receives".
 * core/policy/differential.test.ts checks it against an independent evaluator (@cloud-copilot/iam-simulate).
 *
 * Rules followed (IAM policy evaluation logic, IoT policy docs):
 * - An explicit Deny in any applicable policy wins over every Allow; without an Allow the request is implicitly denied.
 * - Effective permissions of a principal are the intersection of its layers: an STS session = role policies ∩ session
 *   policy; a Cognito authenticated identity on IoT = role policies ∩ IoT policies attached to the identity.
 * - Actions compare case-insensitively with `*` / `?` wildcards. Resources compare case-sensitively, ARN component by
 *   component (arn.ts). MQTT `+` and `#` have no meaning in policies: they match only themselves.
 * - Policy variables `${key}` (variables.ts) and conditions (conditions.ts) follow the IAM User Guide pages cited there;
 *   context key names are case-insensitive (request-context.ts).
 * - Whatever AWS leaves undocumented, or this evaluator does not implement, throws UnsupportedPolicyFeatureError: an
 *   unsupported construct can deny (by the caller refusing the request) but never allow.
 */
import { resourceEntryMatches } from './arn.js';
import { conditionsHold } from './conditions.js';
import { type PolicyDocument, type PolicyStatement, type PrincipalBlock, toArray } from './document.js';
import { UnsupportedPolicyFeatureError } from './errors.js';
import { matchesPattern, wildcardUnits } from './pattern.js';
import { type ContextValue, RequestContext } from './request-context.js';

export type { ContextValue };
export { UnsupportedPolicyFeatureError };

export interface AuthorizationRequest {
  /** `service:Action`, e.g. `iot:Subscribe`. */
  action: string;
  /** Resource ARN; omitted for trust policies (which have no Resource element). */
  resource?: string;
  /** Context keys for policy variables and conditions: `iot:ClientId`, `cognito-identity.amazonaws.com:sub`, ... */
  context?: Readonly<Record<string, ContextValue>>;
  /** For resource-based (trust) policies: who is asking. */
  principal?: { type: 'AWS' | 'Service' | 'Federated'; id: string };
}

export interface MatchedStatement {
  policyName: string;
  sid?: string;
  effect: 'Allow' | 'Deny';
}

export type Decision =
  | { allowed: true; effect: 'Allow'; matched: MatchedStatement[] }
  | { allowed: false; effect: 'ExplicitDeny'; matched: MatchedStatement[]; reason: string }
  | { allowed: false; effect: 'ImplicitDeny'; reason: string };

export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

/** A set of policies that must, together, allow the request: e.g. "role policies" or "session policy". */
export interface PolicyLayer {
  name: string;
  policies: readonly NamedPolicy[];
}

/** `*` any run of characters, `?` one character, everything else literal (IAM / IoT resource and action matching). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return matchesPattern(wildcardUnits(pattern), value, ignoreCase);
}

/** The request as evaluated: the context indexed case-insensitively once. */
interface PreparedRequest {
  action: string;
  resource: string | undefined;
  context: RequestContext;
  principal: AuthorizationRequest['principal'];
}

function prepare(request: AuthorizationRequest): PreparedRequest {
  return { action: request.action, resource: request.resource, context: RequestContext.from(request.context), principal: request.principal };
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined && statement.NotAction !== undefined) {
    throw new UnsupportedPolicyFeatureError('a statement may not have both Action and NotAction');
  }
  // IAM: action names are case-insensitive (IAM JSON policy elements: Action).
  if (statement.NotAction !== undefined) return !toArray(statement.NotAction).some((p) => wildcardMatch(p, action, true));
  if (statement.Action === undefined) throw new UnsupportedPolicyFeatureError('a statement needs Action or NotAction');
  return toArray(statement.Action).some((p) => wildcardMatch(p, action, true));
}

function resourceMatches(statement: PolicyStatement, request: PreparedRequest): boolean {
  if (statement.Resource !== undefined && statement.NotResource !== undefined) {
    throw new UnsupportedPolicyFeatureError('a statement may not have both Resource and NotResource');
  }
  // Trust policies have no Resource: the statement applies to the role it is attached to.
  if (statement.Resource === undefined && statement.NotResource === undefined) return request.resource === undefined;
  const resource = request.resource;
  if (resource === undefined) return false;
  if (statement.Resource !== undefined) {
    // IAM (Variables, "Policy variables with no value"): an entry whose variable has no value "will not match any resource".
    return toArray(statement.Resource).some((entry) => resourceEntryMatches(entry, resource, request.context) === 'match');
  }
  const results = toArray(statement.NotResource).map((entry) => resourceEntryMatches(entry, resource, request.context));
  if (results.includes('match')) return false;
  if (results.includes('unresolved')) {
    // The same sentence names NotResource, but whether the statement then applies to everything (the entry excludes
    // nothing) or to nothing is not documented. Refused rather than guessed either way.
    throw new UnsupportedPolicyFeatureError(
      `NotResource ${JSON.stringify(statement.NotResource)} uses a policy variable that has no value in this request; AWS does not document the result`,
    );
  }
  return true;
}

function principalMatches(block: PrincipalBlock | undefined, principal: AuthorizationRequest['principal']): boolean {
  if (block === undefined) return true; // identity-based policy: the principal is implied
  if (principal === undefined) return false;
  if (block === '*') return true;
  const candidates = toArray(block[principal.type]);
  return candidates.some((candidate) => {
    if (candidate === '*' || candidate === principal.id) return true;
    if (principal.type !== 'AWS') return false;
    // IAM: an account id or `arn:aws:iam::<account>:root` as principal means "any principal of that account".
    const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(principal.id)?.[1];
    return account !== undefined && (candidate === account || candidate === `arn:aws:iam::${account}:root`);
  });
}

function statementApplies(statement: PolicyStatement, request: PreparedRequest): boolean {
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    throw new UnsupportedPolicyFeatureError(`a statement needs Effect Allow or Deny, got ${JSON.stringify(statement.Effect)}`);
  }
  return (
    principalMatches(statement.Principal, request.principal) &&
    actionMatches(statement, request.action) &&
    resourceMatches(statement, request) &&
    conditionsHold(statement.Condition, request.context)
  );
}

/** One layer: explicit deny wins, otherwise any allow allows. */
export function evaluatePolicies(policies: readonly NamedPolicy[], request: AuthorizationRequest): Decision {
  return evaluatePrepared(policies, prepare(request));
}

function evaluatePrepared(policies: readonly NamedPolicy[], request: PreparedRequest): Decision {
  const allows: MatchedStatement[] = [];
  const denies: MatchedStatement[] = [];
  for (const { name, document } of policies) {
    for (const statement of document.Statement) {
      if (!statementApplies(statement, request)) continue;
      const matched: MatchedStatement = { policyName: name, effect: statement.Effect };
      if (statement.Sid !== undefined) matched.sid = statement.Sid;
      (statement.Effect === 'Deny' ? denies : allows).push(matched);
    }
  }
  if (denies.length > 0) {
    const by = denies.map((d) => (d.sid ? `${d.policyName}#${d.sid}` : d.policyName)).join(', ');
    return { allowed: false, effect: 'ExplicitDeny', matched: denies, reason: `explicitly denied by ${by}` };
  }
  if (allows.length > 0) return { allowed: true, effect: 'Allow', matched: allows };
  const names = policies.map((p) => p.name).join(', ') || '(none)';
  return { allowed: false, effect: 'ImplicitDeny', reason: `no statement in [${names}] allows it` };
}

/** Intersection of layers (role ∩ session policy, role ∩ IoT policies); an explicit deny anywhere wins. */
export function evaluateLayers(layers: readonly PolicyLayer[], request: AuthorizationRequest): Decision {
  if (layers.length === 0) return { allowed: false, effect: 'ImplicitDeny', reason: 'the principal has no policies' };
  const prepared = prepare(request);
  const decisions = layers.map((layer) => ({ layer, decision: evaluatePrepared(layer.policies, prepared) }));
  const denied = decisions.find((d) => d.decision.effect === 'ExplicitDeny');
  if (denied) return denied.decision;
  const missing = decisions.find((d) => !d.decision.allowed);
  if (missing && !missing.decision.allowed) {
    return { allowed: false, effect: 'ImplicitDeny', reason: `${missing.layer.name}: ${missing.decision.reason}` };
  }
  return { allowed: true, effect: 'Allow', matched: decisions.flatMap((d) => (d.decision.allowed ? d.decision.matched : [])) };
}
