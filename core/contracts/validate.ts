/**
 * Checking untrusted values against a contract. Contracts are valibot schemas (chosen over zod 4 mini for Lambda
 * cold start and browser size: docs/benchmarks.md); their TypeScript types are derived with `v.InferOutput`.
 */
import * as v from 'valibot';

/** A value that does not satisfy its contract; `problems` are sentences a person understands. */
export class ContractViolationError extends Error {
  override readonly name = 'ContractViolationError';
  constructor(
    readonly subject: string,
    readonly problems: readonly string[],
  ) {
    super(`${subject}: ${problems.join('; ')}`);
  }
}

/** `"text" must be a string`, with the path of the offending field first. */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  return path ? `"${path}" ${issue.message}` : issue.message;
}

/** Parses `value` or throws ContractViolationError listing every problem at once. */
export function parseContract<const S extends v.GenericSchema>(schema: S, value: unknown, subject: string): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  throw new ContractViolationError(subject, result.issues.map(describeIssue));
}
