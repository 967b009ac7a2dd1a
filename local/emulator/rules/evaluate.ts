/**
 * Evaluation of a parsed rule (sql.ts) against one message, with the AWS IoT SQL semantics of the pieces the subset
 * has (https://docs.aws.amazon.com/iot/latest/developerguide/, pages named beside each rule):
 * - "Data types": JSON types plus Undefined, "not a value": a missing field, or what an operator returns for operands
 *   it does not accept. Undefined is left out of the outgoing JSON.
 * - "WHERE clause": "If the WHERE clause evaluates to true, the rule actions are performed. Otherwise, [they] are
 *   not"; the WHERE clause is evaluated before SELECT and cannot use SELECT's aliases.
 * - "Operators": the tables of each operator (quoted in `compare`, `logical`).
 */
import type { ComparisonOperator, Expression, RuleSql } from './sql.js';

/** IoT SQL's Undefined. */
export const UNDEFINED: unique symbol = Symbol('Undefined');
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type SqlValue = JsonValue | typeof UNDEFINED;

export interface RuleInput {
  topic: string;
  payload: Buffer;
}

export type RuleResult =
  /** FROM did not match, or WHERE was not true: the actions are not performed. */
  | { matched: false }
  /** The outgoing payload (a JSON object), or the raw bytes when it is `SELECT *` of a payload that is not JSON. */
  | { matched: true; output: { [key: string]: JsonValue } | Buffer };

/** MQTT: `+` matches one level, `#` the rest; filters starting with a wildcard do not match `$` topics (MQTT 3.1.1, 4.7.2). */
export function topicMatches(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i += 1) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export function evaluateRule(rule: RuleSql, input: RuleInput): RuleResult {
  if (!topicMatches(rule.from, input.topic)) return { matched: false };
  const payload = parseJson(input.payload);
  const context: Context = { topic: input.topic, payload };
  if (rule.where && toBoolean(evaluate(rule.where, context)) !== true) return { matched: false };
  // "JSON extensions": `*` "returns the entire message payload as raw bytes" when it is not JSON.
  if (rule.select.length === 1 && rule.select[0]!.kind === 'all' && payload === UNDEFINED) return { matched: true, output: input.payload };
  const output: { [key: string]: JsonValue } = {};
  for (const item of rule.select) {
    if (item.kind === 'all') {
      if (isObject(payload)) Object.assign(output, payload);
      continue;
    }
    const value = evaluate(item.expression, context);
    if (value !== UNDEFINED) setPath(output, item.alias, value);
  }
  return { matched: true, output };
}

interface Context {
  topic: string;
  /** The payload as JSON, or UNDEFINED when it is not JSON (every field of it is then Undefined). */
  payload: SqlValue;
}

function evaluate(expression: Expression, context: Context): SqlValue {
  switch (expression.kind) {
    case 'literal':
      return expression.value;
    case 'field':
      return fieldOf(context.payload, expression.path);
    case 'topic': {
      // "Functions", topic(Decimal): the whole topic, or one segment with 1 designating the first.
      if (expression.level === undefined) return context.topic;
      return context.topic.split('/')[expression.level - 1] ?? UNDEFINED;
    }
    case 'startswith': {
      // "Functions", startswith(String, String): Boolean; a Null or Undefined argument gives Undefined; other values
      // are converted to strings by the standard conversion rules (numbers and Booleans as written).
      const value = asString(evaluate(expression.value, context));
      const prefix = asString(evaluate(expression.prefix, context));
      return value === UNDEFINED || prefix === UNDEFINED ? UNDEFINED : value.startsWith(prefix);
    }
    case 'not': {
      // "Operators", NOT: Boolean or "true"/"false" (case insensitive) operand; Other Value -> Undefined.
      const operand = toBoolean(evaluate(expression.operand, context));
      return operand === UNDEFINED ? UNDEFINED : !operand;
    }
    case 'and':
    case 'or': {
      // "Operators", AND / OR: both operands Boolean or "true"/"false" strings; Other Value -> Undefined.
      const left = toBoolean(evaluate(expression.left, context));
      const right = toBoolean(evaluate(expression.right, context));
      if (left === UNDEFINED || right === UNDEFINED) return UNDEFINED;
      return expression.kind === 'and' ? left && right : left || right;
    }
    case 'compare':
      return compare(expression.operator, evaluate(expression.left, context), evaluate(expression.right, context));
  }
}

function asString(value: SqlValue): string | typeof UNDEFINED {
  if (value === UNDEFINED || value === null) return UNDEFINED;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function compare(operator: ComparisonOperator, left: SqlValue, right: SqlValue): SqlValue {
  // "Operators", = and <>: "Any Value | Undefined -> Undefined", "Undefined | Any Value -> Undefined".
  if (left === UNDEFINED || right === UNDEFINED) return UNDEFINED;
  if (operator === '=' || operator === '<>') {
    // = : "Mismatched Type -> False"; <> : "Mismatched Type -> True"; Int is converted to Decimal before comparing.
    const same = equals(left, right);
    return operator === '=' ? same : !same;
  }
  // <, >, <=, >=: "Both operands are converted to a Decimal, and then compared"; strings only if they convert.
  const a = toDecimal(left);
  const b = toDecimal(right);
  if (a === undefined || b === undefined) return UNDEFINED;
  switch (operator) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
  }
}

/**
 * "Operators", =: numbers by value; strings exactly; arrays "equal and in the same order"; objects "the keys and values
 * of each operand are equal ... The order of keys/values is unimportant"; values of different types are not equal.
 */
function equals(left: JsonValue, right: JsonValue): boolean {
  if (left === null || right === null) return left === right;
  if (Array.isArray(left) || Array.isArray(right)) {
    return Array.isArray(left) && Array.isArray(right) && left.length === right.length && left.every((item, i) => equals(item, right[i]!));
  }
  if (typeof left === 'object' || typeof right === 'object') {
    if (!isObject(left) || !isObject(right)) return false;
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => key in right && equals(left[key]!, right[key]!));
  }
  return typeof left === typeof right && left === right;
}

/** "Data types", Conversions to Decimal: numbers; strings matching ^-?\d+(\.\d+)?((?i)E-?\d+)?$; anything else none. */
function toDecimal(value: JsonValue): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE]-?\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** "Data types", Conversions to Boolean: a Boolean; "true"/"false" case-insensitively; anything else Undefined. */
function toBoolean(value: SqlValue): boolean | typeof UNDEFINED {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
  }
  return UNDEFINED;
}

function fieldOf(value: SqlValue, path: readonly string[]): SqlValue {
  let current = value;
  for (const key of path) {
    // "Data types": in {"foo": null} "the key "bar" returns Undefined".
    if (!isObject(current) || !Object.hasOwn(current, key)) return UNDEFINED;
    current = current[key]!;
  }
  return current;
}

function setPath(target: { [key: string]: JsonValue }, path: readonly string[], value: JsonValue): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const existing = node[key];
    const next: { [key: string]: JsonValue } = isObject(existing) ? existing : {};
    node[key] = next;
    node = next;
  }
  node[path.at(-1)!] = value;
}

function isObject(value: SqlValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(payload: Buffer): SqlValue {
  try {
    return JSON.parse(payload.toString('utf8')) as JsonValue;
  } catch {
    return UNDEFINED;
  }
}
