/**
 * EventBridge event patterns: compiled once (PutRule, TestEventPattern), then matched against events. The semantics are
 * those of the AWS documentation ("Amazon EventBridge event patterns", "Comparison operators for use in event patterns",
 * "Arrays in EventBridge event patterns", "Matching events on null values and empty strings",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html) and of aws/event-ruler, the matcher
 * EventBridge runs (https://github.com/aws/event-ruler, README):
 *
 * - A pattern is a JSON object; every field it names must match (AND). A field's value is either a nested pattern (the
 *   event's field must be an object, or an array of objects one of which matches the whole nested pattern) or a list of
 *   matchers, one of which must match one of the event field's values (an array field's values are its elements).
 * - Matchers: a string, number, boolean or null (exact; null and "" are different), `prefix`, `suffix` (each also with
 *   `equals-ignore-case`), `equals-ignore-case`, `wildcard`, `anything-but` (a value, a list of strings or of numbers,
 *   or `prefix` / `suffix` / `equals-ignore-case` / `wildcard`), `numeric` (one or two comparisons), `exists`.
 * - `$or`: a list of at least two patterns, one of which must match.
 * - `exists` works on leaf values only: a field holding an object does not "exist" for it.
 * - Arrays are matched consistently (event-ruler's rulesForJSONEvent): two fields never match in different elements of
 *   the same array.
 *
 * Anything else (`cidr` included: IP address matching is not emulated) is refused by name with
 * InvalidEventPatternError, as EventBridge refuses a pattern it cannot parse; where the documentation is silent the
 * pattern is refused rather than guessed at.
 */

/** A pattern EventBridge would refuse (InvalidEventPatternException); the message says why. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
}

/** PutRule / TestEventPattern: EventPattern is at most 4096 characters (API reference, Length Constraints). */
export const MAX_EVENT_PATTERN_LENGTH = 4096;
/** Nesting kept to a bound: patterns and events mirror each other, and neither needs more than this. */
const MAX_DEPTH = 32;
/**
 * Numeric matching works on JSON numbers between -5.0e9 and +5.0e9 inclusive, to 15 significant digits (event-ruler
 * README, "Numeric matching"); a bound outside the range is refused.
 */
const NUMERIC_LIMIT = 5e9;

type Leaf = (value: JsonLeaf) => boolean;
type JsonLeaf = string | number | boolean | null;

interface FieldMatcher {
  /** Matchers of the field's leaf values (one must match one value), or `exists`. */
  leaf?: { matchers: Leaf[]; exists?: boolean };
  nested?: CompiledPattern;
}

export interface CompiledPattern {
  fields: Map<string, FieldMatcher>;
  or: CompiledPattern[][];
}

