/**
 * Stage configuration for the infra app, from the environment (set by `npm run deploy -- --stage <name>`). Every value
 * is checked here, so a bad one stops the synth with the variable's name instead of reaching AWS. Outside the
 * development stages nothing has a placeholder: what a production stage needs (the app token issuer, https origins,
 * remote state for deploying) must be named.
 */
import type { RateLimit } from '../functions/catalog.js';
import { type AppName, DERIVED_NAME_LIMITS, longestDerivedNames } from './names.js';

export interface InfraConfig {
  app: string;
  stage: string;
  region: string;
  /** Development stages (`dev`, and `local`, the one `npm start` applies to the emulator) may use loopback http origins. */
  development: boolean;
  /** Origins allowed by the HTTP API's CORS; the CloudFront origin is added to them when hosting is on. */
  webOrigins: string[];
  /** Cognito guest (unauthenticated) access: broadcast only. Off outside development unless ALLOW_GUESTS=true. */
  allowGuests: boolean;
  /** S3 + CloudFront hosting of the built web demo. */
  hostWebDemo: boolean;
  /** The app's own JWT issuer, for non-Cognito users (POST /credentials etc.), and the rules its tokens are held to. */
  appToken: { issuer: string; jwksUrl: string; audience: string; maxAgeSeconds: number; types: string[]; clockToleranceSeconds: number };
  /** Lifetime of the credentials /credentials vends (STS DurationSeconds: 900 at least, 3600 at most under role chaining). */
  credentialsDurationSeconds: number;
  /** The user pool's email sender: Cognito's default (a small daily quota) unless an SES identity is named. */
  sesSender?: { sourceArn: string; fromAddress: string };
  logRetentionDays: number;
  throttle: { burstLimit: number; rateLimit: number };
  /** Where alarm notifications go (SNS subscriptions); none when both are unset (the topic still exists). */
  alarms: { email?: string; httpsUrl?: string };
  /** Directory with the esbuild bundles (infra/build-functions.ts). */
  functionsDir: string;
  /** Local stack knobs (LOCAL_RATE_LIMITS=off, tests): one per-user write limit instead of the catalog's. */
  rateLimitOverride?: RateLimit;
  /** Rooms up to this size are published by the messages function itself (DIRECT_FANOUT_MAX); the function's default when unset. */
  directFanoutMax?: number;
  /** Remote state for `npm run deploy` (an S3 bucket, locked with a lock file); local state in `.terraform-state/` when unset. */
  stateBackend?: { bucket: string; key: string; region: string };
}

export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
}

/**
 * The stages that may run without explicit web origins or an app token issuer: `dev`, the default of `npm run synth`,
 * whose web demo runs on a developer's machine (Vite on localhost:5173), and `local`, the stage `npm start` synthesizes
 * and applies to the emulator. Every other stage must name its origins (or host the demo) and its issuer.
 */
export const DEVELOPMENT_STAGES: readonly string[] = ['dev', 'local'];
const DEVELOPMENT_ORIGIN = 'http://localhost:5173';

/** CloudWatch Logs: the retention values PutRetentionPolicy accepts (0 is not one: unset means never expire). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new InfraConfigError(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new InfraConfigError(`${name} must be "true" or "false", got ${JSON.stringify(raw)}`);
  return raw === 'true';
}

const isLoopback = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\./.test(hostname);

function httpsUrl(name: string, raw: string, development: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InfraConfigError(`${name} must be an https URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:' && !(development && url.protocol === 'http:'))
    throw new InfraConfigError(`${name} must be an https URL${development ? ' (or http in a development stage)' : ''}, got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * WEB_ORIGINS: comma-separated origins, each exactly `scheme://host[:port]` (API Gateway compares the Origin header
 * as a string, so `https://app.example.com/` would never match). Outside development: https only, no loopback, no `*`.
 */
