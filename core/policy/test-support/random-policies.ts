/**
 * Seeded random identity policies and requests with IoT-shaped actions and ARNs (plus a few sts / logs ones), for the
 * differential test against @cloud-copilot/iam-simulate. Small vocabularies make matches, near misses, case variants
 * and absent keys frequent, so every operator is exercised on both sides of its decision.
 *
 * What the generator deliberately never produces, because the reference evaluator models it differently from AWS (or
 * AWS does not document it) and AWS behaviour is the point; the classes excluded at comparison time are in
 * differential.test.ts:
 * - `*` in a request resource (iam-simulate reads it as a "wildcard request", AWS requests name one resource);
 * - a wildcard or variable in the resource type before the first `/` or `:` of the resource part (iam-simulate
 *   compares that prefix literally);
 * - a shortened ARN pattern without a trailing `*` (iam-simulate pads it with wildcards), or with one in NotResource
 *   (iam-simulate then never counts the request as outside the NotResource set);
 * - case variants in the partition, service, region or account of ARNs (iam-simulate compares them case-insensitively);
 * - variable values containing `*` or `?` and multivalued keys under single-valued operators (undocumented in AWS:
 *   the local evaluator refuses them, unit-tested in evaluator.test.ts; docs/aws-iot-facts.md section 8), and empty
 *   string values (iam-simulate leaves the `${...}` text in place of an empty value).
 *
 * It does produce, since the IAM pages decide them (evaluator.test.ts cites each): set operators on single-valued
 * keys, ForAnyValue with IfExists, and empty multivalued keys (under set operators, and under Null, where
 * iam-simulate departs from the documentation: that class is excluded in differential.test.ts).
 */
import type { ConditionBlock, PolicyDocument, PolicyStatement } from '../document.js';

/** mulberry32: small, fast, and the same sequence on every platform for a given seed. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  some<T>(items: readonly T[], max: number): T[] {
    const count = 1 + this.int(max);
    return Array.from({ length: count }, () => this.pick(items));
  }
}

export type GeneratedContext = Record<string, string | string[]>;

export interface GeneratedRequest {
  action: string;
  resource: string;
  context: GeneratedContext;
}

export interface GeneratedCase {
  /** Identity policies of the principal (one layer). */
  identity: PolicyDocument[];
  /** A permission boundary (a second layer that must also allow), when present. */
  boundary?: PolicyDocument;
  request: GeneratedRequest;
}

const ACCOUNT = '000000000000';
const OTHER_ACCOUNT = '111111111111';
const REGION = 'us-east-1';
const OTHER_REGION = 'us-west-2';

const CLIENT_IDS = ['c1', 'C1', 'app.dev.alice', 'app.dev.bob', 'alice'] as const;
const TOPIC_LEVELS = ['a', 'b', 'ab', 'A', 'room-1', 'alice', 'bob', 'red', '+', '#', '$aws', 'what?', 'x.y', 'x:y'] as const;
const ROLE_NAMES = ['browser', 'Browser', 'alice', 'worker-1'] as const;
const FUNCTION_NAMES = ['messages', 'jobs', 'alice'] as const;
const USER_NAMES = ['alice', 'bob', 'Alice'] as const;
const TEAMS = ['red', 'blue', 'Red'] as const;
const TAG_KEYS = ['team', 'env', 'Team', 'cost'] as const;
const AMR = ['authenticated', 'unauthenticated', 'cognito-identity.amazonaws.com:us-east-1:pool:sub'] as const;

/** Single-valued string keys and the variables that read them. */
const STRING_KEYS = ['iot:ClientId', 'aws:username', 'aws:PrincipalTag/team'] as const;
const ARN_KEYS = ['aws:SourceArn', 'aws:PrincipalArn'] as const;
const BOOL_KEY = 'aws:SecureTransport';
const MULTI_KEYS = ['aws:TagKeys', 'cognito-identity.amazonaws.com:amr'] as const;
const ALL_KEYS = [...STRING_KEYS, ...ARN_KEYS, BOOL_KEY, ...MULTI_KEYS] as const;
// Variable names are case-insensitive too: two spelled differently from the context keys.
const VARIABLES = [...STRING_KEYS.map((key) => `\${${key}}`), '${IOT:clientid}', '${AWS:UserName}'];

