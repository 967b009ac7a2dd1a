/**
 * `npm run deploy`, step by step, as an operator runs it: check the tools, synthesize the stage, `terraform init`
 * against the stage's state, show the plan, ask before applying (or `--yes` in CI), apply exactly that plan, then
 * publish the web app when the stage hosts it (build, upload to the bucket, invalidate CloudFront) and write the web
 * app's config.json. Each step's side effects are injected (DeployPorts), so the order and the refusals are tested
 * without AWS or a terraform binary (infra/test/deploy.test.ts); deploy.ts wires the real ones.
 */
import type { WebConfig } from '../../core/contracts/web-config.js';
import { DEVELOPMENT_STAGES, type InfraConfig } from '../config.js';

export interface DeployOptions {
  stage: string;
  /** Apply without asking (CI); otherwise the plan is shown and the operator must type "yes". */
  yes: boolean;
  /** Show the plan and stop. */
  planOnly: boolean;
}

export interface TerraformRunner {
  /** `terraform version -json`'s terraform_version, or undefined when no terraform is on PATH. */
  version(): Promise<string | undefined>;
  init(stackDir: string): Promise<void>;
  /** Writes the plan to `planFile` and prints it; resolves whether it changes anything. */
  plan(stackDir: string, planFile: string): Promise<{ changes: boolean }>;
  apply(stackDir: string, planFile: string): Promise<void>;
  output(stackDir: string, name: string): Promise<unknown>;
}

export interface DeployPorts {
  terraform: TerraformRunner;
  /** Builds the functions and synthesizes the stage; returns the folder Terraform runs in. */
  synthesize(config: InfraConfig): Promise<{ stackDir: string }>;
  /** The operator, when there is one at a terminal. */
  prompt: { interactive: boolean; confirm(question: string): Promise<boolean> };
  /** Builds the web app (web-demo/dist) and returns its folder. */
  buildWeb(): Promise<string>;
  /** Uploads the built app to the hosting bucket (config.json is Terraform's and stays); returns the keys uploaded. */
  uploadWeb(bucket: string, dir: string): Promise<string[]>;
  invalidate(distributionId: string): Promise<string>;
  writeWebConfig(config: WebConfig): Promise<string>;
  log(line: string): void;
}

/** Terraform >= 1.10: S3 state locking with a lock file (`use_lockfile`), which the S3 backend is configured with. */
export const MIN_TERRAFORM = [1, 10] as const;

export class DeployError extends Error {
  override readonly name = 'DeployError';
}

export type DeployResult = { applied: false; reason: 'plan-only' | 'declined' | 'no-changes' } | { applied: true; webUrl?: string; apiUrl: string };

export async function deploy(
  config: InfraConfig,
  options: DeployOptions,
  ports: DeployPorts,
  parseWebConfig: (value: unknown) => WebConfig,
): Promise<DeployResult> {
  const version = await ports.terraform.version();
  if (version === undefined)
    throw new DeployError(`terraform was not found on PATH. Install Terraform >= ${MIN_TERRAFORM.join('.')} to deploy; \`npm run synth\` works without it.`);
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < MIN_TERRAFORM[0] || (major === MIN_TERRAFORM[0] && minor < MIN_TERRAFORM[1]))
    throw new DeployError(`Terraform ${version} is too old: the S3 state backend locks with a lock file, which needs Terraform >= ${MIN_TERRAFORM.join('.')}`);
  if (!config.stateBackend && !DEVELOPMENT_STAGES.includes(config.stage))
    throw new DeployError(
      `stage ${config.stage} needs remote state: set TF_STATE_BUCKET to an S3 bucket for Terraform state (TF_STATE_KEY and TF_STATE_REGION are optional). Local state in .terraform-state/ is only for the development stages.`,
    );
  // Checked before the long steps: a CI job without --yes fails at once instead of after the plan.
  if (!options.yes && !options.planOnly && !ports.prompt.interactive)
    throw new DeployError('no terminal to confirm the plan: run with --yes to apply without asking (CI), or --plan to only show it');

  ports.log(`Synthesizing ${config.app}-${config.stage} (${config.region})`);
  const { stackDir } = await ports.synthesize(config);
  await ports.terraform.init(stackDir);
  const planFile = 'deploy.tfplan';
  const { changes } = await ports.terraform.plan(stackDir, planFile);
  if (options.planOnly) return { applied: false, reason: 'plan-only' };
  if (changes) {
    if (!options.yes) {
      const accepted = await ports.prompt.confirm(`Apply this plan to stage ${config.stage} in ${config.region}? Only "yes" applies it.`);
      if (!accepted) {
        ports.log('Not applied.');
        return { applied: false, reason: 'declined' };
      }
    }
    await ports.terraform.apply(stackDir, planFile);
  } else {
    ports.log('No changes to apply.');
  }

  const webConfig = parseWebConfig(await ports.terraform.output(stackDir, 'web_config'));
  const apiUrl = String(await ports.terraform.output(stackDir, 'api_url'));
  let webUrl: string | undefined;
  if (config.hostWebDemo) {
    const bucket = String(await ports.terraform.output(stackDir, 'web_bucket'));
    const distribution = String(await ports.terraform.output(stackDir, 'web_distribution_id'));
    webUrl = String(await ports.terraform.output(stackDir, 'web_url'));
    const dir = await ports.buildWeb();
    const uploaded = await ports.uploadWeb(bucket, dir);
    ports.log(`Uploaded ${uploaded.length} files of the web app to s3://${bucket}`);
    const invalidation = await ports.invalidate(distribution);
    ports.log(`CloudFront invalidation ${invalidation} started for /* (new files are served within minutes)`);
  }
  const written = await ports.writeWebConfig(webConfig);
  ports.log(`Web app config written to ${written}`);
  if (!changes && !config.hostWebDemo) return { applied: false, reason: 'no-changes' };
  return { applied: true, apiUrl, ...(webUrl ? { webUrl } : {}) };
}
