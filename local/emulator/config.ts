/** Emulator configuration from the environment, validated once, failing fast with the variable's name. */
import { DEFAULT_API_PORT, DEFAULT_EMULATOR_PORT } from '../local-deployment.js';
import { IOT_CORE_LIMITS, type IotLimits } from './mqtt/limits.js';

export class EmulatorConfigError extends Error {
  override readonly name = 'EmulatorConfigError';
}

export interface EmulatorEnvConfig {
  host: string;
  port: number;
  /** Host name DescribeEndpoint returns; browsers sign it (without a port). */
  advertisedHost: string;
  /** The user pool whose ID tokens the identity pool accepts (the local stack's stand-in by default). */
  userPoolIssuerUrl: string;
  /** Local testing knob: caps the lifetime of every temporary credential (STS and Cognito) to exercise rotation. */
  credentialLifetimeCapSeconds: number | undefined;
  limits: IotLimits;
  logFormat: 'text' | 'json';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new EmulatorConfigError(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function emulatorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EmulatorEnvConfig {
  const port = integer(env, 'LOCAL_AWS_PORT', DEFAULT_EMULATOR_PORT, 0, 65535);
  const apiPort = integer(env, 'LOCAL_API_PORT', DEFAULT_API_PORT, 0, 65535);
  const logFormat = env.LOCAL_LOG_FORMAT ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new EmulatorConfigError(`LOCAL_LOG_FORMAT must be "text" or "json", got ${JSON.stringify(logFormat)}`);
  return {
    host: env.LOCAL_BIND_HOST ?? '127.0.0.1',
    port,
    advertisedHost: env.LOCAL_IOT_ENDPOINT_HOST ?? 'localhost',
    userPoolIssuerUrl: env.LOCAL_USER_POOL_ISSUER_URL ?? `http://127.0.0.1:${apiPort}/user-pool`,
    credentialLifetimeCapSeconds: env.LOCAL_CREDENTIALS_TTL_SECONDS ? integer(env, 'LOCAL_CREDENTIALS_TTL_SECONDS', 3600, 20, 3600) : undefined,
    limits: {
      ...IOT_CORE_LIMITS,
      publishesPerSecondPerConnection: integer(env, 'LOCAL_IOT_PUBLISHES_PER_SECOND', IOT_CORE_LIMITS.publishesPerSecondPerConnection, 0, 1_000_000),
      persistentSessionExpirySeconds: integer(env, 'LOCAL_IOT_SESSION_EXPIRY_SECONDS', IOT_CORE_LIMITS.persistentSessionExpirySeconds, 1, 604_800),
    },
    logFormat,
  };
}