const SOURCE_ARNS = [
  `arn:aws:sns:${REGION}:${ACCOUNT}:topic-a`,
  `arn:aws:sns:${OTHER_REGION}:${ACCOUNT}:topic-b`,
  // The IAM documentation's own ArnLike example: a StringLike `*` would span these colons, ArnLike's does not.
  `arn:aws:sns:us-east-2:999999999999:store/abc:${ACCOUNT}:finance/document.txt`,
  `arn:aws:iot:${REGION}:${ACCOUNT}:topic/a/b`,
] as const;
const PRINCIPAL_ARNS = ROLE_NAMES.map((name) => `arn:aws:iam::${ACCOUNT}:role/${name}`);

type ServiceKind = 'iot-client' | 'iot-topicfilter' | 'iot-topic' | 'sts-role' | 'logs-stream';

interface ActionSpec {
  action: string;
  kind: ServiceKind;
}

const ACTIONS: readonly ActionSpec[] = [
  { action: 'iot:Connect', kind: 'iot-client' },
  { action: 'iot:Subscribe', kind: 'iot-topicfilter' },
  { action: 'iot:Publish', kind: 'iot-topic' },
  { action: 'iot:Receive', kind: 'iot-topic' },
  { action: 'iot:RetainPublish', kind: 'iot-topic' },
  { action: 'sts:AssumeRole', kind: 'sts-role' },
  { action: 'sts:TagSession', kind: 'sts-role' },
  { action: 'logs:CreateLogStream', kind: 'logs-stream' },
  { action: 'logs:PutLogEvents', kind: 'logs-stream' },
];

const ACTION_PATTERNS = ['*', 'iot:*', 'iot:Sub*', 'iot:?ublish', 'iot:*ceive', 'IOT:publish', 'iot:connect', 'sts:*', 'logs:Put*', 'iot:Retain*'] as const;

/** An ARN split where the reference evaluator splits it: fixed prefix, resource type (kept literal), the rest. */
interface ResourceShape {
  prefix: string;
  type: string;
  rest: string;
}

function topicPath(random: Random): string {
  return random.some(TOPIC_LEVELS, 3).join('/');
}

function resourceShape(random: Random, kind: ServiceKind): ResourceShape {
  const region = random.chance(0.9) ? REGION : OTHER_REGION;
  const account = random.chance(0.8) ? ACCOUNT : OTHER_ACCOUNT;
  switch (kind) {
    case 'iot-client':
      return { prefix: `arn:aws:iot:${region}:${account}:`, type: 'client/', rest: random.pick(CLIENT_IDS) };
    case 'iot-topicfilter':
      return { prefix: `arn:aws:iot:${region}:${account}:`, type: 'topicfilter/', rest: topicPath(random) };
    case 'iot-topic':
      // MQTT topic names may contain ':'; one shaped like ARN components catches a `*` running across components.
      return {
        prefix: `arn:aws:iot:${region}:${account}:`,
        type: 'topic/',
        rest: account === OTHER_ACCOUNT && random.chance(0.5) ? `x:${ACCOUNT}:topic/${topicPath(random)}` : topicPath(random),
      };
    case 'sts-role':
      return { prefix: `arn:aws:iam::${account}:`, type: 'role/', rest: random.pick(ROLE_NAMES) };
    case 'logs-stream':
      return {
        prefix: `arn:aws:logs:${region}:${account}:`,
        type: 'log-group:',
        rest: `/aws/lambda/${random.pick(FUNCTION_NAMES)}:log-stream:${random.pick(['s1', 's2'])}`,
      };
  }
}

const shapeText = (shape: ResourceShape) => shape.prefix + shape.type + shape.rest;

/**
 * Replaces characters after the resource type with wildcards, variables and escapes. Works on tokens (one character,
 * or one whole `${...}`), so truncation never cuts a variable in half.
 */
function mutateRest(random: Random, rest: string): string {
  let tokens: string[] = [];
  const chars = Array.from(rest);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '?' && random.chance(0.7)) tokens.push('${?}');
    else if (ch === '$' && random.chance(0.7)) tokens.push('${$}');
    else if (random.chance(0.05)) tokens.push('?');
    else if (random.chance(0.04)) {
      tokens.push('*');
      // Skip a random run, so the star has something to span (sometimes nothing).
      i += random.int(4);
    } else tokens.push(ch);
  }
  if (random.chance(0.2)) {
    // A whole level (or name) replaced by a variable.
    const levels: string[][] = [[]];
    for (const token of tokens) {
      if (token === '/') levels.push([]);
      else (levels[levels.length - 1] as string[]).push(token);
    }
    levels[random.int(levels.length)] = [random.pick(VARIABLES)];
    tokens = levels.flatMap((level, i) => (i === 0 ? level : ['/', ...level]));
  }
  if (random.chance(0.15)) tokens = [...tokens.slice(0, random.int(tokens.length + 1)), '*'];
  if (random.chance(0.03)) tokens.push('${*}');
  return tokens.join('');
}