/** Parses and compiles a pattern given as JSON text. */
export function compileEventPattern(text: string): CompiledPattern {
  if (text.length > MAX_EVENT_PATTERN_LENGTH) throw new InvalidEventPatternError(`Event pattern is longer than ${MAX_EVENT_PATTERN_LENGTH} characters.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidEventPatternError('Event pattern is not valid. Reason: it is not valid JSON.');
  }
  if (!isObject(parsed)) throw new InvalidEventPatternError('Event pattern is not valid. Reason: it must be a JSON object.');
  if (Object.keys(parsed).length === 0) throw new InvalidEventPatternError('Event pattern is not valid. Reason: it must name at least one field.');
  return compileObject(parsed, '', 0);
}

function compileObject(pattern: Record<string, unknown>, path: string, depth: number): CompiledPattern {
  if (depth > MAX_DEPTH) throw invalid(path, `nested deeper than ${MAX_DEPTH} levels`);
  const compiled: CompiledPattern = { fields: new Map(), or: [] };
  for (const [key, value] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or') {
      // "$or": a list of at least two patterns (event-ruler README, "The $or primitive"). Its legacy reading as a
      // field name is not emulated: refused instead.
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) throw invalid(at, '"$or" must be an array of at least two patterns (objects)');
      compiled.or.push(
        value.map((alternative, i) => {
          if (Object.keys(alternative).length === 0) throw invalid(`${at}[${i}]`, 'an alternative of "$or" must name at least one field');
          return compileObject(alternative, path, depth + 1);
        }),
      );
      continue;
    }
    if (Array.isArray(value)) compiled.fields.set(key, { leaf: compileLeafList(value, at) });
    else if (isObject(value)) {
      if (Object.keys(value).length === 0) throw invalid(at, 'a nested pattern must name at least one field');
      compiled.fields.set(key, { nested: compileObject(value, at, depth + 1) });
    } else throw invalid(at, `must be an array of values to match or a nested pattern, not ${JSON.stringify(value)}`);
  }
  return compiled;
}

function compileLeafList(values: unknown[], at: string): { matchers: Leaf[]; exists?: boolean } {
  if (values.length === 0) throw invalid(at, 'an empty array matches nothing');
  const matchers: Leaf[] = [];
  let exists: boolean | undefined;
  for (const value of values) {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') matchers.push((v) => v === value);
    else if (typeof value === 'number') matchers.push((v) => typeof v === 'number' && v === value);
    else if (isObject(value)) {
      const keys = Object.keys(value);
      if (keys.length !== 1) throw invalid(at, `a matcher object must have exactly one operator, got ${keys.length === 0 ? 'none' : keys.join(', ')}`);
      const operator = keys[0]!;
      const argument = value[operator];
      if (operator === 'exists') {
        if (typeof argument !== 'boolean') throw invalid(at, '"exists" takes true or false');
        if (values.length !== 1) throw invalid(at, '"exists" cannot be combined with other matchers of the same field');
        exists = argument;
      } else matchers.push(compileOperator(operator, argument, at));
    } else throw invalid(at, `cannot match ${JSON.stringify(value)}`);
  }
  return exists === undefined ? { matchers } : { matchers, exists };
}

function compileOperator(operator: string, argument: unknown, at: string): Leaf {
  switch (operator) {
    case 'prefix':
      return affix('prefix', argument, at);
    case 'suffix':
      return affix('suffix', argument, at);
    case 'equals-ignore-case': {
      const expected = requireString(argument, at, 'equals-ignore-case').toLowerCase();
      return (v) => typeof v === 'string' && v.toLowerCase() === expected;
    }
    case 'wildcard': {
      const regex = wildcardRegex(requireString(argument, at, 'wildcard'), at);
      return (v) => typeof v === 'string' && regex.test(v);
    }
    case 'anything-but':
      return anythingBut(argument, at);
    case 'numeric':
      return numeric(argument, at);
    case 'cidr':
      throw invalid(at, 'IP address matching ("cidr") is not emulated locally');
    default:
      throw invalid(at, `Unrecognized match type ${operator}`);
  }
}

/** `prefix` / `suffix`: a string, or `{"equals-ignore-case": string}` ("Begins with (ignore case)", "Ends with (ignore case)"). */
function affix(kind: 'prefix' | 'suffix', argument: unknown, at: string): Leaf {
  let expected: string;
  let ignoreCase = false;
  if (typeof argument === 'string') expected = argument;
  else if (isObject(argument) && Object.keys(argument).length === 1 && typeof argument['equals-ignore-case'] === 'string') {
    expected = (argument['equals-ignore-case'] as string).toLowerCase();
    ignoreCase = true;
  } else throw invalid(at, `"${kind}" takes a string or {"equals-ignore-case": string}`);
  return (v) => {
    if (typeof v !== 'string') return false;
    const s = ignoreCase ? v.toLowerCase() : v;
    return kind === 'prefix' ? s.startsWith(expected) : s.endsWith(expected);
  };
}

/**
 * `anything-but` ("Anything-but matching"): a string or a number, a list entirely of strings or entirely of numbers,
 * or one of `prefix`, `suffix`, `equals-ignore-case` (a string or a list of strings), `wildcard` (the same). It matches
 * a value of the field that is none of those; a missing field has no value and does not match.
 */
function anythingBut(argument: unknown, at: string): Leaf {
  if (typeof argument === 'string' || typeof argument === 'number') return (v) => v !== argument;
  if (Array.isArray(argument)) {
    if (argument.length === 0) throw invalid(at, '"anything-but" needs at least one value');
    const allStrings = argument.every((a) => typeof a === 'string');
    const allNumbers = argument.every((a) => typeof a === 'number');
    if (!allStrings && !allNumbers) throw invalid(at, '"anything-but" lists must contain only strings or only numbers');
    const excluded = new Set<unknown>(argument);
    return (v) => !excluded.has(v);
  }
  if (isObject(argument) && Object.keys(argument).length === 1) {
    const [operator, inner] = Object.entries(argument)[0]!;
    const strings = (name: string): string[] => {
      const list = Array.isArray(inner) ? inner : [inner];
      if (list.length === 0 || !list.every((s) => typeof s === 'string')) throw invalid(at, `"anything-but" / "${name}" takes a string or a list of strings`);
      return list as string[];
    };
    switch (operator) {
      case 'prefix': {
        const p = requireString(inner, at, 'anything-but / prefix');
        return (v) => typeof v === 'string' && !v.startsWith(p);
      }
      case 'suffix': {
        const s = requireString(inner, at, 'anything-but / suffix');
        return (v) => typeof v === 'string' && !v.endsWith(s);
      }
      case 'equals-ignore-case': {
        const excluded = new Set(strings('equals-ignore-case').map((s) => s.toLowerCase()));
        return (v) => typeof v === 'string' && !excluded.has(v.toLowerCase());
      }
      case 'wildcard': {
        const regexes = strings('wildcard').map((w) => wildcardRegex(w, at));
        return (v) => typeof v === 'string' && !regexes.some((r) => r.test(v));
      }
      default:
        throw invalid(at, `"anything-but" does not take "${operator}" (it takes a value, a list, prefix, suffix, equals-ignore-case or wildcard)`);
    }
  }
  throw invalid(at, '"anything-but" takes a string, a number, a list of either, or an object with one of prefix, suffix, equals-ignore-case, wildcard');
}

/**
 * `numeric` ("Numeric matching"): `[op, n]` or a range `[">" | ">=", low, "<" | "<=", high]`, on JSON numbers only.
 */
function numeric(argument: unknown, at: string): Leaf {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4))
    throw invalid(at, '"numeric" takes [operator, number] or [lower operator, number, upper operator, number]');
  const checks: Array<(n: number) => boolean> = [];
  for (let i = 0; i < argument.length; i += 2) {
    const op = argument[i];
    const bound = argument[i + 1];
    if (typeof bound !== 'number' || !Number.isFinite(bound) || Math.abs(bound) > NUMERIC_LIMIT)
      throw invalid(at, `"numeric" bounds must be numbers between -5.0e9 and 5.0e9, got ${JSON.stringify(bound)}`);
    switch (op) {
      case '=':
        if (argument.length !== 2) throw invalid(at, '"=" cannot be part of a range');
        checks.push((n) => n === bound);
        break;
      case '<':
        checks.push((n) => n < bound);
        break;
      case '<=':
        checks.push((n) => n <= bound);
        break;
      case '>':
        checks.push((n) => n > bound);
        break;
      case '>=':
        checks.push((n) => n >= bound);
        break;
      default:
        throw invalid(at, `"numeric" operator must be one of <, <=, =, >, >=, got ${JSON.stringify(op)}`);
    }
  }
  if (argument.length === 4) {
    const lower = argument[0] === '>' || argument[0] === '>=';
    const upper = argument[2] === '<' || argument[2] === '<=';
    if (!lower || !upper || (argument[1] as number) > (argument[3] as number))
      throw invalid(at, '"numeric" ranges are [">" or ">=", low, "<" or "<=", high] with low <= high');
  }
  return (v) => typeof v === 'number' && checks.every((check) => check(v));
}

/**
 * `wildcard` (event-ruler README, "Wildcard matching"): `*` matches any run of characters; consecutive `*` are not
 * allowed; `\*` is a literal asterisk and `\\` a literal backslash; a backslash before anything else is not allowed.
 */
function wildcardRegex(pattern: string, at: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next !== '*' && next !== '\\') throw invalid(at, `"wildcard" ${JSON.stringify(pattern)}: a backslash may only escape "*" or "\\"`);
      source += `\\${next}`;
      i += 1;
    } else if (c === '*') {
      if (pattern[i + 1] === '*') throw invalid(at, `"wildcard" ${JSON.stringify(pattern)}: consecutive wildcard characters are not allowed`);
      source += '[\\s\\S]*';
    } else source += c.replace(/[.+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

function requireString(value: unknown, at: string, operator: string): string {
  if (typeof value !== 'string') throw invalid(at, `"${operator}" takes a string`);
  return value;
}

function invalid(at: string, reason: string): InvalidEventPatternError {
  return new InvalidEventPatternError(`Event pattern is not valid. Reason: ${at ? `"${at}": ` : ''}${reason}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether the event (a parsed JSON object) matches the compiled pattern. */
export function matchesEventPattern(pattern: CompiledPattern, event: unknown): boolean {
  return matchObject(pattern, isObject(event) ? event : undefined, 0);
}

function matchObject(pattern: CompiledPattern, node: Record<string, unknown> | undefined, depth: number): boolean {
  if (depth > MAX_DEPTH) return false;
  for (const [key, field] of pattern.fields) {
    const value = node?.[key];
    if (field.nested) {
      // "Arrays in event patterns": an array of objects matches if one element matches the whole nested pattern.
      const objects = elements(value).filter(isObject);
      const ok = objects.length > 0 ? objects.some((o) => matchObject(field.nested!, o, depth + 1)) : matchObject(field.nested, undefined, depth + 1);
      if (!ok) return false;
    } else if (field.leaf) {
      const leaves = elements(value).filter(isLeaf);
      if (field.leaf.exists !== undefined) {
        if (field.leaf.exists !== leaves.length > 0) return false;
      } else if (!leaves.some((leaf) => field.leaf!.matchers.some((m) => m(leaf)))) return false;
    }
  }
  return pattern.or.every((alternatives) => alternatives.some((alternative) => matchObject(alternative, node, depth + 1)));
}

/** A field's values: itself, or the elements of an array (nested arrays flattened: "multi-level arrays"). */
function elements(value: unknown): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [value];
  return value.flatMap((element) => elements(element));
}

function isLeaf(value: unknown): value is JsonLeaf {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
