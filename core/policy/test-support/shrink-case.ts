/**
 * Greedy shrinking of a failing generated case: drop policies, statements, condition entries, list members and context
 * keys one at a time while the failure persists, so a disagreement is reported as a small counter-example.
 */
import type { ConditionBlock, PolicyDocument, PolicyStatement } from '../document.js';
import type { GeneratedCase } from './random-policies.js';

type Value = string | string[] | boolean;

/** Variants of a list-or-scalar element with one member fewer (or the single members of a list). */
function smallerValues(value: Value): Value[] {
  if (!Array.isArray(value) || value.length < 2) return [];
  return value.map((member) => member);
}

function* smallerConditions(block: ConditionBlock): Generator<ConditionBlock | undefined> {
  const operators = Object.keys(block);
  if (operators.length === 1 && Object.keys(block[operators[0] as string] ?? {}).length === 1) yield undefined;
  for (const operator of operators) {
    const entries = block[operator] ?? {};
    const keys = Object.keys(entries);
    if (operators.length > 1) {
      const { [operator]: _dropped, ...rest } = block;
      yield rest;
    }
    for (const key of keys) {
      if (keys.length > 1) {
        const { [key]: _dropped, ...rest } = entries;
        yield { ...block, [operator]: rest };
      }
      for (const smaller of smallerValues(entries[key] as Value)) yield { ...block, [operator]: { ...entries, [key]: smaller as string } };
    }
  }
}

function* smallerStatements(statement: PolicyStatement): Generator<PolicyStatement> {
  if (statement.Condition !== undefined) {
    for (const condition of smallerConditions(statement.Condition)) {
      if (condition === undefined) {
        const { Condition: _dropped, ...rest } = statement;
        yield rest;
      } else yield { ...statement, Condition: condition };
    }
  }
  for (const element of ['Action', 'NotAction', 'Resource', 'NotResource'] as const) {
    const value = statement[element];
    if (value !== undefined) for (const smaller of smallerValues(value)) yield { ...statement, [element]: smaller as string };
  }
}

function* smallerDocuments(document: PolicyDocument): Generator<PolicyDocument> {
  const statements = document.Statement;
  for (let i = 0; i < statements.length; i++) {
    if (statements.length > 1) yield { ...document, Statement: statements.filter((_, j) => j !== i) };
    for (const smaller of smallerStatements(statements[i] as PolicyStatement)) {
      yield { ...document, Statement: statements.map((s, j) => (j === i ? smaller : s)) };
    }
  }
}

function* smallerCases(generated: GeneratedCase): Generator<GeneratedCase> {
  if (generated.boundary !== undefined) {
    const { boundary, ...rest } = generated;
    yield rest;
    for (const smaller of smallerDocuments(boundary)) yield { ...generated, boundary: smaller };
  }
  const { identity } = generated;
  for (let i = 0; i < identity.length; i++) {
    if (identity.length > 1) yield { ...generated, identity: identity.filter((_, j) => j !== i) };
    for (const smaller of smallerDocuments(identity[i] as PolicyDocument)) {
      yield { ...generated, identity: identity.map((d, j) => (j === i ? smaller : d)) };
    }
  }
  const { context } = generated.request;
  for (const key of Object.keys(context)) {
    const { [key]: _dropped, ...rest } = context;
    yield { ...generated, request: { ...generated.request, context: rest } };
    const value = context[key];
    if (Array.isArray(value) && value.length > 1) {
      for (const member of value) yield { ...generated, request: { ...generated.request, context: { ...context, [key]: [member] } } };
    }
  }
}

export function shrinkCase(generated: GeneratedCase, stillFails: (candidate: GeneratedCase) => boolean): GeneratedCase {
  let current = generated;
  for (let shrunk = true; shrunk; ) {
    shrunk = false;
    for (const candidate of smallerCases(current)) {
      if (stillFails(candidate)) {
        current = candidate;
        shrunk = true;
        break;
      }
    }
  }
  return current;
}
