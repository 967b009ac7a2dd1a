/** Emulator configuration from the environment, validated once, failing fast with the variable's name. */
import { DEFAULT_EMULATOR_PORT, DEFAULT_WEB_PORT } from '../local-deployment.js';
import { IOT_CORE_LIMITS, type IotLimits } from './mqtt/limits.js';
import { COGNITO_USER_POOL_QUOTAS, type QuotaCategory, type UserPoolQuotas } from './services/cognito-user-pool/quotas.js';
import { DEFAULT_SRP_POOL } from './services/cognito-user-pool/srp-pool.js';

export class EmulatorConfigError extends Error {
  override readonly name = 'EmulatorConfigError';
}

/**
 * Local bounds on what the emulator keeps besides the broker's (IotLimits holds those). At a bound the new is refused
 * with the error the AWS service documents; nothing valid is ever evicted to make room (issue 20).
 */
export interface LocalBounds {
  /**
   * Unexpired temporary credentials (STS, Cognito) kept; at it, expired ones are dropped, then new ones refused (STS
   * `Throttling`, Cognito `TooManyRequestsException`). The emulator's own service sessions (Lambda) count apart.
   */
  maxTemporaryCredentials: number;
  /** Cognito identities kept; at it, a new identity is refused (LimitExceededException); none is forgotten. */
  maxCognitoIdentities: number;
  /** New guest identities (GetId without Logins) per source address per minute; over it TooManyRequestsException. */
  cognitoGuestIdentitiesPerMinute: number;
  /** GetCredentialsForIdentity per identity per minute; over it TooManyRequestsException. */
  cognitoCredentialsPerIdentityPerMinute: number;
  /**
   * Messages one SQS queue holds (visible, in flight and delayed); at it a new message is refused with OverLimit, the
   * error of SQS's nearest real quota (in-flight messages), and nothing queued is dropped (services/sqs/queue.ts).
   */
  sqsMaxMessagesPerQueue: number;
  /** Worker threads of the user pools' SRP math (services/cognito-user-pool/srp-pool.ts). */
  cognitoSrpWorkers: number;
  /** SRP steps that may wait for a busy worker; one more is refused with TooManyRequestsException. */
  cognitoSrpQueue: number;
  /** The user pools' request rate quotas per category, requests per second (quotas.ts; Cognito's defaults). */
  cognitoUserPoolQuotas: UserPoolQuotas;
}

export const DEFAULT_LOCAL_BOUNDS: LocalBounds = {
  maxTemporaryCredentials: 100_000,
  maxCognitoIdentities: 100_000,
  cognitoGuestIdentitiesPerMinute: 30,
  cognitoCredentialsPerIdentityPerMinute: 12,
  sqsMaxMessagesPerQueue: 100_000,
  cognitoSrpWorkers: DEFAULT_SRP_POOL.workers,
  cognitoSrpQueue: DEFAULT_SRP_POOL.maxQueued,
  cognitoUserPoolQuotas: COGNITO_USER_POOL_QUOTAS,
};

/** The variable of each user pool quota category: UserAuthentication is LOCAL_COGNITO_USER_AUTHENTICATION_PER_SECOND. */
export const COGNITO_QUOTA_VARIABLES: Readonly<Record<QuotaCategory, string>> = {
  UserAuthentication: 'LOCAL_COGNITO_USER_AUTHENTICATION_PER_SECOND',
  UserCreation: 'LOCAL_COGNITO_USER_CREATION_PER_SECOND',
  UserAccountRecovery: 'LOCAL_COGNITO_USER_ACCOUNT_RECOVERY_PER_SECOND',
  UserRead: 'LOCAL_COGNITO_USER_READ_PER_SECOND',
  UserUpdate: 'LOCAL_COGNITO_USER_UPDATE_PER_SECOND',
  UserToken: 'LOCAL_COGNITO_USER_TOKEN_PER_SECOND',
};

export interface EmulatorEnvConfig {
  host: string;
  port: number;
  /** Host name DescribeEndpoint returns; browsers sign it (without a port). */
  advertisedHost: string;
  /** Local testing knob: caps the lifetime of every temporary credential (STS and Cognito) to exercise rotation. */
  credentialLifetimeCapSeconds: number | undefined;
  limits: IotLimits;
  bounds: LocalBounds;
  /** Browser origins that may use the emulator: LOCAL_CORS_ORIGINS, the same list the local HTTP API allows. */
  allowedOrigins: string[];
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

/** `LOCAL_CORS_ORIGINS`: comma-separated origins (`scheme://host[:port]`, or `*`); the web demo's by default. */
function origins(env: NodeJS.ProcessEnv, webPort: number): string[] {
  const raw = env.LOCAL_CORS_ORIGINS;
  if (raw === undefined || raw === '') return [`http://127.0.0.1:${webPort}`, `http://localhost:${webPort}`];
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of list) {
    if (origin === '*') continue;
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new EmulatorConfigError(
        `LOCAL_CORS_ORIGINS must be comma-separated origins like http://127.0.0.1:5173 (scheme, host, port; no path), got ${JSON.stringify(origin)}`,
      );
    }
  }
  return list;
}

