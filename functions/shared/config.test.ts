import * as v from 'valibot';
import { CredentialsEnvSchema, envVar, MessagesEnvSchema } from '../../core/contracts/function-env.js';
import { readConfig } from './config.js';
import { ConfigError } from './errors.js';

describe('readConfig', () => {
  const schema = v.object({ A_URL: envVar.url(), B_NAME: envVar.string(), C_SECONDS: envVar.integer({ default: 3600, min: 900, max: 3600 }) });

  it('reads and validates every variable', () => {
    expect(readConfig(schema, { A_URL: 'https://x', B_NAME: 'b', C_SECONDS: '900' }, 'fn')).toEqual({ A_URL: 'https://x', B_NAME: 'b', C_SECONDS: 900 });
    expect(readConfig(schema, { A_URL: 'https://x', B_NAME: 'b' }, 'fn').C_SECONDS).toBe(3600);
    expect(readConfig(schema, { A_URL: 'https://x', B_NAME: 'b', C_SECONDS: '' }, 'fn').C_SECONDS).toBe(3600);
  });

  it('names every missing or invalid variable at once', () => {
    let thrown: unknown;
    try {
      readConfig(schema, { A_URL: 'ftp://x', C_SECONDS: '7200' }, 'credentials function');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as Error).message;
    expect(message).toMatch(/^credentials function cannot start/);
    expect(message).toContain('A_URL must be an http(s) URL, got "ftp://x"');
    expect(message).toContain('B_NAME is required');
    expect(message).toContain('C_SECONDS must be an integer between 900 and 3600');
  });

  it('refuses a non-integer and an empty required variable', () => {
    expect(() => readConfig(schema, { A_URL: 'https://x', B_NAME: '', C_SECONDS: '1000.5' }, 'fn')).toThrow(/B_NAME is required.*C_SECONDS must be an integer/);
  });

  it('reads a real function schema and ignores unrelated variables', () => {
    const config = readConfig(
      CredentialsEnvSchema,
      {
        APP_NAME: 'app',
        STAGE: 's',
        AWS_REGION: 'eu-west-1',
        AWS_ACCOUNT_ID: '123456789012',
        APP_JWKS_URL: 'https://i/jwks',
        APP_TOKEN_ISSUER: 'https://i',
        APP_TOKEN_AUDIENCE: 'a',
        IOT_ENDPOINT: 'x-ats.iot',
        BROWSER_CLIENT_ROLE_ARN: 'arn:aws:iam::123456789012:role/r',
        RATE_LIMITS_TABLE_NAME: 'app-s-ratelimits',
        RATE_LIMIT_REQUESTS: '20',
        RATE_LIMIT_WINDOW_SECONDS: '60',
        TAB_CLIENTS_MAX: '10',
        PATH: '/usr/bin',
      },
      'credentials function',
    );
    expect(config.CREDENTIALS_DURATION_SECONDS).toBe(3600);
    expect(config).not.toHaveProperty('PATH');
  });

  it('requires an integer without default, naming its range', () => {
    const required = v.object({ N: envVar.integer({ min: 0, max: 10 }) });
    expect(readConfig(required, { N: '0' }, 'fn')).toEqual({ N: 0 });
    expect(() => readConfig(required, {}, 'fn')).toThrow('fn cannot start: N is required (an integer between 0 and 10)');
    expect(() => readConfig(required, { N: '11' }, 'fn')).toThrow('N must be an integer between 0 and 10');
  });

  it('reads token type lists, with a default', () => {
    const types = v.object({ T: envVar.tokenList({ default: ['JWT', 'at+jwt'] }) });
    expect(readConfig(types, {}, 'fn').T).toEqual(['JWT', 'at+jwt']);
    expect(readConfig(types, { T: ' at+jwt , application/jwt ' }, 'fn').T).toEqual(['at+jwt', 'application/jwt']);
    expect(() => readConfig(types, { T: 'JWT,,x y' }, 'fn')).toThrow(/T must be a comma-separated list/);
  });

  it('gives the token rules their defaults and requires the rate limit of a limited function', () => {
    const base = {
      APP_NAME: 'app',
      STAGE: 's',
      AWS_REGION: 'eu-west-1',
      AWS_ACCOUNT_ID: '123456789012',
      APP_JWKS_URL: 'https://i/jwks',
      APP_TOKEN_ISSUER: 'https://i',
      APP_TOKEN_AUDIENCE: 'a',
      COGNITO_USER_POOL_ISSUER: 'https://p',
      COGNITO_USER_POOL_CLIENT_ID: 'c',
      IDENTITY_POOL_ID: 'x',
      MEMBERSHIPS_TABLE_NAME: 'm',
      MESSAGES_TABLE_NAME: 'h',
      FANOUT_QUEUE_URL: 'https://q',
      RATE_LIMITS_TABLE_NAME: 'r',
      IDEMPOTENCY_TABLE_NAME: 'i',
    };
    expect(() => readConfig(MessagesEnvSchema, base, 'messages function')).toThrow(/RATE_LIMIT_REQUESTS is required.*RATE_LIMIT_WINDOW_SECONDS is required/);
    const config = readConfig(MessagesEnvSchema, { ...base, RATE_LIMIT_REQUESTS: '60', RATE_LIMIT_WINDOW_SECONDS: '60' }, 'messages function');
    expect(config).toMatchObject({
      APP_TOKEN_MAX_AGE_SECONDS: 86_400,
      APP_TOKEN_TYPES: ['JWT', 'at+jwt'],
      TOKEN_CLOCK_TOLERANCE_SECONDS: 60,
      RATE_LIMIT_REQUESTS: 60,
    });
    expect(() =>
      readConfig(
        MessagesEnvSchema,
        { ...base, RATE_LIMIT_REQUESTS: '60', RATE_LIMIT_WINDOW_SECONDS: '60', TOKEN_CLOCK_TOLERANCE_SECONDS: '3600' },
        'messages function',
      ),
    ).toThrow('TOKEN_CLOCK_TOLERANCE_SECONDS must be an integer between 0 and 300');
  });
});
