/**
 * Function configuration from the environment, read and validated once at start-up against the function's schema
 * (core/contracts/function-env.ts), failing with a message that names every missing or invalid variable. Infra checks
 * each Lambda's environment against the same schemas (infra/test), so a deploy cannot ship a function that would fail
 * to start.
 */
import * as v from 'valibot';
import type { FunctionEnvSchema } from '../../core/contracts/function-env.js';
import { ConfigError } from './errors.js';

export function readConfig<S extends FunctionEnvSchema>(
  schema: S,
  source: Readonly<Record<string, string | undefined>>,
  functionName: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, source);
  if (result.success) return result.output;
  const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? 'environment'} ${issue.message}`);
  throw new ConfigError(`${functionName} cannot start: ${problems.join('; ')}`);
}
