/**
 * The deploy workflow (infra/deploy/workflow.ts) with recording ports: what runs, in which order, and what it refuses,
 * without AWS or a terraform binary. Also the web upload's keys, content types and cache policies (S3 mocked).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { WebConfig } from '../../core/contracts/web-config.js';
import { type InfraConfig, infraConfigFromEnv } from '../config.js';
import { uploadWebApp, webFiles } from '../deploy/upload-web.js';
import { type DeployOptions, type DeployPorts, deploy } from '../deploy/workflow.js';

const PROD = {
  STAGE: 'prod',
  WEB_ORIGINS: 'https://app.example.com',
  APP_TOKEN_ISSUER: 'https://auth.example.com',
  APP_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
  TF_STATE_BUCKET: 'acme-terraform-state',
};
const config = (env: Record<string, string> = {}): InfraConfig => infraConfigFromEnv({ ...PROD, ...env }, '/functions');
const WEB_CONFIG = {
  mode: 'aws',
  apiUrl: 'https://api/',
  region: 'us-east-1',
  iotEndpoint: 'x-ats.iot',
  identityPoolId: 'p',
  allowGuests: false,
  topicPrefix: 'a/b',
};

function recordingPorts(overrides: { version?: string; changes?: boolean; interactive?: boolean; answer?: boolean; outputs?: Record<string, unknown> } = {}) {
  const steps: string[] = [];
  const outputs: Record<string, unknown> = {
    web_config: WEB_CONFIG,
    api_url: 'https://api.example/',
    web_bucket: 'site-bucket',
    web_distribution_id: 'E123',
    web_url: 'https://d1.cloudfront.net',
    ...overrides.outputs,
  };
  const ports: DeployPorts = {
    terraform: {
      version: async () => (overrides.version === undefined ? '1.11.4' : overrides.version === 'none' ? undefined : overrides.version),
      init: async () => void steps.push('init'),
      plan: async () => {
        steps.push('plan');
        return { changes: overrides.changes ?? true };
      },
      apply: async (_dir, plan) => void steps.push(`apply ${plan}`),
      output: async (_dir, name) => outputs[name],
    },
    synthesize: async (c) => {
      steps.push(`synth ${c.stage}`);
      return { stackDir: '/stack' };
    },
    prompt: {
      interactive: overrides.interactive ?? true,
      confirm: async (q) => {
        steps.push(`ask: ${q}`);
        return overrides.answer ?? true;
      },
    },
    buildWeb: async () => {
      steps.push('build web');
      return '/dist';
    },
    uploadWeb: async (bucket) => {
      steps.push(`upload ${bucket}`);
      return ['index.html'];
    },
    invalidate: async (id) => {
      steps.push(`invalidate ${id}`);
      return 'I1';
    },
    writeWebConfig: async (w) => {
      steps.push(`config ${w.apiUrl}`);
      return 'web-demo/public/config.json';
    },
    log: () => undefined,
  };
  return { ports, steps };
}

const opts = (o: Partial<DeployOptions> = {}): DeployOptions => ({ stage: 'prod', yes: false, planOnly: false, ...o });
const parse = (v: unknown) => v as WebConfig;

describe('npm run deploy', () => {
  it('synthesizes, inits, shows the plan, asks, applies that plan, then writes the web config', async () => {
    const { ports, steps } = recordingPorts();
    expect(await deploy(config(), opts(), ports, parse)).toEqual({ applied: true, apiUrl: 'https://api.example/' });
    expect(steps).toEqual([
      'synth prod',
      'init',
      'plan',
      'ask: Apply this plan to stage prod in us-east-1? Only "yes" applies it.',
      'apply deploy.tfplan',
      'config https://api/',
    ]);
  });

  it('applies nothing when the operator does not answer yes', async () => {
    const { ports, steps } = recordingPorts({ answer: false });
    expect(await deploy(config(), opts(), ports, parse)).toEqual({ applied: false, reason: 'declined' });
    expect(steps.some((s) => s.startsWith('apply'))).toBe(false);
  });

  it('applies without asking with --yes (CI), and only shows the plan with --plan', async () => {
    const ci = recordingPorts({ interactive: false });
    await deploy(config(), opts({ yes: true }), ci.ports, parse);
    expect(ci.steps.some((s) => s.startsWith('ask'))).toBe(false);
    expect(ci.steps).toContain('apply deploy.tfplan');
    const plan = recordingPorts({ interactive: false });
    expect(await deploy(config(), opts({ planOnly: true }), plan.ports, parse)).toEqual({ applied: false, reason: 'plan-only' });
    expect(plan.steps).toEqual(['synth prod', 'init', 'plan']);
  });

  it('refuses at once, before the long steps, when nobody can confirm and --yes was not given', async () => {
    const { ports, steps } = recordingPorts({ interactive: false });
    await expect(deploy(config(), opts(), ports, parse)).rejects.toThrow(/no terminal to confirm the plan: run with --yes/);
    expect(steps).toEqual([]);
  });

  it('refuses without terraform, with a Terraform older than 1.10 (no S3 lock files), and a production stage without remote state', async () => {
    await expect(deploy(config(), opts(), recordingPorts({ version: 'none' }).ports, parse)).rejects.toThrow(/terraform was not found on PATH/);
    await expect(deploy(config(), opts(), recordingPorts({ version: '1.9.8' }).ports, parse)).rejects.toThrow(/Terraform 1.9.8 is too old/);
    const noState = infraConfigFromEnv({ ...PROD, TF_STATE_BUCKET: '' }, '/functions');
    await expect(deploy(noState, opts(), recordingPorts().ports, parse)).rejects.toThrow(/stage prod needs remote state: set TF_STATE_BUCKET/);
    // The development stages may keep local state.
    const dev = infraConfigFromEnv({ STAGE: 'dev' }, '/functions');
    expect((await deploy(dev, opts({ stage: 'dev', yes: true }), recordingPorts().ports, parse)).applied).toBe(true);
  });

  it('builds, uploads and invalidates the hosted web app after applying, when the stage hosts it', async () => {
    const { ports, steps } = recordingPorts();
    const result = await deploy(config({ HOST_WEB_DEMO: 'true' }), opts({ yes: true }), ports, parse);
    expect(result).toEqual({ applied: true, apiUrl: 'https://api.example/', webUrl: 'https://d1.cloudfront.net' });
    expect(steps.slice(steps.indexOf('apply deploy.tfplan'))).toEqual([
      'apply deploy.tfplan',
      'build web',
      'upload site-bucket',
      'invalidate E123',
      'config https://api/',
    ]);
  });
});

describe('uploading the web app', () => {
  const dist = () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-dist-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'x');
    writeFileSync(join(dir, 'assets', 'index-abc123.css'), 'x');
    writeFileSync(join(dir, 'config.json'), '{}');
    return dir;
  };

  it('gives each file its content type and cache policy, and leaves config.json to Terraform', () => {
    expect(webFiles(dist()).map(({ key, contentType, cacheControl }) => ({ key, contentType, cacheControl }))).toEqual([
      { key: 'assets/index-abc123.css', contentType: 'text/css; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable' },
      { key: 'assets/index-abc123.js', contentType: 'text/javascript; charset=utf-8', cacheControl: 'public, max-age=31536000, immutable' },
      { key: 'index.html', contentType: 'text/html; charset=utf-8', cacheControl: 'no-cache' },
    ]);
  });

  it('uploads index.html last, so no visitor gets a page naming assets not there yet; refuses a folder without it', async () => {
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    const keys = await uploadWebApp(new S3Client({ region: 'us-east-1' }), 'site-bucket', dist());
    expect(keys.at(-1)).toBe('index.html');
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual(keys);
    expect(s3.commandCalls(PutObjectCommand).every((c) => c.args[0].input.Bucket === 'site-bucket')).toBe(true);
    const empty = mkdtempSync(join(tmpdir(), 'web-empty-'));
    await expect(uploadWebApp(new S3Client({ region: 'us-east-1' }), 'b', empty)).rejects.toThrow(/has no index.html/);
    s3.restore();
  });
});
