import { EmulatorConfigError, emulatorConfigFromEnv } from './config.js';

describe('emulatorConfigFromEnv', () => {
  it("defaults: the web demo's origins, IoT's replay rate, local memory bounds", () => {
    const config = emulatorConfigFromEnv({});
    expect(config.allowedOrigins).toEqual(['http://127.0.0.1:5173', 'http://localhost:5173']);
    expect(config.limits).toMatchObject({
      storedMessagesPerSecond: 10,
      maxRetainedMessages: 1000,
      maxPersistentSessions: 1000,
      maxQueuedMessagesPerSession: 1000,
    });
    expect(config.bounds).toEqual({ maxTemporaryCredentials: 100_000, maxCognitoIdentities: 100_000 });
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
  });
});