function mutatePrefix(random: Random, prefix: string): string {
  const [arn, partition, service, region, account] = prefix.split(':');
  const newRegion = region === '' ? region : random.chance(0.15) ? random.pick(['*', 'us-*', 'us-?ast-1']) : region;
  const roll = random.next();
  const newAccount = roll < 0.1 ? random.pick(['*', '00000000000?']) : roll < 0.2 ? (account === ACCOUNT ? OTHER_ACCOUNT : ACCOUNT) : account;
  return [arn, partition, service, newRegion, newAccount, ''].join(':');
}

function resourcePattern(random: Random, request: { kind: ServiceKind; shape: ResourceShape }, inNotResource: boolean): string {
  const roll = random.next();
  if (roll < 0.06) return '*';
  if (roll < 0.09 && !inNotResource) return random.pick(['arn:aws:iot:*', 'arn:aws:logs:*', `arn:aws:iot:${REGION}:*`]);
  // The IAM documentation's trap, on IoT: a region `*` that must not run on into the account and resource type.
  if (roll < 0.14) return `arn:aws:iot:*:${ACCOUNT}:${request.shape.type}*`;
  // Usually derived from the request's own resource, so that matches are common; otherwise from another resource.
  const shape = random.chance(0.7) ? request.shape : resourceShape(random, random.chance(0.7) ? request.kind : random.pick(ACTIONS).kind);
  return mutatePrefix(random, shape.prefix) + shape.type + mutateRest(random, shape.rest);
}

function actionElement(random: Random, requestAction: string): string[] {
  return random.some([requestAction, requestAction, ...ACTION_PATTERNS, random.pick(ACTIONS).action], 2);
}

/** A key name as a policy author might spell it: IAM compares key names case-insensitively. */
function spellKey(random: Random, key: string): string {
  if (!random.chance(0.2)) return key;
  return random.chance(0.5) ? key.toUpperCase() : key.toLowerCase();
}

type OperatorFamily = 'String' | 'Arn' | 'Bool' | 'Null';

const STRING_OPERATORS = ['StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike'] as const;
const ARN_OPERATORS = ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'] as const;

function stringValue(random: Random, key: string): string {
  const pool: string[] =
    key === 'iot:ClientId'
      ? [...CLIENT_IDS]
      : key === 'aws:username'
        ? [...USER_NAMES]
        : key === 'aws:PrincipalTag/team'
          ? [...TEAMS]
          : key === 'aws:TagKeys'
            ? [...TAG_KEYS]
            : [...AMR];
  const roll = random.next();
  if (roll < 0.12) return random.pick(VARIABLES);
  if (roll < 0.2) return `app.dev.${random.pick(VARIABLES)}`;
  if (roll < 0.35) {
    const base = random.pick(pool);
    return random.pick([`${base.slice(0, 2)}*`, `*${base.slice(-2)}`, `?${base.slice(1)}`, `${base.slice(0, 1)}*${base.slice(-1)}`, '*']);
  }
  if (roll < 0.4) return `${random.pick(pool)}\${*}`;
  const value = random.pick(pool);
  return random.chance(0.1) ? value.toUpperCase() : value;
}

function arnValue(random: Random, key: string): string {
  const base = key === 'aws:SourceArn' ? random.pick(SOURCE_ARNS) : random.pick(PRINCIPAL_ARNS);
  const roll = random.next();
  if (roll < 0.15) return `arn:aws:sns:*:${ACCOUNT}:finance/*`;
  if (roll < 0.25 && key === 'aws:PrincipalArn') return `arn:aws:iam::${ACCOUNT}:role/\${aws:username}`;
  if (roll < 0.55) {
    const parts = base.split(':');
    const component = 3 + random.int(3);
    parts[component] = random.pick(['*', `${(parts[component] ?? '').slice(0, 2)}*`, '?*']);
    return parts.join(':');
  }
  return base;
}

