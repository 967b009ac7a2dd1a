/** `npm run synth`: bundles the functions and writes the Terraform JSON to infra/cdktf.out/stacks/<app>-<stage>/. */

import { join } from 'node:path';
import { buildFunctions, DEFAULT_OUT_DIR, REPO_ROOT } from './build-functions.js';
import { type InfraConfig, InfraConfigError, infraConfigFromEnv } from './config.js';
import { synthesizeStack } from './synth.js';

let config: InfraConfig;
try {
  config = infraConfigFromEnv(process.env, DEFAULT_OUT_DIR);
} catch (error) {
  // A bad stage setting is the operator's to fix: say which, without a stack trace.
  if (!(error instanceof InfraConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const built = await buildFunctions(DEFAULT_OUT_DIR);
const { stackName } = synthesizeStack(config, join(REPO_ROOT, 'infra', 'cdktf.out'));
process.stdout.write(`Synthesized ${stackName} (${config.region}) with ${built.length} functions -> infra/cdktf.out/stacks/${stackName}/cdk.tf.json\n`);
