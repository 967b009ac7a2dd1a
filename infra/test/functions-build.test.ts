/**
 * Every Lambda in the stack points to a handler that exists in the build, and its environment (as Terraform would set
 * it, plus what Lambda provides) satisfies that handler's config schema: a deploy cannot ship a function that fails
 * to start.
 */

import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { FUNCTIONS } from '../../functions/catalog.js';
import { readConfig } from '../../functions/shared/config.js';
import { resolveForAws, type Synthesized, synthesize } from './synthesized.js';

const execFileAsync = promisify(execFile);
let synth: Synthesized;
beforeAll(async () => {
  synth = await synthesize();
}, 120_000);

/** What the Lambda runtime adds to the environment. */
const RUNTIME_ENV = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'ASIARUNTIME', AWS_SECRET_ACCESS_KEY: 'x', AWS_SESSION_TOKEN: 'x' };

describe.each(FUNCTIONS.map((f) => [f.name, f] as const))('%s', (name, definition) => {
  const resource = () => synth.resources('aws_lambda_function').find((f) => f.function_name === `iot-realtime-test-${name}`)!;

  it('ships a bundle that exports the configured handler', () => {
    const r = resource();
    expect(r.handler).toBe('index.handler');
    const bundle = join(synth.functionsDir, name, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    expect(readFileSync(bundle, 'utf8')).toMatch(/export\s*\{[^}]*\bas handler\b|export\s*\{[^}]*\bhandler\b/);
    // The asset Terraform uploads is the zip of that directory.
    expect(existsSync(join(synth.outdir, String(r.filename)))).toBe(true);
  });

  it('has an environment that satisfies its config schema', () => {
    const variables = JSON.parse(resolveForAws(JSON.stringify((resource().environment as { variables: Record<string, string> }).variables))) as Record<
      string,
      string
    >;
    expect(() => readConfig(definition.configSchema, { ...variables, ...RUNTIME_ENV }, name)).not.toThrow();
    for (const value of Object.values(variables)) expect(value).not.toMatch(/\$\{/);
  });

  it('starts with that environment (the bundle loads and exposes handler)', async () => {
    const variables = JSON.parse(resolveForAws(JSON.stringify((resource().environment as { variables: Record<string, string> }).variables))) as Record<
      string,
      string
    >;
    // A fresh Node process with exactly that environment, as Lambda would start it.
    const bundle = pathToFileURL(join(synth.functionsDir, name, 'index.mjs')).href;
    const probe = `const m = await import(${JSON.stringify(bundle)}); process.stdout.write(typeof m.handler);`;
    const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', probe], {
      env: { PATH: process.env.PATH ?? '', ...variables, ...RUNTIME_ENV },
    });
    expect(stdout).toBe('function');
  });
});
