/**
 * Function configuration from the environment: one schema per function, read and validated once at start-up, failing
 * with a message that names every missing or invalid variable. Infra checks each Lambda's environment against the
 * same schemas (infra/test), so a deploy cannot ship a function that would fail to start.
 */
import { ConfigError } from './errors.js';

export type Parser<T> = { parse(raw: string | undefined, name: string): T; optional: boolean; describe: string };

export const env = {
  string: (options: { default?: string } = {}): Parser<string> => ({
    optional: options.default !== undefined,
    describe: 'a non-empty string',
    parse(raw, name) {
      const value = raw ?? options.default;
      if (value === undefined || value === '') throw new ConfigError(`${name} is required (a non-empty string)`);
      return value;
    },
  }),
  url: (): Parser<string> => ({
    optional: false,
    describe: 'an http(s) URL',
    parse(raw, name) {
      if (raw === undefined || raw === '') throw new ConfigError(`${name} is required (an http(s) URL)`);
      try {
        const u = new URL(raw);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
      } catch {
        throw new ConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(raw)}`);
      }
      return raw;
    },
  }),
  integer: (options: { default: number; min: number; max: number }): Parser<number> => ({
    optional: true,
    describe: `an integer between ${options.min} and ${options.max}`,
    parse(raw, name) {
      if (raw === undefined || raw === '') return options.default;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < options.min || value > options.max) {
        throw new ConfigError(`${name} must be an integer between ${options.min} and ${options.max}, got ${JSON.stringify(raw)}`);
      }
      return value;
    },
  }),
  list: (): Parser<string[]> => ({
    optional: false,
    describe: 'a comma-separated list',
    parse(raw, name) {
      const items = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      if (items.length === 0) throw new ConfigError(`${name} is required (a comma-separated list)`);
      return items;
    },
  }),
};

export type Schema = Record<string, Parser<unknown>>;
export type ConfigOf<S extends Schema> = { [K in keyof S]: S[K] extends Parser<infer T> ? T : never };

/** Reads every variable of the schema; reports all problems at once. */
export function readConfig<S extends Schema>(schema: S, source: Record<string, string | undefined>, functionName: string): ConfigOf<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, parser] of Object.entries(schema)) {
    try {
      out[name] = parser.parse(source[name], name);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (problems.length > 0) throw new ConfigError(`${functionName} cannot start: ${problems.join('; ')}`);
  return out as ConfigOf<S>;
}

/** Variables every function reads: where the app lives. */
export const deploymentSchema = {
  APP_NAME: env.string(),
  STAGE: env.string(),
  AWS_REGION: env.string(),
  AWS_ACCOUNT_ID: env.string(),
} satisfies Schema;

/** Verification of the app's own JWTs (non-Cognito users). */
export const appTokenSchema = {
  APP_JWKS_URL: env.url(),
  APP_TOKEN_ISSUER: env.string(),
  APP_TOKEN_AUDIENCE: env.string(),
} satisfies Schema;