export function webOriginsFromEnv(raw: string | undefined, stage: string, hostWebDemo: boolean): string[] {
  const development = DEVELOPMENT_STAGES.includes(stage);
  const listed = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (listed.length === 0) {
    if (development) return [DEVELOPMENT_ORIGIN];
    // With hosting, the CloudFront origin is added by the stack: nothing else is needed.
    if (hostWebDemo) return [];
    throw new InfraConfigError(
      `WEB_ORIGINS is required for stage ${stage} (only the development stages ${DEVELOPMENT_STAGES.join(', ')} default to ${DEVELOPMENT_ORIGIN}): name the web app's origins, e.g. WEB_ORIGINS=https://app.example.com, or set HOST_WEB_DEMO=true`,
    );
  }
  return listed.map((origin) => {
    if (origin === '*') {
      if (development) return origin;
      throw new InfraConfigError(`WEB_ORIGINS may not be "*" for stage ${stage}: name the web app's origins`);
    }
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new InfraConfigError(`WEB_ORIGINS: ${JSON.stringify(origin)} is not an origin (expected scheme://host[:port])`);
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin) {
      throw new InfraConfigError(
        `WEB_ORIGINS: ${JSON.stringify(origin)} is not an origin (expected scheme://host[:port], without path or trailing "/"; did you mean ${JSON.stringify(url.origin)}?)`,
      );
    }
    if (!development && url.protocol !== 'https:')
      throw new InfraConfigError(`WEB_ORIGINS: ${origin} is not https; only a development stage may allow http origins`);
    if (!development && isLoopback(url.hostname))
      throw new InfraConfigError(`WEB_ORIGINS: ${origin} is a loopback origin; only a development stage may allow it`);
    return origin;
  });
}

function alarmsFromEnv(env: NodeJS.ProcessEnv): InfraConfig['alarms'] {
  const email = env.ALARM_EMAIL?.trim();
  const url = env.ALARM_HTTPS_URL?.trim();
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new InfraConfigError(`ALARM_EMAIL must be an email address, got ${JSON.stringify(email)}`);
  if (url) httpsUrl('ALARM_HTTPS_URL', url, false);
  return { ...(email ? { email } : {}), ...(url ? { httpsUrl: url } : {}) };
}

/**
 * APP_NAME and STAGE become part of every resource name, some of which AWS limits tightly: lowercase letters, digits
 * and `-` (S3 bucket names are lowercase), and short enough that the longest derived name of each kind fits (see
 * infra/names.ts: IAM role and Lambda function names 64, the hosting bucket's prefix 37).
 */
function checkNames(app: string, stage: string, hostWebDemo: boolean): void {
  for (const [name, value] of [
    ['APP_NAME', app],
    ['STAGE', stage],
  ] as const) {
    if (!/^[a-z][a-z0-9-]*$/.test(value) || value.endsWith('-') || value.includes('--'))
      throw new InfraConfigError(
        `${name} must start with a lowercase letter and contain only lowercase letters, digits and single "-" (it names S3 buckets, IAM roles and functions), got ${JSON.stringify(value)}`,
      );
  }
  const names: AppName = { app, stage };
  for (const derived of longestDerivedNames(names, { hostWebDemo })) {
    const limit = DERIVED_NAME_LIMITS[derived.kind];
    if (derived.name.length > limit)
      throw new InfraConfigError(
        `APP_NAME and STAGE are too long together: the ${derived.kind} ${derived.name} would be ${derived.name.length} characters, and AWS allows ${limit}; shorten them by ${derived.name.length - limit}`,
      );
  }
}

function stateBackendFromEnv(env: NodeJS.ProcessEnv, app: string, stage: string, region: string): InfraConfig['stateBackend'] {
  const bucket = env.TF_STATE_BUCKET?.trim();
  if (!bucket) return undefined;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new InfraConfigError(`TF_STATE_BUCKET must be an S3 bucket name, got ${JSON.stringify(bucket)}`);
  return { bucket, key: env.TF_STATE_KEY?.trim() || `${app}/${stage}/terraform.tfstate`, region: env.TF_STATE_REGION?.trim() || region };
}

