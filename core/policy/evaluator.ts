/**
 * Allow/deny decisions with AWS IAM / IoT semantics. The emulator authorizes every request with this, and the infra
 * tests evaluate the synthesized documents with it, so "allowed here" means "allowed by the documents AWS receives".
 *
 * Rules followed (IAM policy evaluation logic, IoT policy docs):
 * - An explicit Deny in any applicable policy wins over every Allow.
 * - Without an Allow the request is implicitly denied.
 * - Effective permissions of a principal are the intersection of its layers: an STS session = role policies ∩ session
 *   policy; a Cognito authenticated identity on IoT = role policies ∩ IoT policies attached to the identity.
 * - In Action and Resource `*` matches any run of characters (also across `/`) and `?` exactly one. MQTT `+` and `#`
 *   have no meaning here: they match only themselves. Actions compare case-insensitively, resources exactly.
 * - Policy variables `${key}` are replaced from the request context before matching; `${*}`, `${?}`, `${$}` are the
 *   literal characters. An element whose variable has no value in the context matches nothing.
 *   The substituted value is *not* escaped (AWS does not either): a client id of `*` substituted into
 *   `topic/${iot:ClientId}/x` widens the grant. That is why ids are validated before they reach a policy.
 */
import { type ConditionBlock, type PolicyDocument, type PolicyStatement, type PrincipalBlock, toArray } from './document.js';

export class UnsupportedPolicyFeatureError extends Error {
  override readonly name = 'UnsupportedPolicyFeatureError';
}

export type ContextValue = string | readonly string[] | boolean | undefined;

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

const patternCache = new Map<string, RegExp>();
const PATTERN_CACHE_LIMIT = 10_000;

/** `*` any run of characters, `?` one character, everything else literal (IAM / IoT resource and action matching). */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) {
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  }
  const key = (ignoreCase ? 'i' : 's') + pattern;
  let regex = patternCache.get(key);
  if (regex === undefined) {
    const source = pattern
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    if (patternCache.size >= PATTERN_CACHE_LIMIT) patternCache.clear();
    patternCache.set(key, regex);
  }
  return regex.test(value);
}

const VARIABLE = /\$\{([^}]*)\}/g;
const LITERAL_ESCAPES: Record<string, string> = { '*': '*', '?': '?', $: '$' };
/** Private-use characters stand in for escaped literals while wildcards are interpreted. */
const ESCAPED_STAR = '\uE000';
const ESCAPED_QUESTION = '\uE001';

/**
 * Substitutes `${key}` from the context. Returns undefined when a variable has no (single string) value.
 * Escaped `${*}` / `${?}` become placeholders that match only the literal character.
 */
function substitute(template: string, context: AuthorizationRequest['context']): string | undefined {
  let unresolved = false;
  const result = template.replace(VARIABLE, (_whole, rawKey: string) => {
    const key = rawKey.trim();
    if (key in LITERAL_ESCAPES) return key === '*' ? ESCAPED_STAR : key === '?' ? ESCAPED_QUESTION : '$';
    if (key.includes(',')) throw new UnsupportedPolicyFeatureError(`policy variable default values are not supported: \${${rawKey}}`);
    const value = context?.[key];
    if (typeof value !== 'string' || value.length === 0) {
      unresolved = true;
      return '';
    }
    return value;
  });
  return unresolved ? undefined : result;
}

