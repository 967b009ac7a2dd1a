/** Synthesizes the stack once (bundling the functions into a temp dir) and offers views on the Terraform JSON. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktn';
import type { PolicyDocument } from '../../core/policy/document.js';
import { buildFunctions } from '../build-functions.js';
import type { InfraConfig } from '../config.js';
import { RealtimeStack } from '../stack.js';
import { unescapeTerraform } from '../terraform-json.js';

export const TEST_ACCOUNT = '123456789012';
export const TEST_IDENTITY_POOL = 'eu-west-1:11111111-2222-4333-8444-555555555555';

export type TerraformJson = {
  terraform: Record<string, unknown>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
  data: Record<string, Record<string, Record<string, unknown>>>;
  output: Record<string, { value: unknown }>;
};

export interface Synthesized {
  json: TerraformJson;
  /** The raw cdk.tf.json text, for CDK Terrain's Testing matchers. */
  text: string;
  outdir: string;
  functionsDir: string;
  resources(type: string): Array<Record<string, unknown> & { __id: string }>;
}

export const testConfig = (functionsDir: string, overrides: Partial<InfraConfig> = {}): InfraConfig => ({
  app: 'iot-realtime',
  stage: 'test',
  region: 'eu-west-1',
  development: false,
  webOrigins: ['https://app.example.com'],
  allowGuests: true,
  hostWebDemo: false,
  appToken: {
    issuer: 'https://auth.example.com',
    jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
    audience: 'iot-realtime',
    maxAgeSeconds: 86_400,
    types: ['JWT', 'at+jwt'],
    clockToleranceSeconds: 60,
  },
  credentialsDurationSeconds: 3600,
  logRetentionDays: 14,
  throttle: { burstLimit: 100, rateLimit: 50 },
  alarms: {},
  functionsDir,
  ...overrides,
});

let built: string | undefined;

/** The functions bundled once per test file, for stacks that need their archives. */
export async function builtFunctions(): Promise<string> {
  if (built === undefined) {
    built = mkdtempSync(join(tmpdir(), 'iot-realtime-functions-'));
    await buildFunctions(built);
  }
  return built;
}

export async function synthesize(overrides: Partial<InfraConfig> = {}): Promise<Synthesized> {
  built = await builtFunctions();
  const app = Testing.app();
  const stack = new RealtimeStack(app, 'test-stack', testConfig(built, overrides));
  const outdir = Testing.fullSynth(stack);
  const text = readFileSync(join(outdir, 'stacks', 'test-stack', 'cdk.tf.json'), 'utf8');
  const json = JSON.parse(text) as TerraformJson;
  return {
    json,
    text,
    outdir: join(outdir, 'stacks', 'test-stack'),
    functionsDir: built,
    resources: (type) => Object.entries(json.resource[type] ?? {}).map(([id, r]) => ({ __id: id, ...r })),
  };
}

/**
 * What Terraform would send to AWS: `$${` unescaped, references resolved to test values (account id, pool id,
 * queue ARN), so the shared evaluator can judge the documents.
 */
export function resolveForAws(text: string): string {
  return unescapeTerraform(text)
    .replace(/\$\{data\.aws_caller_identity\.[^.]+\.account_id\}/g, TEST_ACCOUNT)
    .replace(/\$\{aws_cognito_identity_pool\.[^.]+\.id\}/g, TEST_IDENTITY_POOL)
    .replace(/\$\{aws_sqs_queue\.jobs_queue[^.]*\.arn\}/g, `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-jobs`)
    .replace(/\$\{aws_sqs_queue\.jobs_queue[^.]*\.url\}/g, `https://sqs.eu-west-1.amazonaws.com/${TEST_ACCOUNT}/iot-realtime-test-jobs`)
    .replace(/\$\{aws_sqs_queue\.fanout_queue[^.]*\.arn\}/g, `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-fanout`)
    .replace(/\$\{aws_sqs_queue\.fanout_queue[^.]*\.url\}/g, `https://sqs.eu-west-1.amazonaws.com/${TEST_ACCOUNT}/iot-realtime-test-fanout`)
    .replace(/\$\{aws_sqs_queue\.presence-events_queue[^.]*\.arn\}/g, `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-presence-events`)
    .replace(/\$\{aws_sqs_queue\.presence-failures[^.]*\.arn\}/g, `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-presence-failures`)
    .replace(/\$\{aws_cognito_user_pool_client\.[^.]+\.id\}/g, '1example23456789client')
    .replace(/\$\{aws_cognito_user_pool\.[^.]+\.id\}/g, 'eu-west-1_AbCdEf')
    .replace(/\$\{data\.aws_iot_endpoint\.[^.]+\.endpoint_address\}/g, 'abc123-ats.iot.eu-west-1.amazonaws.com')
    .replace(/\$\{aws_cloudwatch_log_group\.[^.]+\.arn\}/g, `arn:aws:logs:eu-west-1:${TEST_ACCOUNT}:log-group:/aws/lambda/fn`);
}

export function policyOf(raw: unknown): PolicyDocument {
  return JSON.parse(resolveForAws(String(raw))) as PolicyDocument;
}