export function infraConfigFromEnv(env: NodeJS.ProcessEnv, functionsDir: string): InfraConfig {
  const stage = env.STAGE ?? 'dev';
  const app = env.APP_NAME ?? 'iot-realtime';
  const development = DEVELOPMENT_STAGES.includes(stage);
  const hostWebDemo = flag(env, 'HOST_WEB_DEMO', false);
  checkNames(app, stage, hostWebDemo);
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new InfraConfigError(`AWS_REGION must be a region such as eu-west-1, got ${JSON.stringify(region)}`);

  const issuerRaw = env.APP_TOKEN_ISSUER?.trim();
  const jwksRaw = env.APP_JWKS_URL?.trim();
  if (!development && (!issuerRaw || !jwksRaw))
    throw new InfraConfigError(
      `APP_TOKEN_ISSUER and APP_JWKS_URL are required for stage ${stage}: the issuer of your app's JWTs (its "iss") and the URL of its JSON Web Key Set, e.g. APP_TOKEN_ISSUER=https://auth.example.com APP_JWKS_URL=https://auth.example.com/.well-known/jwks.json`,
    );
  const issuer = issuerRaw ? httpsUrl('APP_TOKEN_ISSUER', issuerRaw, development) : 'http://localhost:4511';
  const jwksUrl = jwksRaw ? httpsUrl('APP_JWKS_URL', jwksRaw, development) : `${issuer}/.well-known/jwks.json`;

  const logRetentionDays = integer(env, 'LOG_RETENTION_DAYS', 14, 1, 3653);
  if (!(LOG_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new InfraConfigError(`LOG_RETENTION_DAYS must be one of CloudWatch Logs' values (${LOG_RETENTION_DAYS.join(', ')}), got ${logRetentionDays}`);
  }
  const types = (env.APP_TOKEN_TYPES ?? 'JWT,at+jwt')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (types.length === 0 || !types.every((t) => /^[A-Za-z0-9!#$&^_.+-]+(\/[A-Za-z0-9!#$&^_.+-]+)?$/.test(t))) {
    throw new InfraConfigError(
      `APP_TOKEN_TYPES must be a comma-separated list of JWT "typ" values such as "JWT,at+jwt", got ${JSON.stringify(env.APP_TOKEN_TYPES)}`,
    );
  }
  const sesSourceArn = env.SES_SOURCE_ARN?.trim();
  const sesFrom = env.SES_FROM_ADDRESS?.trim();
  if (Boolean(sesSourceArn) !== Boolean(sesFrom))
    throw new InfraConfigError('SES_SOURCE_ARN and SES_FROM_ADDRESS go together: the verified SES identity and the address Cognito sends from');
  if (sesSourceArn && !/^arn:aws[a-z-]*:ses:[a-z0-9-]+:\d{12}:identity\/.+$/.test(sesSourceArn))
    throw new InfraConfigError(
      `SES_SOURCE_ARN must be the ARN of a verified SES identity (arn:aws:ses:<region>:<account>:identity/<domain or address>), got ${JSON.stringify(sesSourceArn)}`,
    );

  return {
    app,
    stage,
    region,
    development,
    webOrigins: webOriginsFromEnv(env.WEB_ORIGINS, stage, hostWebDemo),
    allowGuests: flag(env, 'ALLOW_GUESTS', development),
    hostWebDemo,
    appToken: {
      issuer,
      jwksUrl,
      audience: env.APP_TOKEN_AUDIENCE ?? app,
      maxAgeSeconds: integer(env, 'APP_TOKEN_MAX_AGE_SECONDS', 86_400, 60, 30 * 86_400),
      types,
      clockToleranceSeconds: integer(env, 'TOKEN_CLOCK_TOLERANCE_SECONDS', 60, 0, 300),
    },
    credentialsDurationSeconds: integer(env, 'CREDENTIALS_DURATION_SECONDS', 3600, 900, 3600),
    ...(sesSourceArn && sesFrom ? { sesSender: { sourceArn: sesSourceArn, fromAddress: sesFrom } } : {}),
    logRetentionDays,
    throttle: { burstLimit: integer(env, 'API_BURST_LIMIT', 100, 0, 5000), rateLimit: integer(env, 'API_RATE_LIMIT', 50, 0, 10_000) },
    alarms: alarmsFromEnv(env),
    functionsDir,
    ...(() => {
      const backend = stateBackendFromEnv(env, app, stage, region);
      return backend ? { stateBackend: backend } : {};
    })(),
  };
}
