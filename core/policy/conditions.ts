/**
 * The Condition element: String*, Arn*, Bool and Null operators, `...IfExists`, and the ForAnyValue / ForAllValues set
 * operators. Everything else (Numeric*, Date*, IpAddress, BinaryEquals, ...) is refused with an error, never guessed.
 *
 * Sources (IAM User Guide):
 * - Condition operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 * - Multiple keys or values: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
 * - Single-valued vs. multivalued context keys:
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 * - Policy variables with no value: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 * - Multivalued context key examples (keys "with empty values" and Null):
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html
 *
 * What is still refused, and why, is listed in docs/aws-iot-facts.md section 8.
 */

import { arnPatternMatches } from './arn.js';
import type { ConditionBlock } from './document.js';
import { UnsupportedPolicyFeatureError } from './errors.js';
import { matchesPattern, type Pattern } from './pattern.js';
import type { ContextEntry, RequestContext } from './request-context.js';
import { hasVariableSyntax, resolvePattern, resolveText } from './variables.js';

type Comparison = 'equals' | 'equals-ignore-case' | 'like' | 'arn' | 'bool';

interface MatchingOperator {
  comparison: Comparison;
  /** Negated operators hold when no policy value matches (a NOR over the values). */
  negated: boolean;
}

const MATCHING_OPERATORS: Readonly<Record<string, MatchingOperator>> = {
  StringEquals: { comparison: 'equals', negated: false },
  StringNotEquals: { comparison: 'equals', negated: true },
  StringEqualsIgnoreCase: { comparison: 'equals-ignore-case', negated: false },
  StringNotEqualsIgnoreCase: { comparison: 'equals-ignore-case', negated: true },
  StringLike: { comparison: 'like', negated: false },
  StringNotLike: { comparison: 'like', negated: true },
  // IAM: "The ArnEquals and ArnLike condition operators behave identically" (and so do ArnNotEquals / ArnNotLike).
  ArnEquals: { comparison: 'arn', negated: false },
  ArnLike: { comparison: 'arn', negated: false },
  ArnNotEquals: { comparison: 'arn', negated: true },
  ArnNotLike: { comparison: 'arn', negated: true },
  Bool: { comparison: 'bool', negated: false },
};

type SetOperator = 'ForAnyValue' | 'ForAllValues';

interface ParsedOperator {
  setOperator: SetOperator | undefined;
  ifExists: boolean;
  base: 'Null' | MatchingOperator;
}

const OPERATOR_SYNTAX = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/;

function parseOperator(name: string): ParsedOperator {
  const syntax = OPERATOR_SYNTAX.exec(name);
  const baseName = syntax?.[2] ?? '';
  const setOperator = syntax?.[1] as SetOperator | undefined;
  const ifExists = syntax?.[3] !== undefined;
  if (baseName === 'Null') {
    // IAM: "You can add IfExists to the end of any condition operator name except the Null condition": not valid.
    if (ifExists) throw new UnsupportedPolicyFeatureError(`condition operator ${name} is not valid: IfExists cannot qualify Null`);
    // A set operator on Null: the IAM pages say nothing about it (Null tests presence, not values). Refused.
    if (setOperator !== undefined)
      throw new UnsupportedPolicyFeatureError(`condition operator ${name} is not supported: what a set operator does to Null is not documented`);
    return { setOperator, ifExists, base: 'Null' };
  }
  const base = MATCHING_OPERATORS[baseName];
  if (syntax === null || base === undefined) throw new UnsupportedPolicyFeatureError(`condition operator ${name} is not supported by the local evaluator`);
  return { setOperator, ifExists, base };
}

function policyValueList(operator: string, key: string, raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new UnsupportedPolicyFeatureError(`condition ${operator} on ${key} has no values`);
  return list.map((value) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean') return String(value);
    throw new UnsupportedPolicyFeatureError(`condition ${operator} on ${key} has a value that is not a string or boolean: ${JSON.stringify(value)}`);
  });
}

function parseBoolean(text: string): 'true' | 'false' | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' || lower === 'false' ? lower : undefined;
}

/**
 * The request's values of a key as a set operator reads them; empty when the key "resolves to a null data set".
 * IAM (Conditions with multiple context keys or values): "If the key values in the request resolve to an empty data
 * set (for example, an empty string), a condition operator modified by ForAllValues returns true. In addition, a
 * condition operator modified by ForAnyValue returns false." A single-valued key is a set of one value: the IAM pages
 * advise against set operators on single-valued keys because they "can lead to overly permissive policies", which
 * presumes they are evaluated (Single-valued vs. multivalued context keys).
 */
function setValues(entry: ContextEntry): readonly string[] {
  if (entry.kind === 'multi') return entry.values;
  return entry.value === '' ? [] : [entry.value];
}

/** A key present with an empty value: an empty multivalued set or an empty string. */
function hasEmptyValue(entry: ContextEntry): boolean {
  return setValues(entry).length === 0;
}

/**
 * Null: `true` holds when the key is null, `false` when "the key exists and its value is not null" (Condition
 * operators, "Condition operator to check existence of condition keys"). A key with an empty value is null: "You can
 * prevent missing context keys or context keys with empty values from evaluating to true by including a Null
 * condition operator in your policy with a value of false to check if the context key in the request exists and its
 * value is not null" (Multivalued context key examples).
 */
