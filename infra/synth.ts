/**
 * Synthesizes one stage's stack into a folder (cdk.tf.json and the functions' archives under assets/): what
 * `npm run synth` and `npm run deploy` write for Terraform, and what the local stack and the rehearsal apply to the
 * emulator. One function, so every target gets the same JSON from the same configuration.
 */
import { join } from 'node:path';
import { App } from 'cdktn';
import type { InfraConfig } from './config.js';
import { RealtimeStack } from './stack.js';

export interface SynthesizedStack {
  stackName: string;
  /** The folder Terraform runs in: cdk.tf.json and its assets. */
  stackDir: string;
  stack: RealtimeStack;
}

export function synthesizeStack(config: InfraConfig, outdir: string): SynthesizedStack {
  const app = new App({ outdir });
  const stackName = `${config.app}-${config.stage}`;
  const stack = new RealtimeStack(app, stackName, config);
  app.synth();
  return { stackName, stackDir: join(outdir, 'stacks', stackName), stack };
}