function conditionBlock(random: Random): ConditionBlock {
  const block: ConditionBlock = {};
  const entries = 1 + random.int(2);
  for (let i = 0; i < entries; i++) {
    const family: OperatorFamily = random.pick(['String', 'String', 'String', 'Arn', 'Arn', 'Bool', 'Null']);
    let operator: string;
    let key: string;
    let values: string[];
    if (family === 'Null') {
      operator = 'Null';
      key = random.pick(ALL_KEYS);
      values = [random.pick(['true', 'false'])];
    } else if (family === 'Bool') {
      operator = 'Bool';
      key = BOOL_KEY;
      values = random.some(['true', 'false', 'True'], 2);
    } else if (family === 'Arn') {
      operator = random.pick(ARN_OPERATORS);
      key = random.pick(ARN_KEYS);
      values = Array.from({ length: 1 + random.int(2) }, () => arnValue(random, key));
    } else {
      operator = random.pick(STRING_OPERATORS);
      // String operators also apply to ARN keys (the documentation contrasts StringLike with ArnLike on aws:SourceArn).
      key = random.pick([...STRING_KEYS, ...STRING_KEYS, ...MULTI_KEYS, ...MULTI_KEYS, 'aws:SourceArn']);
      values = Array.from({ length: 1 + random.int(3) }, () => (key === 'aws:SourceArn' ? arnValue(random, key) : stringValue(random, key)));
    }
    if (operator !== 'Null') {
      const multi = (MULTI_KEYS as readonly string[]).includes(key);
      // Multivalued keys need a set operator; single-valued keys get one now and then (AWS advises against it, and
      // evaluates it: a set of one value). IfExists goes with any of them, ForAnyValue included.
      const setOperator = multi || random.chance(0.15) ? random.pick(['ForAnyValue', 'ForAllValues']) : undefined;
      const ifExists = random.chance(0.25);
      operator = `${setOperator ? `${setOperator}:` : ''}${operator}${ifExists ? 'IfExists' : ''}`;
    }
    const keys = block[operator] ?? {};
    keys[spellKey(random, key)] = values.length === 1 && random.chance(0.5) ? (values[0] as string) : values;
    block[operator] = keys;
  }
  return block;
}

function statement(random: Random, request: { action: string; kind: ServiceKind; shape: ResourceShape }, allowBias: number): PolicyStatement {
  const result: PolicyStatement = { Effect: random.chance(allowBias) ? 'Allow' : 'Deny' };
  const actions = actionElement(random, request.action);
  const actionValue = actions.length === 1 && random.chance(0.5) ? (actions[0] as string) : actions;
  if (random.chance(0.15)) result.NotAction = actionValue;
  else result.Action = actionValue;
  const inNotResource = random.chance(0.15);
  const resources = Array.from({ length: 1 + random.int(2) }, () => resourcePattern(random, request, inNotResource));
  const resourceValue = resources.length === 1 && random.chance(0.5) ? (resources[0] as string) : resources;
  if (inNotResource) result.NotResource = resourceValue;
  else result.Resource = resourceValue;
  if (random.chance(0.5)) result.Condition = conditionBlock(random);
  return result;
}

function policyDocument(random: Random, request: { action: string; kind: ServiceKind; shape: ResourceShape }, allowBias: number): PolicyDocument {
  const count = 1 + random.int(3);
  return { Version: '2012-10-17', Statement: Array.from({ length: count }, () => statement(random, request, allowBias)) };
}

function contextValue(random: Random, key: string, request: { action: string; shape: ResourceShape }): string | string[] {
  switch (key) {
    case 'iot:ClientId':
      return request.action === 'iot:Connect' && random.chance(0.7) ? request.shape.rest : random.pick(CLIENT_IDS);
    case 'aws:username':
      return random.pick(USER_NAMES);
    case 'aws:PrincipalTag/team':
      return random.pick(TEAMS);
    case 'aws:SourceArn':
      return random.pick(SOURCE_ARNS);
    case 'aws:PrincipalArn':
      return random.pick(PRINCIPAL_ARNS);
    case BOOL_KEY:
      return random.pick(['true', 'false', 'TRUE']);
    case 'aws:TagKeys':
      // An empty set now and then: "a null data set" for set operators and Null alike.
      return random.chance(0.15) ? [] : [...new Set(random.some(TAG_KEYS, 3))];
    default:
      return random.chance(0.15) ? [] : [...new Set(random.some(AMR, 2))];
  }
}

function requestContext(random: Random, request: { action: string; shape: ResourceShape }): GeneratedContext {
  const context: GeneratedContext = {};
  for (const key of ALL_KEYS) {
    if (random.chance(0.75)) context[spellKey(random, key)] = contextValue(random, key, request);
  }
  return context;
}

export function generateCase(random: Random): GeneratedCase {
  const { action, kind } = random.pick(ACTIONS);
  const shape = resourceShape(random, kind);
  const request = { action, kind, shape };
  const identity = Array.from({ length: 1 + random.int(2) }, () => policyDocument(random, request, 0.7));
  const generated: GeneratedCase = { identity, request: { action, resource: shapeText(shape), context: requestContext(random, request) } };
  if (random.chance(0.3)) generated.boundary = policyDocument(random, request, 0.85);
  return generated;
}
