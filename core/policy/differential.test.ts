/**
 * Differential test: the local evaluator against an independent one (@cloud-copilot/iam-simulate) on thousands of
 * seeded random IoT-shaped policies and requests. Zero disagreements expected. The seed is fixed (reproducible) and
 * can be overridden with POLICY_DIFFERENTIAL_SEED / POLICY_DIFFERENTIAL_CASES to explore; a failure names the seed, the
 * case number and a shrunk counter-example.
 *
 * Where iam-simulate departs from the AWS documentation, that class of case is excluded below, each with the page it
 * contradicts. The classes the evaluator once refused and the IAM pages decide (set operators on single-valued keys,
 * ForAnyValue with IfExists, empty multivalued keys) are generated and counted, so they are known to agree. Cases the local evaluator refuses by design (UnsupportedPolicyFeatureError) are accepted only when they
 * contain the construct it documents as refused.
 */
import type { PolicyStatement } from './document.js';
import { type Decision, evaluateLayers, evaluatePolicies, UnsupportedPolicyFeatureError } from './evaluator.js';
import { type GeneratedCase, generateCase, Random } from './test-support/random-policies.js';
import { type ReferenceDecision, referenceDecision } from './test-support/reference-evaluator.js';
import { shrinkCase } from './test-support/shrink-case.js';

const SEED = Number(process.env.POLICY_DIFFERENTIAL_SEED ?? 0x10_7ea1);
const CASES = Number(process.env.POLICY_DIFFERENTIAL_CASES ?? 4000);

type LocalOutcome = ReferenceDecision | { refused: string };

const EFFECTS: Record<Decision['effect'], ReferenceDecision> = { Allow: 'Allowed', ExplicitDeny: 'ExplicitlyDenied', ImplicitDeny: 'ImplicitlyDenied' };

function localOutcome(generated: GeneratedCase): LocalOutcome {
  const identity = generated.identity.map((document, i) => ({ name: `identity-${i}`, document }));
  const { action, resource, context } = generated.request;
  try {
    const decision =
      generated.boundary === undefined
        ? evaluatePolicies(identity, { action, resource, context })
        : evaluateLayers(
            [
              { name: 'identity', policies: identity },
              { name: 'boundary', policies: [{ name: 'boundary', document: generated.boundary }] },
            ],
            { action, resource, context },
          );
    return EFFECTS[decision.effect];
  } catch (error) {
    if (error instanceof UnsupportedPolicyFeatureError) return { refused: error.message };
    throw error;
  }
}

const allStatements = (generated: GeneratedCase): PolicyStatement[] =>
  [...generated.identity, ...(generated.boundary ? [generated.boundary] : [])].flatMap((d) => d.Statement);
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);
const VARIABLE = /\$\{([^}*?$][^}]*)\}/g;

function hasKey(generated: GeneratedCase, key: string): boolean {
  return Object.keys(generated.request.context).some((k) => k.toLowerCase() === key.toLowerCase());
}

/** Variables in `text` whose key has no value in the request. */
function unresolvedVariables(generated: GeneratedCase, text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((m) => m[1] as string).filter((key) => !hasKey(generated, key));
}

/**
 * Excluded class: a negated operator (String*Not*, ArnNot*) whose key is present and one of whose values has a
 * variable with no value. AWS: "Inverted condition operators like StringNotEquals or StringNotLike do match against a
 * null value" (IAM policy elements: Variables and tags, "Policy variables with no value"); iam-simulate instead fails
 * the whole condition.
 */
function negatedConditionOnNullVariable(generated: GeneratedCase): boolean {
  return allStatements(generated).some((statement) =>
    Object.entries(statement.Condition ?? {}).some(
      ([operator, entries]) =>
        /Not(Equals|Like)/.test(operator) &&
        Object.entries(entries).some(([key, values]) => hasKey(generated, key) && list(values).some((v) => unresolvedVariables(generated, v).length > 0)),
    ),
  );
}

/**
 * Excluded class: a Null condition on a key the request has with an empty value (an empty multivalued set). AWS: "You
 * can prevent missing context keys or context keys with empty values from evaluating to true by including a Null
 * condition operator in your policy with a value of false to check if the context key in the request exists and its
 * value is not null" (Multivalued context key examples,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html):
 * such a key is null. iam-simulate counts any key present in the request as not null.
 */
function nullOnEmptyValue(generated: GeneratedCase): boolean {
  const empty = (key: string) =>
    Object.entries(generated.request.context).some(([k, v]) => k.toLowerCase() === key.toLowerCase() && (v === '' || (Array.isArray(v) && v.length === 0)));
  return allStatements(generated).some((statement) => Object.keys(statement.Condition?.Null ?? {}).some(empty));
}

/**
 * Refused by design (evaluator.ts, resourceMatches): a NotResource entry whose variable has no value. AWS says such an
 * entry "will not match any resource" but not whether the statement then applies.
 */
function notResourceOnNullVariable(generated: GeneratedCase): boolean {
  return allStatements(generated).some((statement) => list(statement.NotResource).some((entry) => unresolvedVariables(generated, entry).length > 0));
}

function printCase(generated: GeneratedCase): string {
  return JSON.stringify(generated, null, 2);
}

