/**
 * Stage configuration for the infra app, from the environment (set by `npm run deploy -- --stage <name>`). Every value
 * is checked here, so a bad one stops the synth with the variable's name instead of reaching AWS.
 */
import { isValidId } from '../core/ids.js';

export interface InfraConfig {
  app: string;
  stage: string;
  region: string;
  /** Origins allowed by the HTTP API's CORS; the CloudFront origin is added to them when hosting is on. */
  webOrigins: string[];
  /** Cognito guest (unauthenticated) access: broadcast only. */
  allowGuests: boolean;
  /** S3 + CloudFront hosting of the built web demo. */
  hostWebDemo: boolean;
  /** The app's own JWT issuer, for non-Cognito users (POST /credentials etc.), and the rules its tokens are held to. */
  appToken: { issuer: string; jwksUrl: string; audience: string; maxAgeSeconds: number; types: string[]; clockToleranceSeconds: number };
  logRetentionDays: number;
  throttle: { burstLimit: number; rateLimit: number };
  /** Where alarm notifications go (SNS subscriptions); none when both are unset (the topic still exists). */
  alarms: { email?: string; httpsUrl?: string };
  /** Directory with the esbuild bundles (infra/build-functions.ts). */
  functionsDir: string;
}

export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
}

/**
 * The stage that may run without explicit web origins: `dev`, the default of `npm run synth`, whose web demo runs on a
 * developer's machine (Vite on localhost:5173). Every other stage must name its origins or host the demo.
 */
export const DEVELOPMENT_STAGE = 'dev';
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

/**
 * WEB_ORIGINS: comma-separated origins, each exactly `scheme://host[:port]` (API Gateway compares the Origin header
 * as a string, so `https://app.example.com/` would never match). Outside the dev stage: https only, no loopback, no `*`.
 */
export function webOriginsFromEnv(raw: string | undefined, stage: string, hostWebDemo: boolean): string[] {
  const development = stage === DEVELOPMENT_STAGE;
  const listed = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (listed.length === 0) {
    if (development) return [DEVELOPMENT_ORIGIN];
    // With hosting, the CloudFront origin is added by the stack: nothing else is needed.
    if (hostWebDemo) return [];
    throw new InfraConfigError(
      `WEB_ORIGINS is required for stage ${stage} (only the ${DEVELOPMENT_STAGE} stage defaults to ${DEVELOPMENT_ORIGIN}): name the web app's origins, e.g. WEB_ORIGINS=https://app.example.com, or set HOST_WEB_DEMO=true`,
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
      throw new InfraConfigError(`WEB_ORIGINS: ${origin} is not https; only the ${DEVELOPMENT_STAGE} stage may allow http origins`);
    if (!development && isLoopback(url.hostname))
      throw new InfraConfigError(`WEB_ORIGINS: ${origin} is a loopback origin; only the ${DEVELOPMENT_STAGE} stage may allow it`);
    return origin;
  });
}

function alarmsFromEnv(env: NodeJS.ProcessEnv): InfraConfig['alarms'] {
  const email = env.ALARM_EMAIL?.trim();
  const httpsUrl = env.ALARM_HTTPS_URL?.trim();
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new InfraConfigError(`ALARM_EMAIL must be an email address, got ${JSON.stringify(email)}`);
  if (httpsUrl) {
    let protocol: string;
    try {
      protocol = new URL(httpsUrl).protocol;
    } catch {
      protocol = '';
    }
    if (protocol !== 'https:') throw new InfraConfigError(`ALARM_HTTPS_URL must be an https URL, got ${JSON.stringify(httpsUrl)}`);
  }
  return { ...(email ? { email } : {}), ...(httpsUrl ? { httpsUrl } : {}) };
}

export function infraConfigFromEnv(env: NodeJS.ProcessEnv, functionsDir: string): InfraConfig {
  const stage = env.STAGE ?? 'dev';
  const app = env.APP_NAME ?? 'iot-realtime';
  if (!isValidId(stage) || !isValidId(app)) throw new InfraConfigError('APP_NAME and STAGE may contain only letters, digits, "_" and "-"');
  const issuer = env.APP_TOKEN_ISSUER ?? 'https://auth.example.com';
  const hostWebDemo = flag(env, 'HOST_WEB_DEMO', false);
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
  return {
    app,
    stage,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    webOrigins: webOriginsFromEnv(env.WEB_ORIGINS, stage, hostWebDemo),
    allowGuests: flag(env, 'ALLOW_GUESTS', true),
    hostWebDemo,
    appToken: {
      issuer,
      jwksUrl: env.APP_JWKS_URL ?? `${issuer}/.well-known/jwks.json`,
      audience: env.APP_TOKEN_AUDIENCE ?? app,
      maxAgeSeconds: integer(env, 'APP_TOKEN_MAX_AGE_SECONDS', 86_400, 60, 30 * 86_400),
      types,
      clockToleranceSeconds: integer(env, 'TOKEN_CLOCK_TOLERANCE_SECONDS', 60, 0, 300),
    },
    logRetentionDays,
    throttle: { burstLimit: integer(env, 'API_BURST_LIMIT', 100, 0, 5000), rateLimit: integer(env, 'API_RATE_LIMIT', 50, 0, 10_000) },
    alarms: alarmsFromEnv(env),
    functionsDir,
  };
}
