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

/** What every production stage must name besides its origins: the app token issuer and its JWKS. */
const ISSUER = { APP_TOKEN_ISSUER: 'https://auth.example.com', APP_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json' };
const prod = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ STAGE: 'prod', ...ISSUER, ...env });

describe('web origins', () => {
  it('default to the Vite dev server for the dev stage only', () => {
    expect(read({}).webOrigins).toEqual(['http://localhost:5173']);
    expect(read({ STAGE: 'dev' }).webOrigins).toEqual(['http://localhost:5173']);
    expect(refusal(prod({ STAGE: 'prod' }))).toMatch(/^WEB_ORIGINS is required for stage prod/);
    expect(refusal(prod({ STAGE: 'staging', WEB_ORIGINS: ' , ' }))).toMatch(/WEB_ORIGINS is required for stage staging/);
  });

  it('may be empty when the stage hosts the web demo (its CloudFront origin is added)', () => {
    expect(read(prod({ STAGE: 'prod', HOST_WEB_DEMO: 'true' }))).toMatchObject({ webOrigins: [], hostWebDemo: true });
  });

  it('are read as a trimmed comma-separated list', () => {
    expect(read(prod({ STAGE: 'prod', WEB_ORIGINS: 'https://app.example.com, https://admin.example.com:8443' })).webOrigins).toEqual([
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
    expect(refusal(prod({ STAGE: 'prod', WEB_ORIGINS: origin }))).toMatch(reason);
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

describe('a production stage refuses to be wrong (no placeholders)', () => {
  it('requires the app token issuer and its JWKS outside the development stages', () => {
    expect(refusal({ STAGE: 'prod', WEB_ORIGINS: 'https://app.example.com' })).toMatch(/^APP_TOKEN_ISSUER and APP_JWKS_URL are required for stage prod/);
    expect(refusal({ STAGE: 'prod', WEB_ORIGINS: 'https://app.example.com', APP_TOKEN_ISSUER: 'https://auth.example.com' })).toMatch(
      /APP_JWKS_URL are required/,
    );
    expect(refusal(prod({ WEB_ORIGINS: 'https://app.example.com', APP_TOKEN_ISSUER: 'http://auth.example.com' }))).toMatch(
      /APP_TOKEN_ISSUER must be an https URL/,
    );
    const config = read(prod({ WEB_ORIGINS: 'https://app.example.com' }));
    expect(config.appToken).toMatchObject({ issuer: 'https://auth.example.com', jwksUrl: 'https://auth.example.com/.well-known/jwks.json' });
    // The development stages may leave them out: the local issuer stands in.
    expect(read({ STAGE: 'dev' }).appToken.issuer).not.toMatch(/example\.com/);
  });

  it('turns Cognito guests off outside development unless asked', () => {
    expect(read(prod({ WEB_ORIGINS: 'https://app.example.com' })).allowGuests).toBe(false);
    expect(read(prod({ WEB_ORIGINS: 'https://app.example.com', ALLOW_GUESTS: 'true' })).allowGuests).toBe(true);
    expect(read({ STAGE: 'dev' }).allowGuests).toBe(true);
  });

  it.each([
    ['MyApp', /APP_NAME must start with a lowercase letter/],
    ['my_app', /APP_NAME must start with a lowercase letter/],
    ['1app', /APP_NAME must start with a lowercase letter/],
    ['app-', /APP_NAME must start with a lowercase letter/],
  ])('refuses APP_NAME %j (it names S3 buckets, IAM roles and functions)', (app, reason) => {
    expect(refusal(prod({ APP_NAME: app, WEB_ORIGINS: 'https://app.example.com' }))).toMatch(reason);
  });

  it('refuses names whose longest derived resource name AWS would refuse, saying by how much', () => {
    // IAM role names are at most 64 characters; the longest role is <app>-<stage>-cognito-authenticated.
    const long = 'a'.repeat(40);
    expect(refusal(prod({ APP_NAME: long, WEB_ORIGINS: 'https://app.example.com' }))).toMatch(
      /the IAM role a{40}-prod-cognito-authenticated would be 67 characters, and AWS allows 64; shorten them by 3/,
    );
    // The hosting bucket's prefix (Terraform bucket_prefix) is at most 37 characters.
    const medium = 'a'.repeat(30);
    expect(read(prod({ APP_NAME: medium, WEB_ORIGINS: 'https://app.example.com' })).app).toBe(medium);
    expect(refusal(prod({ APP_NAME: medium, HOST_WEB_DEMO: 'true' }))).toMatch(
      /the S3 bucket prefix a{30}-prod-web- would be 40 characters, and AWS allows 37/,
    );
  });

  it('reads an optional SES sender, both parts or none', () => {
    const ses = { SES_SOURCE_ARN: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com', SES_FROM_ADDRESS: 'no-reply@example.com' };
    expect(read(prod({ WEB_ORIGINS: 'https://app.example.com', ...ses })).sesSender).toEqual({
      sourceArn: ses.SES_SOURCE_ARN,
      fromAddress: 'no-reply@example.com',
    });
    expect(refusal(prod({ WEB_ORIGINS: 'https://app.example.com', SES_SOURCE_ARN: ses.SES_SOURCE_ARN }))).toMatch(/go together/);
    expect(refusal(prod({ WEB_ORIGINS: 'https://app.example.com', SES_SOURCE_ARN: 'arn:aws:s3:::bucket', SES_FROM_ADDRESS: 'x@example.com' }))).toMatch(
      /SES_SOURCE_ARN must be the ARN of a verified SES identity/,
    );
  });

  it('reads remote state from TF_STATE_BUCKET (key and region defaulted from the stage)', () => {
    expect(read(prod({ WEB_ORIGINS: 'https://app.example.com', AWS_REGION: 'eu-west-1', TF_STATE_BUCKET: 'my-state' })).stateBackend).toEqual({
      bucket: 'my-state',
      key: 'iot-realtime/prod/terraform.tfstate',
      region: 'eu-west-1',
    });
    expect(read(prod({ WEB_ORIGINS: 'https://app.example.com' })).stateBackend).toBeUndefined();
    expect(refusal(prod({ WEB_ORIGINS: 'https://app.example.com', TF_STATE_BUCKET: 'Bad_Bucket' }))).toMatch(/TF_STATE_BUCKET must be an S3 bucket name/);
  });

  it('bounds the credentials lifetime to what STS allows under role chaining', () => {
    expect(read({ STAGE: 'dev' }).credentialsDurationSeconds).toBe(3600);
    expect(refusal({ STAGE: 'dev', CREDENTIALS_DURATION_SECONDS: '7200' })).toMatch(/CREDENTIALS_DURATION_SECONDS must be an integer between 900 and 3600/);
  });
});