function matchResourcePattern(pattern: string, resource: string, context: AuthorizationRequest['context']): boolean {
  const substituted = substitute(pattern, context);
  if (substituted === undefined) return false;
  if (!substituted.includes(ESCAPED_STAR) && !substituted.includes(ESCAPED_QUESTION)) return wildcardMatch(substituted, resource);
  // Literal escapes: match with wildcards, then require the literal characters at the escaped positions.
  const source = substituted
    .split('')
    .map((ch) =>
      ch === '*' ? '.*' : ch === '?' ? '.' : ch === ESCAPED_STAR ? '\\*' : ch === ESCAPED_QUESTION ? '\\?' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`, 'su').test(resource);
}

function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined && statement.NotAction !== undefined) {
    throw new UnsupportedPolicyFeatureError('a statement may not have both Action and NotAction');
  }
  if (statement.NotAction !== undefined) return !toArray(statement.NotAction).some((p) => wildcardMatch(p, action, true));
  if (statement.Action === undefined) throw new UnsupportedPolicyFeatureError('a statement needs Action or NotAction');
  return toArray(statement.Action).some((p) => wildcardMatch(p, action, true));
}

function resourceMatches(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  if (statement.Resource !== undefined && statement.NotResource !== undefined) {
    throw new UnsupportedPolicyFeatureError('a statement may not have both Resource and NotResource');
  }
  // Trust policies have no Resource: the statement applies to the role it is attached to.
  if (statement.Resource === undefined && statement.NotResource === undefined) return request.resource === undefined;
  if (request.resource === undefined) return false;
  const resource = request.resource;
  if (statement.NotResource !== undefined) {
    return !toArray(statement.NotResource).some((p) => matchResourcePattern(p, resource, request.context));
  }
  return toArray(statement.Resource).some((p) => matchResourcePattern(p, resource, request.context));
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

function contextValues(context: AuthorizationRequest['context'], key: string): string[] | undefined {
  const value = context?.[key];
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return [String(value)];
  return typeof value === 'string' ? [value] : [...value];
}

type Comparator = (policyValue: string, contextValue: string) => boolean;

const COMPARATORS: Record<string, { compare: Comparator; negated: boolean }> = {
  StringEquals: { compare: (p, c) => p === c, negated: false },
  StringNotEquals: { compare: (p, c) => p === c, negated: true },
  StringEqualsIgnoreCase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: true },
  StringLike: { compare: (p, c) => wildcardMatch(p, c), negated: false },
  StringNotLike: { compare: (p, c) => wildcardMatch(p, c), negated: true },
  ArnEquals: { compare: (p, c) => p === c, negated: false },
  ArnLike: { compare: (p, c) => wildcardMatch(p, c), negated: false },
  ArnNotEquals: { compare: (p, c) => p === c, negated: true },
  ArnNotLike: { compare: (p, c) => wildcardMatch(p, c), negated: true },
  Bool: { compare: (p, c) => p.toLowerCase() === c.toLowerCase(), negated: false },
};

function conditionHolds(operatorName: string, key: string, rawPolicyValues: unknown, context: AuthorizationRequest['context']): boolean {
  let name = operatorName;
  let setOperator: 'ForAnyValue' | 'ForAllValues' | undefined;
  const setMatch = /^(ForAnyValue|ForAllValues):(.+)$/.exec(name);
  if (setMatch) {
    setOperator = setMatch[1] as 'ForAnyValue' | 'ForAllValues';
    name = setMatch[2] ?? '';
  }
  const ifExists = name.endsWith('IfExists');
  if (ifExists) name = name.slice(0, -'IfExists'.length);
  const operator = COMPARATORS[name];
  if (operator === undefined) throw new UnsupportedPolicyFeatureError(`condition operator ${operatorName} is not supported by the local evaluator`);

  const policyValues = toArray(rawPolicyValues as string | string[] | boolean).map((v) => {
    const substituted = substitute(String(v), context);
    return substituted ?? '\u0000unresolved';
  });
  const values = contextValues(context, key);

  if (values === undefined || values.length === 0) {
    if (setOperator === 'ForAllValues') return true; // IAM: vacuously true for an absent key
    if (setOperator === 'ForAnyValue') return false;
    if (ifExists) return true;
    return operator.negated; // IAM: negated operators hold when the key is absent
  }
  const matchesAny = (value: string) => policyValues.some((p) => operator.compare(p, value));
  if (setOperator === 'ForAllValues') return values.every((v) => (operator.negated ? !matchesAny(v) : matchesAny(v)));
  if (setOperator === 'ForAnyValue') return values.some((v) => (operator.negated ? !matchesAny(v) : matchesAny(v)));
  // Single-valued key.
  const hit = values.some(matchesAny);
  return operator.negated ? !hit : hit;
}

function conditionsHold(block: ConditionBlock | undefined, context: AuthorizationRequest['context']): boolean {
  if (block === undefined) return true;
  return Object.entries(block).every(([operator, entries]) =>
    Object.entries(entries).every(([key, values]) => conditionHolds(operator, key, values, context)),
  );
}

function statementApplies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  return (
    principalMatches(statement.Principal, request.principal) &&
    actionMatches(statement, request.action) &&
    resourceMatches(statement, request) &&
    conditionsHold(statement.Condition, request.context)
  );
}

/** One layer: explicit deny wins, otherwise any allow allows. */
export function evaluatePolicies(policies: readonly NamedPolicy[], request: AuthorizationRequest): Decision {
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
  const decisions = layers.map((layer) => ({ layer, decision: evaluatePolicies(layer.policies, request) }));
  const denied = decisions.find((d) => d.decision.effect === 'ExplicitDeny');
  if (denied) return denied.decision;
  const missing = decisions.find((d) => !d.decision.allowed);
  if (missing && !missing.decision.allowed) {
    return { allowed: false, effect: 'ImplicitDeny', reason: `${missing.layer.name}: ${missing.decision.reason}` };
  }
  return { allowed: true, effect: 'Allow', matched: decisions.flatMap((d) => (d.decision.allowed ? d.decision.matched : [])) };
}
