import { localStackConfigFromEnv } from '../config.js';
import { COGNITO_QUOTA_VARIABLES, EmulatorConfigError, emulatorConfigFromEnv } from './config.js';
import { COGNITO_USER_POOL_QUOTAS } from './services/cognito-user-pool/quotas.js';
import { DEFAULT_SRP_POOL } from './services/cognito-user-pool/srp-pool.js';

describe('emulatorConfigFromEnv', () => {
  it("defaults: the web demo's origins, IoT's replay rate, local memory bounds", () => {
    const config = emulatorConfigFromEnv({});
    expect(config.allowedOrigins).toEqual(['http://127.0.0.1:5173', 'http://localhost:5173']);
    expect(config.limits).toMatchObject({
      storedMessagesPerSecond: 10,
      maxRetainedMessages: 1000,
      maxPersistentSessions: 5000,
      maxPersistentSessionsPerUser: 20,
      maxQueuedMessagesPerSession: 1000,
    });
    expect(config.bounds).toEqual({
      maxTemporaryCredentials: 100_000,
      maxCognitoIdentities: 100_000,
      cognitoGuestIdentitiesPerMinute: 30,
      cognitoCredentialsPerIdentityPerMinute: 12,
      sqsMaxMessagesPerQueue: 100_000,
      cognitoSrpWorkers: DEFAULT_SRP_POOL.workers,
      cognitoSrpQueue: 8,
      cognitoUserPoolQuotas: { UserAuthentication: 120, UserCreation: 50, UserAccountRecovery: 30, UserRead: 120, UserUpdate: 25, UserToken: 120 },
    });
    expect(config.bounds.cognitoUserPoolQuotas).toEqual(COGNITO_USER_POOL_QUOTAS);
  });

  it('reads LOCAL_CORS_ORIGINS (shared with the local API), or follows LOCAL_WEB_PORT', () => {
    expect(emulatorConfigFromEnv({ LOCAL_WEB_PORT: '5180' }).allowedOrigins).toEqual(['http://127.0.0.1:5180', 'http://localhost:5180']);
    expect(emulatorConfigFromEnv({ LOCAL_CORS_ORIGINS: 'http://a.test:1, https://b.test' }).allowedOrigins).toEqual(['http://a.test:1', 'https://b.test']);
    expect(emulatorConfigFromEnv({ LOCAL_CORS_ORIGINS: '*' }).allowedOrigins).toEqual(['*']);
  });

  it("stops with the variable's name on a bad origin or bound", () => {
    for (const origin of ['http://a.test/path', 'a.test', 'http://a.test:1/']) {
      expect(() => emulatorConfigFromEnv({ LOCAL_CORS_ORIGINS: origin })).toThrow(EmulatorConfigError);
      expect(() => emulatorConfigFromEnv({ LOCAL_CORS_ORIGINS: origin })).toThrow(/LOCAL_CORS_ORIGINS/);
    }
    expect(() => emulatorConfigFromEnv({ LOCAL_IOT_MAX_RETAINED_MESSAGES: '-1' })).toThrow(/LOCAL_IOT_MAX_RETAINED_MESSAGES/);
    expect(() => emulatorConfigFromEnv({ LOCAL_MAX_COGNITO_IDENTITIES: 'many' })).toThrow(/LOCAL_MAX_COGNITO_IDENTITIES/);
    expect(emulatorConfigFromEnv({ LOCAL_IOT_STORED_MESSAGES_PER_SECOND: '0' }).limits.storedMessagesPerSecond).toBe(0);
    expect(() => emulatorConfigFromEnv({ LOCAL_COGNITO_GUEST_IDENTITIES_PER_MINUTE: '0' })).toThrow(/LOCAL_COGNITO_GUEST_IDENTITIES_PER_MINUTE/);
    expect(() => emulatorConfigFromEnv({ LOCAL_COGNITO_CREDENTIALS_PER_IDENTITY_PER_MINUTE: '1.5' })).toThrow(
      /LOCAL_COGNITO_CREDENTIALS_PER_IDENTITY_PER_MINUTE/,
    );
    expect(() => emulatorConfigFromEnv({ LOCAL_IOT_MAX_PERSISTENT_SESSIONS_PER_USER: '-3' })).toThrow(/LOCAL_IOT_MAX_PERSISTENT_SESSIONS_PER_USER/);
  });

  it("stops npm start's configuration with the variable's name on a bad SQS, SRP or user pool quota bound", () => {
    const bad: Array<[string, string]> = [
      ['LOCAL_SQS_MAX_MESSAGES', '0'],
      ['LOCAL_SQS_MAX_MESSAGES', 'lots'],
      ['LOCAL_SQS_MAX_MESSAGES', '10000001'],
      ['LOCAL_COGNITO_SRP_WORKERS', '0'],
      ['LOCAL_COGNITO_SRP_WORKERS', '2.5'],
      ['LOCAL_COGNITO_SRP_WORKERS', '65'],
      ['LOCAL_COGNITO_SRP_QUEUE', '-1'],
      ['LOCAL_COGNITO_SRP_QUEUE', 'eight'],
      ...Object.values(COGNITO_QUOTA_VARIABLES).map((name): [string, string] => [name, '0']),
      ['LOCAL_COGNITO_USER_TOKEN_PER_SECOND', '1e3x'],
    ];
    for (const [name, value] of bad) {
      // Through localStackConfigFromEnv, as start.ts reads it: the error start-banner.ts prints names the variable.
      expect(() => localStackConfigFromEnv({ [name]: value })).toThrow(EmulatorConfigError);
      expect(() => localStackConfigFromEnv({ [name]: value })).toThrow(new RegExp(`^${name} must be an integer between`));
    }
  });

  it('reads every bound from the environment (npm start passes them to the emulator)', () => {
    const config = emulatorConfigFromEnv({
      LOCAL_MAX_TEMPORARY_CREDENTIALS: '7',
      LOCAL_MAX_COGNITO_IDENTITIES: '8',
      LOCAL_COGNITO_GUEST_IDENTITIES_PER_MINUTE: '9',
      LOCAL_COGNITO_CREDENTIALS_PER_IDENTITY_PER_MINUTE: '10',
      LOCAL_IOT_MAX_PERSISTENT_SESSIONS: '11',
      LOCAL_IOT_MAX_PERSISTENT_SESSIONS_PER_USER: '12',
      LOCAL_SQS_MAX_MESSAGES: '13',
      LOCAL_COGNITO_SRP_WORKERS: '3',
      LOCAL_COGNITO_SRP_QUEUE: '0',
      LOCAL_COGNITO_USER_AUTHENTICATION_PER_SECOND: '14',
      LOCAL_COGNITO_USER_CREATION_PER_SECOND: '15',
      LOCAL_COGNITO_USER_ACCOUNT_RECOVERY_PER_SECOND: '16',
      LOCAL_COGNITO_USER_READ_PER_SECOND: '17',
      LOCAL_COGNITO_USER_UPDATE_PER_SECOND: '18',
      LOCAL_COGNITO_USER_TOKEN_PER_SECOND: '19',
    });
    expect(config.bounds).toEqual({
      maxTemporaryCredentials: 7,
      maxCognitoIdentities: 8,
      cognitoGuestIdentitiesPerMinute: 9,
      cognitoCredentialsPerIdentityPerMinute: 10,
      sqsMaxMessagesPerQueue: 13,
      cognitoSrpWorkers: 3,
      cognitoSrpQueue: 0,
      cognitoUserPoolQuotas: { UserAuthentication: 14, UserCreation: 15, UserAccountRecovery: 16, UserRead: 17, UserUpdate: 18, UserToken: 19 },
    });
    expect(config.limits).toMatchObject({ maxPersistentSessions: 11, maxPersistentSessionsPerUser: 12 });
  });
});
