/** The stage configuration from the environment: what a deploy may and may not be given. */
import { InfraConfigError, infraConfigFromEnv } from '../config.js';

const read = (env: NodeJS.ProcessEnv) => infraConfigFromEnv(env, '/functions');
const refusal = (env: NodeJS.ProcessEnv): string => {
  try {
    read(env);
  } catch (error) {
    expect(error).toBeInstanceOf(InfraConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('web origins', () => {
  it('default to the Vite dev server for the dev stage only', () => {
    expect(read({}).webOrigins).toEqual(['http://localhost:5173']);
    expect(read({ STAGE: 'dev' }).webOrigins).toEqual(['http://localhost:5173']);
    expect(refusal({ STAGE: 'prod' })).toMatch(/^WEB_ORIGINS is required for stage prod/);
    expect(refusal({ STAGE: 'staging', WEB_ORIGINS: ' , ' })).toMatch(/WEB_ORIGINS is required for stage staging/);
  });

  it('may be empty when the stage hosts the web demo (its CloudFront origin is added)', () => {
    expect(read({ STAGE: 'prod', HOST_WEB_DEMO: 'true' })).toMatchObject({ webOrigins: [], hostWebDemo: true });
  });

  it('are read as a trimmed comma-separated list', () => {
    expect(read({ STAGE: 'prod', WEB_ORIGINS: 'https://app.example.com, https://admin.example.com:8443' }).webOrigins).toEqual([
      'https://app.example.com',
      'https://admin.example.com:8443',
    ]);
  });

  it.each([
    ['http://app.example.com', /not https/],
    ['http://localhost:5173', /not https/],
    ['https://localhost:5173', /loopback origin/],
    ['https://127.0.0.1', /loopback origin/],
    ['https://app.localhost', /loopback origin/],
    ['*', /may not be "\*"/],
    ['https://app.example.com/', /without path or trailing "\/"; did you mean "https:\/\/app.example.com"/],
    ['https://app.example.com/login', /without path/],
    ['app.example.com', /is not an origin/],
    ['ftp://app.example.com', /is not an origin/],
  ])('refuse %j outside the dev stage', (origin, reason) => {
    expect(refusal({ STAGE: 'prod', WEB_ORIGINS: origin })).toMatch(reason);
  });

  it('may be http or loopback in the dev stage, but must still be origins', () => {
    expect(read({ STAGE: 'dev', WEB_ORIGINS: 'http://localhost:3000,http://127.0.0.1:5173' }).webOrigins).toEqual([
      'http://localhost:3000',
      'http://127.0.0.1:5173',
    ]);
    expect(refusal({ STAGE: 'dev', WEB_ORIGINS: 'http://localhost:3000/' })).toMatch(/without path/);
  });
});

describe('alarm subscriptions', () => {
  it('are none by default, and an email and/or https endpoint when set', () => {
    expect(read({}).alarms).toEqual({});
    expect(read({ ALARM_EMAIL: 'ops@example.com', ALARM_HTTPS_URL: 'https://hooks.example.com/x' }).alarms).toEqual({
      email: 'ops@example.com',
      httpsUrl: 'https://hooks.example.com/x',
    });
  });

  it('refuse what SNS could not deliver to', () => {
    expect(refusal({ ALARM_EMAIL: 'ops' })).toMatch(/ALARM_EMAIL must be an email address/);
    expect(refusal({ ALARM_HTTPS_URL: 'http://hooks.example.com' })).toMatch(/ALARM_HTTPS_URL must be an https URL/);
    expect(refusal({ ALARM_HTTPS_URL: 'not a url' })).toMatch(/ALARM_HTTPS_URL must be an https URL/);
  });
});

describe('numbers and flags', () => {
  it('have their defaults', () => {
    expect(read({})).toMatchObject({
      logRetentionDays: 14,
      throttle: { burstLimit: 100, rateLimit: 50 },
      allowGuests: true,
      hostWebDemo: false,
      appToken: { maxAgeSeconds: 86_400, types: ['JWT', 'at+jwt'], clockToleranceSeconds: 60 },
    });
  });

  it('refuse a log retention CloudWatch Logs does not offer', () => {
    expect(read({ LOG_RETENTION_DAYS: '30' }).logRetentionDays).toBe(30);
    expect(refusal({ LOG_RETENTION_DAYS: '10' })).toMatch(/LOG_RETENTION_DAYS must be one of CloudWatch Logs' values/);
    expect(refusal({ LOG_RETENTION_DAYS: 'forever' })).toMatch(/LOG_RETENTION_DAYS must be an integer/);
  });

  it('refuse bad token rules and flags, naming the variable', () => {
    expect(read({ APP_TOKEN_MAX_AGE_SECONDS: '3600', APP_TOKEN_TYPES: 'at+jwt', TOKEN_CLOCK_TOLERANCE_SECONDS: '0' }).appToken).toMatchObject({
      maxAgeSeconds: 3600,
      types: ['at+jwt'],
      clockToleranceSeconds: 0,
    });
    expect(refusal({ APP_TOKEN_MAX_AGE_SECONDS: '10' })).toMatch(/APP_TOKEN_MAX_AGE_SECONDS must be an integer between 60 and 2592000/);
    expect(refusal({ TOKEN_CLOCK_TOLERANCE_SECONDS: '600' })).toMatch(/TOKEN_CLOCK_TOLERANCE_SECONDS must be an integer between 0 and 300/);
    expect(refusal({ APP_TOKEN_TYPES: 'JWT, bad type' })).toMatch(/APP_TOKEN_TYPES/);
    expect(refusal({ HOST_WEB_DEMO: 'yes' })).toMatch(/HOST_WEB_DEMO must be "true" or "false"/);
    expect(refusal({ API_BURST_LIMIT: '-1' })).toMatch(/API_BURST_LIMIT must be an integer/);
  });
});
