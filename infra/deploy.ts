/**
 * `npm run deploy -- --stage <name> [--plan]`: synthesizes the stage and applies it with the terraform CLI, then
 * writes the web demo's config from the stack outputs. Needs terraform >= 1.5 on PATH and AWS credentials in the
 * environment (any method the AWS provider accepts: AWS_PROFILE, SSO, environment keys).
 */

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseContract } from '../core/contracts/validate.js';
import { WebConfigSchema } from '../core/contracts/web-config.js';
import { REPO_ROOT } from './build-functions.js';

const { values } = parseArgs({ options: { stage: { type: 'string' }, plan: { type: 'boolean', default: false } } });
if (!values.stage) {
  process.stderr.write('usage: npm run deploy -- --stage <name> [--plan]\n');
  process.exit(2);
}
const env: NodeJS.ProcessEnv = { ...process.env, STAGE: values.stage };
const app = env.APP_NAME ?? 'iot-realtime';
const stackDir = join(REPO_ROOT, 'infra', 'cdktf.out', 'stacks', `${app}-${values.stage}`);

function run(command: string, args: string[], options: { capture?: boolean } = {}): string {
  const result = spawnSync(command, args, { env, stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    process.stderr.write(`${command} was not found on PATH. Install the terraform CLI (>= 1.5) to deploy; \`npm run synth\` works without it.\n`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
  return result.stdout ?? '';
}

run('terraform', ['version']);
run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'infra', 'main.ts')]);
run('terraform', [`-chdir=${stackDir}`, 'init', '-input=false']);
if (values.plan) {
  run('terraform', [`-chdir=${stackDir}`, 'plan', '-input=false']);
  process.exit(0);
}
run('terraform', [`-chdir=${stackDir}`, 'apply', '-input=false', '-auto-approve']);
const webConfig = run('terraform', [`-chdir=${stackDir}`, 'output', '-json', 'web_config'], { capture: true });
const target = join(REPO_ROOT, 'web-demo', 'public', 'config.json');
mkdirSync(join(REPO_ROOT, 'web-demo', 'public'), { recursive: true });
// Checked against the contract the browser reads, so a stack output drift fails here and not in users' browsers.
const checked = parseContract(WebConfigSchema, JSON.parse(webConfig), 'terraform output web_config');
writeFileSync(target, `${JSON.stringify(checked, null, 2)}\n`);
process.stdout.write(`Deployed ${app}-${values.stage}. Web demo config written to web-demo/public/config.json\n`);