function nullHolds(operator: string, key: string, values: string[], entry: ContextEntry | undefined): boolean {
  const isNull = entry === undefined || hasEmptyValue(entry);
  return values.some((value) => {
    // IAM: "You can't use a policy variable with ... Null operators" (Variables, Condition element).
    const expected = hasVariableSyntax(value) ? undefined : parseBoolean(value);
    if (expected === undefined) throw new UnsupportedPolicyFeatureError(`${operator} on ${key} takes "true" or "false", got ${JSON.stringify(value)}`);
    return (expected === 'true') === isNull;
  });
}

/** A value test built once per condition: does this request value match any (resolved) policy value? */
type ValueTest = (requestValue: string) => boolean;

/**
 * Resolves the policy values. A value whose variable has no value is dropped: AWS says such a value "is effectively
 * null. There is no equal or like value", so positive operators cannot match it and negated ones ("Inverted condition
 * operators like StringNotEquals or StringNotLike do match against a null value") are not stopped by it.
 */
function valueTest(base: MatchingOperator, operatorName: string, key: string, values: string[], context: RequestContext): ValueTest {
  switch (base.comparison) {
    case 'equals': {
      const resolved = values.map((v) => resolveText(v, context)).filter((v) => v !== undefined);
      return (requestValue) => resolved.includes(requestValue);
    }
    case 'equals-ignore-case': {
      const resolved = values.map((v) => resolveText(v, context)?.toLowerCase()).filter((v) => v !== undefined);
      return (requestValue) => resolved.includes(requestValue.toLowerCase());
    }
    case 'like': {
      const patterns = values.map((v) => resolvePattern(v, context)).filter((p): p is NonNullable<typeof p> => p !== undefined);
      return (requestValue) => patterns.some((pattern) => matchesPattern(pattern, requestValue));
    }
    case 'arn': {
      const patterns: Pattern[] = values.map((v) => resolvePattern(v, context)).filter((p): p is NonNullable<typeof p> => p !== undefined);
      return (requestValue) => patterns.some((pattern) => arnPatternMatches(pattern, requestValue, operatorName));
    }
    case 'bool': {
      const expected = values.map((value) => {
        // The IAM pages disagree on variables in Bool (Condition operators allows them, Variables forbids): refused.
        const parsed = hasVariableSyntax(value) ? undefined : parseBoolean(value);
        if (parsed === undefined) throw new UnsupportedPolicyFeatureError(`${operatorName} on ${key} takes "true" or "false", got ${JSON.stringify(value)}`);
        return parsed;
      });
      return (requestValue) => {
        const actual = parseBoolean(requestValue);
        if (actual === undefined)
          throw new UnsupportedPolicyFeatureError(`${operatorName} on ${key}: the request value ${JSON.stringify(requestValue)} is not a boolean`);
        return expected.includes(actual);
      };
    }
  }
}

function conditionHolds(operatorName: string, key: string, rawValues: unknown, context: RequestContext): boolean {
  const operator = parseOperator(operatorName);
  const values = policyValueList(operatorName, key, rawValues);
  const entry = context.get(key);
  if (operator.base === 'Null') return nullHolds(operatorName, key, values, entry);
  const base = operator.base;
  const { negated } = base;

  if (entry === undefined) {
    // IAM (Multiple keys or values): ForAllValues "also returns true if there are no keys in the request";
    // ForAnyValue: "For no matching key or a null dataset, the condition returns false", with or without IfExists:
    // the ForAnyValue rule names the absent key itself, and AWS was seen to answer so for
    // ForAnyValue:StringEqualsIfExists (re:Post QU9HFmDzP0QGuU-fd7rS6B7w, an Allow that did not apply).
    // IAM (Condition operators): an absent key does not match, so negated operators hold, and "...IfExists" holds
    // ("If the key is not present, evaluate the condition element as true").
    if (operator.setOperator === 'ForAllValues') return true;
    if (operator.setOperator === 'ForAnyValue') return false;
    return operator.ifExists || negated;
  }
  const test = valueTest(base, operatorName, key, values, context);
  const holdsFor = (requestValue: string) => (negated ? !test(requestValue) : test(requestValue));
  if (operator.setOperator !== undefined) {
    // every() of an empty set is true and some() is false: the documented results for a null data set.
    const requestValues = setValues(entry);
    return operator.setOperator === 'ForAllValues' ? requestValues.every(holdsFor) : requestValues.some(holdsFor);
  }
  if (entry.kind === 'multi') {
    // IAM: "Multivalued context keys require a condition set operator"; what a single-valued operator does with one is
    // not documented, so the request is refused rather than decided.
    throw new UnsupportedPolicyFeatureError(`${operatorName} on ${key}: the key is multivalued in this request and needs ForAnyValue or ForAllValues`);
  }
  return holdsFor(entry.value);
}

/** IAM: operators are ANDed, keys under one operator are ANDed, values of one key are ORed (NOR when negated). */
export function conditionsHold(block: ConditionBlock | undefined, context: RequestContext): boolean {
  if (block === undefined) return true;
  return Object.entries(block).every(([operator, entries]) => Object.entries(entries).every(([key, values]) => conditionHolds(operator, key, values, context)));
}
