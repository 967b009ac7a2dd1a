/** `npm start` configuration from the environment, validated once. */

import type { LogLevel } from '../functions/shared/logger.js';
import { EmulatorConfigError, emulatorConfigFromEnv } from './emulator/config.js';
import { DEFAULT_API_PORT, DEFAULT_WEB_PORT } from './local-deployment.js';

export interface LocalStackConfig {
  emulator: ReturnType<typeof emulatorConfigFromEnv>;
  apiPort: number;
  webPort: number;
  corsOrigins: string[];
  credentialsDurationSeconds: number;
  jobRetryDelayMs: number;
  webMode: 'dev' | 'static' | 'off';
  /** Rooms, history and signing keys (git-ignored); delete it to start afresh. */
  dataDir: string;
  /** Per-user write limits of the catalog, or off (load tests). */
  rateLimits: 'catalog' | 'off';
  /** Level of the functions' log lines shown (they log as deployed); unset: INFO. */
  functionLogLevel: LogLevel | undefined;
  /** The HTTP API stage's throttle, as API_BURST_LIMIT / API_RATE_LIMIT set it for a deployment (load tests raise it). */
  apiThrottle: { burstLimit: number; rateLimit: number };
  /** Execution environments at most across all functions (the account's concurrency, locally). */
  maxLambdaEnvironments: number;
}

function bounded(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new EmulatorConfigError(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new EmulatorConfigError(`${name} must be a port number (1-65535), got ${JSON.stringify(raw)}`);
  return value;
}

export function localStackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LocalStackConfig {
  const emulator = emulatorConfigFromEnv(env);
  const webPort = port(env, 'LOCAL_WEB_PORT', DEFAULT_WEB_PORT);
  const duration = Number(env.LOCAL_CREDENTIALS_DURATION_SECONDS ?? 3600);
  if (!Number.isInteger(duration) || duration < 900 || duration > 3600) {
    throw new EmulatorConfigError('LOCAL_CREDENTIALS_DURATION_SECONDS must be between 900 and 3600 (STS limits)');
  }
  return {
    emulator,
    apiPort: port(env, 'LOCAL_API_PORT', DEFAULT_API_PORT),
    webPort,
    corsOrigins: (env.LOCAL_CORS_ORIGINS ?? `http://127.0.0.1:${webPort},http://localhost:${webPort}`)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    credentialsDurationSeconds: duration,
    jobRetryDelayMs: bounded(env, 'LOCAL_JOB_RETRY_DELAY_MS', 2000, 0, 3_600_000),
    webMode: webMode(env.LOCAL_WEB_MODE),
    dataDir: env.LOCAL_DATA_DIR ?? '.local',
    rateLimits: oneOf(env, 'LOCAL_RATE_LIMITS', ['catalog', 'off'] as const, 'catalog'),
    functionLogLevel:
      env.LOCAL_FUNCTION_LOG_LEVEL === undefined
        ? undefined
        : oneOf(env, 'LOCAL_FUNCTION_LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const, 'INFO'),
    // API Gateway's own limits: burst 5000, rate 10000 per second and account.
    apiThrottle: { burstLimit: bounded(env, 'LOCAL_API_BURST_LIMIT', 100, 0, 5000), rateLimit: bounded(env, 'LOCAL_API_RATE_LIMIT', 50, 0, 10_000) },
    maxLambdaEnvironments: bounded(env, 'LOCAL_LAMBDA_MAX_ENVIRONMENTS', 64, 1, 1000),
  };
}

function webMode(raw: string | undefined): 'dev' | 'static' | 'off' {
  const value = raw ?? 'dev';
  if (value !== 'dev' && value !== 'static' && value !== 'off')
    throw new EmulatorConfigError(`LOCAL_WEB_MODE must be dev, static or off, got ${JSON.stringify(raw)}`);
  return value;
}

function oneOf<const T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new EmulatorConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}