type Comparison = { kind: 'excluded' } | { kind: 'refused' } | { kind: 'agreed'; decision: ReferenceDecision } | { kind: 'disagreed'; message: string };

function compare(generated: GeneratedCase): Comparison {
  if (negatedConditionOnNullVariable(generated) || nullOnEmptyValue(generated)) return { kind: 'excluded' };
  const local = localOutcome(generated);
  if (typeof local !== 'string') {
    return notResourceOnNullVariable(generated) ? { kind: 'refused' } : { kind: 'disagreed', message: `the local evaluator refused: ${local.refused}` };
  }
  const reference = referenceDecision(generated);
  return local === reference ? { kind: 'agreed', decision: local } : { kind: 'disagreed', message: `local ${local}, iam-simulate ${reference}` };
}

test(`the evaluator decides like iam-simulate on ${CASES} seeded random cases (seed ${SEED})`, () => {
  const random = new Random(SEED);
  const counts = { agreed: 0, excluded: 0, refused: 0, Allowed: 0, ExplicitlyDenied: 0, ImplicitlyDenied: 0 };
  const operatorsSeen = new Set<string>();
  // Agreed cases of the classes the IAM pages decide and the evaluator used to refuse (evaluator.test.ts cites each).
  const decidedClasses = { setOperatorOnSingleValuedKey: 0, forAnyValueIfExistsOnAbsentKey: 0, setOperatorOnEmptyKey: 0 };
  const failures: string[] = [];

  for (let index = 0; index < CASES && failures.length < 3; index++) {
    const generated = generateCase(random);
    for (const statement of allStatements(generated)) for (const operator of Object.keys(statement.Condition ?? {})) operatorsSeen.add(operator);
    const result = compare(generated);
    if (result.kind === 'agreed') for (const found of classesIn(generated)) decidedClasses[found]++;
    if (result.kind === 'disagreed') {
      const small = shrinkCase(generated, (candidate) => compare(candidate).kind === 'disagreed');
      const shrunk = compare(small);
      failures.push(
        `seed ${SEED}, case ${index}: ${shrunk.kind === 'disagreed' ? shrunk.message : result.message}\nshrunk counter-example:\n${printCase(small)}`,
      );
    } else if (result.kind === 'agreed') {
      counts.agreed++;
      counts[result.decision]++;
    } else counts[result.kind]++;
  }

  if (failures.length > 0) throw new Error(`${failures.length} disagreement(s) with iam-simulate (seed ${SEED}):\n\n${failures.join('\n\n')}`);
  if (process.env.POLICY_DIFFERENTIAL_VERBOSE) console.info(`seed ${SEED}: ${JSON.stringify(counts)}; operators: ${[...operatorsSeen].sort().join(', ')}`);

  // The comparison means something only if every decision and every operator family actually occurred.
  expect(counts.agreed).toBeGreaterThan(CASES * 0.9);
  for (const outcome of ['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied'] as const) expect(counts[outcome]).toBeGreaterThan(CASES * 0.05);
  const bases = new Set([...operatorsSeen].map((operator) => operator.replace(/^For(AnyValue|AllValues):/, '').replace(/IfExists$/, '')));
  expect([...bases].sort()).toEqual(
    [
      'ArnEquals',
      'ArnLike',
      'ArnNotEquals',
      'ArnNotLike',
      'Bool',
      'Null',
      'StringEquals',
      'StringEqualsIgnoreCase',
      'StringLike',
      'StringNotEquals',
      'StringNotEqualsIgnoreCase',
      'StringNotLike',
    ].sort(),
  );
  expect([...operatorsSeen].some((operator) => operator.startsWith('ForAllValues:') && operator.endsWith('IfExists'))).toBe(true);
  expect([...operatorsSeen].some((operator) => operator.startsWith('ForAnyValue:'))).toBe(true);
  for (const count of Object.values(decidedClasses)) expect(count).toBeGreaterThan(CASES * 0.01);
  if (process.env.POLICY_DIFFERENTIAL_VERBOSE) console.info(`decided classes agreed: ${JSON.stringify(decidedClasses)}`);
});

const MULTIVALUED = new Set(['aws:tagkeys', 'cognito-identity.amazonaws.com:amr']);

/** Which of the newly decided classes a case exercises (a condition whose key the request has, or lacks, as named). */
type DecidedClass = 'setOperatorOnSingleValuedKey' | 'forAnyValueIfExistsOnAbsentKey' | 'setOperatorOnEmptyKey';

function classesIn(generated: GeneratedCase): DecidedClass[] {
  const found = new Set<DecidedClass>();
  const requestValue = (key: string) => Object.entries(generated.request.context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  for (const statement of allStatements(generated)) {
    for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
      if (!/^For(AnyValue|AllValues):/.test(operator)) continue;
      for (const key of Object.keys(entries)) {
        const value = requestValue(key);
        if (!MULTIVALUED.has(key.toLowerCase()) && typeof value === 'string') found.add('setOperatorOnSingleValuedKey');
        if (operator.startsWith('ForAnyValue:') && operator.endsWith('IfExists') && value === undefined) found.add('forAnyValueIfExistsOnAbsentKey');
        if (Array.isArray(value) && value.length === 0) found.add('setOperatorOnEmptyKey');
      }
    }
  }
  return [...found];
}