function userPoolQuotas(env: NodeJS.ProcessEnv): UserPoolQuotas {
  const quotas = { ...COGNITO_USER_POOL_QUOTAS };
  for (const [category, name] of Object.entries(COGNITO_QUOTA_VARIABLES) as Array<[QuotaCategory, string]>)
    quotas[category] = integer(env, name, COGNITO_USER_POOL_QUOTAS[category], 1, 1_000_000);
  return quotas;
}

export function emulatorConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EmulatorEnvConfig {
  const port = integer(env, 'LOCAL_AWS_PORT', DEFAULT_EMULATOR_PORT, 0, 65535);
  const webPort = integer(env, 'LOCAL_WEB_PORT', DEFAULT_WEB_PORT, 1, 65535);
  const logFormat = env.LOCAL_LOG_FORMAT ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json')
    throw new EmulatorConfigError(`LOCAL_LOG_FORMAT must be "text" or "json", got ${JSON.stringify(logFormat)}`);
  return {
    host: env.LOCAL_BIND_HOST ?? '127.0.0.1',
    port,
    advertisedHost: env.LOCAL_IOT_ENDPOINT_HOST ?? 'localhost',
    credentialLifetimeCapSeconds: env.LOCAL_CREDENTIALS_TTL_SECONDS ? integer(env, 'LOCAL_CREDENTIALS_TTL_SECONDS', 3600, 20, 3600) : undefined,
    limits: {
      ...IOT_CORE_LIMITS,
      publishesPerSecondPerConnection: integer(env, 'LOCAL_IOT_PUBLISHES_PER_SECOND', IOT_CORE_LIMITS.publishesPerSecondPerConnection, 0, 1_000_000),
      persistentSessionExpirySeconds: integer(env, 'LOCAL_IOT_SESSION_EXPIRY_SECONDS', IOT_CORE_LIMITS.persistentSessionExpirySeconds, 1, 604_800),
      storedMessagesPerSecond: integer(env, 'LOCAL_IOT_STORED_MESSAGES_PER_SECOND', IOT_CORE_LIMITS.storedMessagesPerSecond, 0, 1_000_000),
      maxRetainedMessages: integer(env, 'LOCAL_IOT_MAX_RETAINED_MESSAGES', IOT_CORE_LIMITS.maxRetainedMessages, 0, 10_000_000),
      maxPersistentSessions: integer(env, 'LOCAL_IOT_MAX_PERSISTENT_SESSIONS', IOT_CORE_LIMITS.maxPersistentSessions, 0, 10_000_000),
      maxPersistentSessionsPerUser: integer(env, 'LOCAL_IOT_MAX_PERSISTENT_SESSIONS_PER_USER', IOT_CORE_LIMITS.maxPersistentSessionsPerUser, 0, 10_000_000),
      maxQueuedMessagesPerSession: integer(env, 'LOCAL_IOT_MAX_QUEUED_MESSAGES', IOT_CORE_LIMITS.maxQueuedMessagesPerSession, 0, 10_000_000),
    },
    bounds: {
      maxTemporaryCredentials: integer(env, 'LOCAL_MAX_TEMPORARY_CREDENTIALS', DEFAULT_LOCAL_BOUNDS.maxTemporaryCredentials, 1, 100_000_000),
      maxCognitoIdentities: integer(env, 'LOCAL_MAX_COGNITO_IDENTITIES', DEFAULT_LOCAL_BOUNDS.maxCognitoIdentities, 1, 100_000_000),
      cognitoGuestIdentitiesPerMinute: integer(
        env,
        'LOCAL_COGNITO_GUEST_IDENTITIES_PER_MINUTE',
        DEFAULT_LOCAL_BOUNDS.cognitoGuestIdentitiesPerMinute,
        1,
        1_000_000,
      ),
      cognitoCredentialsPerIdentityPerMinute: integer(
        env,
        'LOCAL_COGNITO_CREDENTIALS_PER_IDENTITY_PER_MINUTE',
        DEFAULT_LOCAL_BOUNDS.cognitoCredentialsPerIdentityPerMinute,
        1,
        1_000_000,
      ),
      sqsMaxMessagesPerQueue: integer(env, 'LOCAL_SQS_MAX_MESSAGES', DEFAULT_LOCAL_BOUNDS.sqsMaxMessagesPerQueue, 1, 10_000_000),
      // More workers than cores only makes them compete with the event loop they are there to spare.
      cognitoSrpWorkers: integer(env, 'LOCAL_COGNITO_SRP_WORKERS', DEFAULT_LOCAL_BOUNDS.cognitoSrpWorkers, 1, 64),
      cognitoSrpQueue: integer(env, 'LOCAL_COGNITO_SRP_QUEUE', DEFAULT_LOCAL_BOUNDS.cognitoSrpQueue, 0, 10_000),
      cognitoUserPoolQuotas: userPoolQuotas(env),
    },
    allowedOrigins: origins(env, webPort),
    logFormat,
  };
}
