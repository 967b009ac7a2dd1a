/** Stage configuration for the infra app, from the environment (set by `npm run deploy -- --stage <name>`). */
import { isValidId } from '../core/ids.js';

export interface InfraConfig {
  app: string;
  stage: string;
  region: string;
  /** Origins allowed by the HTTP API's CORS (the web demo's). */
  webOrigins: string[];
  /** Cognito guest (unauthenticated) access: broadcast only. */
  allowGuests: boolean;
  /** S3 + CloudFront hosting of the built web demo. */
  hostWebDemo: boolean;
  /** The app's own JWT issuer, for non-Cognito users (POST /credentials etc.). */
  appToken: { issuer: string; jwksUrl: string; audience: string };
  logRetentionDays: number;
  throttle: { burstLimit: number; rateLimit: number };
  /** Directory with the esbuild bundles (infra/build-functions.ts). */
  functionsDir: string;
}

export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
}

export function infraConfigFromEnv(env: NodeJS.ProcessEnv, functionsDir: string): InfraConfig {
  const stage = env.STAGE ?? 'dev';
  const app = env.APP_NAME ?? 'iot-realtime';
  if (!isValidId(stage) || !isValidId(app)) throw new InfraConfigError('APP_NAME and STAGE may contain only letters, digits, "_" and "-"');
  const issuer = env.APP_TOKEN_ISSUER ?? 'https://auth.example.com';
  return {
    app,
    stage,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    webOrigins: (env.WEB_ORIGINS ?? 'http://localhost:5173').split(',').map((s) => s.trim()).filter(Boolean),
    allowGuests: (env.ALLOW_GUESTS ?? 'true') === 'true',
    hostWebDemo: env.HOST_WEB_DEMO === 'true',
    appToken: { issuer, jwksUrl: env.APP_JWKS_URL ?? `${issuer}/.well-known/jwks.json`, audience: env.APP_TOKEN_AUDIENCE ?? app },
    logRetentionDays: Number(env.LOG_RETENTION_DAYS ?? 14),
    throttle: { burstLimit: Number(env.API_BURST_LIMIT ?? 100), rateLimit: Number(env.API_RATE_LIMIT ?? 50) },
    functionsDir,
  };
}
