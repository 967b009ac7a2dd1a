/**
 * `npm run deploy -- --stage <name> [--yes] [--plan]`: the deploy workflow (workflow.ts) with the real tools: the
 * terraform CLI (>= 1.10) in the synthesized stack's folder, AWS credentials from the environment (any method the AWS
 * provider and SDK accept: AWS_PROFILE, SSO, environment keys), S3 and CloudFront through the AWS SDK. Every stage
 * setting is read from the environment by infra/config.ts and checked before anything runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { S3Client } from '@aws-sdk/client-s3';
import { parseContract } from '../../core/contracts/validate.js';
import { WebConfigSchema } from '../../core/contracts/web-config.js';
import { buildFunctions, DEFAULT_OUT_DIR, REPO_ROOT } from '../build-functions.js';
import { type InfraConfig, InfraConfigError, infraConfigFromEnv } from '../config.js';
import { synthesizeStack } from '../synth.js';
import { uploadWebApp } from './upload-web.js';
import { DeployError, type DeployPorts, deploy, type TerraformRunner } from './workflow.js';

const USAGE = 'usage: npm run deploy -- --stage <name> [--yes] [--plan]';

function run(command: string, args: string[], options: { capture?: boolean; cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit' });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new DeployError(`${command} ${args.join(' ')} failed (exit code ${code})`))));
  });
}

const terraform: TerraformRunner = {
  async version() {
    const result = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8' });
    if (result.error) return undefined;
    return (JSON.parse(result.stdout) as { terraform_version?: string }).terraform_version;
  },
  init: async (stackDir) => void (await run('terraform', ['init', '-input=false'], { cwd: stackDir })),
  async plan(stackDir, planFile) {
    // -detailed-exitcode would be the other way to learn about changes; the JSON of the saved plan is unambiguous.
    await run('terraform', ['plan', '-input=false', `-out=${planFile}`], { cwd: stackDir });
    const plan = JSON.parse(await run('terraform', ['show', '-json', planFile], { capture: true, cwd: stackDir })) as {
      resource_changes?: Array<{ change: { actions: string[] } }>;
      output_changes?: Record<string, { actions: string[] }>;
    };
    const changed = (actions: string[]) => !(actions.length === 1 && actions[0] === 'no-op');
    return {
      changes: (plan.resource_changes ?? []).some((r) => changed(r.change.actions)) || Object.values(plan.output_changes ?? {}).some((o) => changed(o.actions)),
    };
  },
  apply: async (stackDir, planFile) => void (await run('terraform', ['apply', '-input=false', planFile], { cwd: stackDir })),
  output: async (stackDir, name) => JSON.parse(await run('terraform', ['output', '-json', name], { capture: true, cwd: stackDir })) as unknown,
};

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(`${question} `)).trim() === 'yes';
  } finally {
    rl.close();
  }
}

function ports(config: InfraConfig): DeployPorts {
  return {
    terraform,
    async synthesize(stage) {
      await buildFunctions(DEFAULT_OUT_DIR);
      return synthesizeStack(stage, join(REPO_ROOT, 'infra', 'cdktf.out'));
    },
    prompt: { interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY), confirm },
    async buildWeb() {
      await run('npm', ['run', 'build:web'], { cwd: REPO_ROOT });
      return join(REPO_ROOT, 'web-demo', 'dist');
    },
    uploadWeb: (bucket, dir) => uploadWebApp(new S3Client({ region: config.region }), bucket, dir),
    async invalidate(distributionId) {
      const out = await new CloudFrontClient({ region: config.region }).send(
        new CreateInvalidationCommand({
          DistributionId: distributionId,
          InvalidationBatch: { CallerReference: `deploy-${Date.now()}`, Paths: { Quantity: 1, Items: ['/*'] } },
        }),
      );
      return out.Invalidation?.Id ?? '(unknown id)';
    },
    async writeWebConfig(webConfig) {
      const target = join(REPO_ROOT, 'web-demo', 'public', 'config.json');
      mkdirSync(join(REPO_ROOT, 'web-demo', 'public'), { recursive: true });
      writeFileSync(target, `${JSON.stringify(webConfig, null, 2)}\n`);
      return target;
    },
    log: (line) => process.stdout.write(`${line}\n`),
  };
}

const { values } = parseArgs({
  options: { stage: { type: 'string' }, yes: { type: 'boolean', default: false }, plan: { type: 'boolean', default: false } },
});
if (!values.stage) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
try {
  const config = infraConfigFromEnv({ ...process.env, STAGE: values.stage }, DEFAULT_OUT_DIR);
  // Checked against the contract the browser reads, so a stack output drift fails here and not in users' browsers.
  const result = await deploy(config, { stage: values.stage, yes: values.yes, planOnly: values.plan }, ports(config), (value) =>
    parseContract(WebConfigSchema, value, 'terraform output web_config'),
  );
  if (result.applied)
    process.stdout.write(`Deployed ${config.app}-${config.stage}: API ${result.apiUrl}${result.webUrl ? `, web app ${result.webUrl}` : ''}\n`);
} catch (error) {
  if (!(error instanceof InfraConfigError || error instanceof DeployError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
