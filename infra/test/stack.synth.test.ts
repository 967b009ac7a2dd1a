/** Synthesis tests: the resources and the properties that matter, in the Terraform JSON that would be applied. */
import { Testing } from 'cdktn';
import { eventRules } from '../../core/event-rules.js';
import { presenceRule, topicRules } from '../../core/iot-rules.js';

const TOPIC_RULES = topicRules({ app: 'iot-realtime', stage: 'test' });
const PRESENCE_RULE = presenceRule({ app: 'iot-realtime', stage: 'test' });

import { FUNCTIONS, functionDefinition, PRESENCE_EVENTS_QUEUE, WORK_QUEUES } from '../../functions/catalog.js';
import { infraConfigFromEnv } from '../config.js';
import { type Synthesized, synthesize } from './synthesized.js';

let synth: Synthesized;
beforeAll(async () => {
  synth = await synthesize();
}, 120_000);

const has = (type: string, properties: Record<string, unknown>) => Testing.toHaveResourceWithProperties(synth.text, type, properties);
/** The stack with the web demo hosted, synthesized once for the tests that need it. */
let hostedSynth: Promise<Synthesized> | undefined;
const hosted = () => (hostedSynth ??= synthesize({ hostWebDemo: true }));
/** A production stage as `npm run deploy -- --stage prod` would read it from its environment, synthesized once. */
let productionSynth: Promise<Synthesized> | undefined;
const production = () => {
  if (!productionSynth) {
    const env = {
      STAGE: 'prod',
      APP_TOKEN_ISSUER: 'https://auth.example.com',
      APP_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
      AWS_REGION: 'eu-west-1',
      WEB_ORIGINS: 'https://app.example.com',
      LOG_RETENTION_DAYS: '90',
      ALARM_EMAIL: 'ops@example.com',
      ALARM_HTTPS_URL: 'https://hooks.example.com/alarms',
    };
    const { functionsDir: _unused, ...config } = infraConfigFromEnv(env, 'unused');
    productionSynth = synthesize(config);
  }
  return productionSynth;
};

describe('IoT', () => {
  it("reads the account's iot:Data-ATS endpoint", () => {
    expect(Object.values(synth.json.data.aws_iot_endpoint ?? {})).toEqual([expect.objectContaining({ endpoint_type: 'iot:Data-ATS' })]);
  });

  it('creates the IoT policy for signed-in Cognito identities, keyed by the identity id variable (escaped for Terraform)', () => {
    const [policy] = synth.resources('aws_iot_policy');
    expect(policy?.name).toBe('iot-realtime-test-cognito-user');
    expect(String(policy?.policy)).toContain('users/$${cognito-identity.amazonaws.com:sub}/*');
  });
});

describe('Cognito', () => {
  it('creates a user pool, an app client without secret, and an identity pool with guest access as configured', async () => {
    expect(synth.resources('aws_cognito_user_pool')).toHaveLength(1);
    expect(has('aws_cognito_user_pool_client', { generate_secret: false })).toBe(true);
    expect(has('aws_cognito_identity_pool', { allow_unauthenticated_identities: true, allow_classic_flow: false })).toBe(true);
    const noGuests = await synthesize({ allowGuests: false });
    expect(Testing.toHaveResourceWithProperties(noGuests.text, 'aws_cognito_identity_pool', { allow_unauthenticated_identities: false })).toBe(true);
  });

  it('attaches the authenticated and guest roles, trusted for this pool and kind of identity only', () => {
    const [attachment] = synth.resources('aws_cognito_identity_pool_roles_attachment');
    expect(attachment?.roles).toEqual({
      authenticated: expect.stringMatching(/^\$\{aws_iam_role\.identity-pool_authenticated-role_.*\.arn\}$/),
      unauthenticated: expect.stringMatching(/^\$\{aws_iam_role\.identity-pool_guest-role_.*\.arn\}$/),
    });
    const roles = synth.resources('aws_iam_role');
    const auth = roles.find((r) => r.name === 'iot-realtime-test-cognito-authenticated')!;
    const trust = JSON.parse(String(auth.assume_role_policy)) as { Statement: Array<Record<string, unknown>> };
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Federated: 'cognito-identity.amazonaws.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {
        StringEquals: { 'cognito-identity.amazonaws.com:aud': expect.stringMatching(/^\$\{aws_cognito_identity_pool\./) },
        'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
      },
    });
  });
});

describe('roles', () => {
  it('caps the browser-client role at one hour (role chaining)', () => {
    expect(has('aws_iam_role', { name: 'iot-realtime-test-browser-client', max_session_duration: 3600 })).toBe(true);
  });

  it('gives every function its own role', () => {
    const names = synth.resources('aws_iam_role').map((r) => r.name);
    for (const fn of FUNCTIONS) expect(names).toContain(`iot-realtime-test-fn-${fn.name}`);
  });
});

describe('Lambdas', () => {
  it('runs every function on nodejs22.x, arm64, with a log group with retention', async () => {
    const functions = synth.resources('aws_lambda_function');
    expect(functions).toHaveLength(FUNCTIONS.length);
    for (const f of functions) expect(f).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler' });
    const groups = synth.resources('aws_cloudwatch_log_group');
    expect(groups.map((g) => g.name).sort()).toEqual(FUNCTIONS.map((f) => `/aws/lambda/iot-realtime-test-${f.name}`).sort());
    for (const g of groups) expect(g.retention_in_days).toBe(14);
    // Each function logs to its own group (so the retention applies to everything it writes).
    for (const f of functions) expect((f.logging_config as { log_group: string }).log_group).toMatch(/^\$\{aws_cloudwatch_log_group\./);
    // LOG_RETENTION_DAYS=90 in the production environment.
    for (const g of (await production()).resources('aws_cloudwatch_log_group')) expect(g.retention_in_days).toBe(90);
  });

  it('gives each write function its per-user rate limit from the catalog, and the token rules to every verifier', () => {
    const variables = (name: string) =>
      (
        synth.resources('aws_lambda_function').find((f) => f.function_name === `iot-realtime-test-${name}`)!.environment as {
          variables: Record<string, string>;
        }
      ).variables;
    for (const fn of FUNCTIONS) {
      const vars = variables(fn.name);
      if (fn.rateLimit) {
        expect(vars).toMatchObject({
          RATE_LIMIT_REQUESTS: String(fn.rateLimit.requests),
          RATE_LIMIT_WINDOW_SECONDS: String(fn.rateLimit.windowSeconds),
          RATE_LIMITS_TABLE_NAME: 'iot-realtime-test-ratelimits',
        });
      } else {
        expect(vars).not.toHaveProperty('RATE_LIMIT_REQUESTS');
      }
    }
    expect(variables('messages')).toMatchObject({ RATE_LIMIT_REQUESTS: '60' });
    // The credentials function also bounds the tab client ids per user, in the same table.
    expect(variables('credentials')).toMatchObject({ TAB_CLIENTS_MAX: String(functionDefinition('credentials').tabLimit!.tabs) });
    for (const fn of FUNCTIONS.filter((f) => f.name !== 'credentials')) expect(variables(fn.name)).not.toHaveProperty('TAB_CLIENTS_MAX');
    for (const name of ['credentials', 'rooms', 'messages', 'history', 'jobs']) {
      expect(variables(name)).toMatchObject({ APP_TOKEN_MAX_AGE_SECONDS: '86400', APP_TOKEN_TYPES: 'JWT,at+jwt', TOKEN_CLOCK_TOLERANCE_SECONDS: '60' });
    }
  });

  it('never sets variables that Lambda reserves', () => {
    for (const f of synth.resources('aws_lambda_function')) {
      const variables = (f.environment as { variables: Record<string, string> }).variables;
      expect(Object.keys(variables)).not.toContain('AWS_REGION');
    }
  });

  it("points the publishers at the account's data endpoint", () => {
    const messages = synth.resources('aws_lambda_function').find((f) => f.function_name === 'iot-realtime-test-messages')!;
    expect((messages.environment as { variables: Record<string, string> }).variables.AWS_ENDPOINT_URL_IOT_DATA_PLANE).toMatch(
      /^https:\/\/\$\{data\.aws_iot_endpoint\./,
    );
  });
});

describe.each([...WORK_QUEUES])('the $purpose queue', (settings) => {
  it('has a dead-letter queue after maxReceiveCount receives, and a visibility timeout of at least 6x the consumer timeout', () => {
    const queues = synth.resources('aws_sqs_queue');
    const main = queues.find((q) => q.name === `iot-realtime-test-${settings.purpose}`)!;
    expect(queues.find((q) => q.name === `iot-realtime-test-${settings.purpose}-dlq`)).toBeDefined();
    expect(JSON.parse(String(main.redrive_policy))).toEqual({
      deadLetterTargetArn: expect.stringContaining(`aws_sqs_queue.${settings.purpose}_dlq`),
      maxReceiveCount: settings.maxReceiveCount,
    });
    const consumer = FUNCTIONS.find((f) => f.name === settings.consumer)!;
    expect(Number(main.visibility_timeout_seconds)).toBeGreaterThanOrEqual(6 * consumer.timeoutSeconds);
  });

  it("keeps the visibility timeout at 6x the consumer's timeout exactly as the catalog says", () => {
    const main = synth.resources('aws_sqs_queue').find((q) => q.name === `iot-realtime-test-${settings.purpose}`)!;
    expect(main.visibility_timeout_seconds).toBe(settings.visibilityTimeoutSeconds);
    expect(settings.visibilityTimeoutSeconds / FUNCTIONS.find((f) => f.name === settings.consumer)!.timeoutSeconds).toBe(6);
  });

  it('feeds its consumer with partial batch failures', () => {
    const mapping = synth
      .resources('aws_lambda_event_source_mapping')
      .find((m) => String(m.event_source_arn).includes(`aws_sqs_queue.${settings.purpose}_queue`));
    expect(mapping).toMatchObject({ batch_size: settings.batchSize, function_response_types: ['ReportBatchItemFailures'] });
    expect(String(mapping?.function_name)).toContain(`fn-${settings.consumer}`);
    // The batching window and maximum concurrency only where the catalog sets them (Lambda's defaults otherwise).
    expect(mapping?.maximum_batching_window_in_seconds).toBe(settings.maximumBatchingWindowSeconds);
    expect(mapping?.scaling_config).toEqual(settings.maximumConcurrency === undefined ? undefined : { maximum_concurrency: settings.maximumConcurrency });
    // Lambda: a batch size over 10 needs a batching window of at least 1 s (CreateEventSourceMapping).
    if (settings.batchSize > 10) expect(settings.maximumBatchingWindowSeconds).toBeGreaterThanOrEqual(1);
  });
});

describe('HTTP API', () => {
  it('is an HTTP API with CORS for the configured origins only', () => {
    expect(
      has('aws_apigatewayv2_api', {
        protocol_type: 'HTTP',
        cors_configuration: {
          allow_origins: ['https://app.example.com'],
          allow_headers: ['authorization', 'content-type', 'idempotency-key', 'cognito-access-token'],
          allow_methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        },
      }),
    ).toBe(true);
  });

  it('uses Lambda proxy integrations with payload format 2.0 for every route', () => {
    const integrations = synth.resources('aws_apigatewayv2_integration');
    expect(integrations).toHaveLength(FUNCTIONS.filter((f) => f.routes).length);
    for (const i of integrations) expect(i).toMatchObject({ integration_type: 'AWS_PROXY', payload_format_version: '2.0' });
    expect(
      synth
        .resources('aws_apigatewayv2_route')
        .map((r) => r.route_key)
        .sort(),
    ).toEqual(FUNCTIONS.flatMap((f) => (f.routes ?? []).map((r) => `${r.method} ${r.path}`)).sort());
  });

  it('deploys a $default stage automatically, with throttling', () => {
    expect(
      has('aws_apigatewayv2_stage', {
        name: '$default',
        auto_deploy: true,
        default_route_settings: { throttling_burst_limit: 100, throttling_rate_limit: 50 },
      }),
    ).toBe(true);
  });

  it('lets API Gateway invoke each routed function, from this API only', () => {
    const permissions = synth.resources('aws_lambda_permission').filter((p) => p.principal === 'apigateway.amazonaws.com');
    expect(permissions).toHaveLength(FUNCTIONS.filter((f) => f.routes).length);
    for (const p of permissions) expect(p).toMatchObject({ action: 'lambda:InvokeFunction', source_arn: expect.stringMatching(/execution_arn\}\/\*\/\*$/) });
    // Every other permission is an EventBridge rule's (infra/test/realtime.synth.test.ts); topic rules send to queues.
    expect(synth.resources('aws_lambda_permission')).toHaveLength(permissions.length + eventRules({ app: 'iot-realtime', stage: 'test' }).length);
  });
});

describe('IoT topic rules', () => {
  const queueRef = (purpose: string) => {
    const queue = synth.resources('aws_sqs_queue').find((q) => q.name === `iot-realtime-test-${purpose}`)!;
    return `\${aws_sqs_queue.${queue.__id}`;
  };

  it('deploys the presence rule of core/iot-rules.ts: its SQL and SQL version, enabled, an SQS action into the presence-events queue', () => {
    const rules = synth.resources('aws_iot_topic_rule');
    expect(rules).toHaveLength(TOPIC_RULES.length);
    const [rule] = rules;
    expect(rule).toMatchObject({
      name: 'iot_realtime_test_presence',
      // Lifecycle events are account-wide: the rule keeps to this stage's client ids.
      sql: "SELECT * FROM '$aws/events/presence/+/+' WHERE startswith(clientId, 'iot-realtime.test.')",
      sql_version: PRESENCE_RULE.sqlVersion,
      enabled: true,
    });
    expect(PRESENCE_RULE.queue).toBe(PRESENCE_EVENTS_QUEUE.purpose);
    const role = synth.resources('aws_iam_role').find((r) => r.name === 'iot-realtime-test-iot-presence-rule')!;
    expect(rule!.sqs).toEqual([{ queue_url: `${queueRef(PRESENCE_RULE.queue)}.url}`, role_arn: `\${aws_iam_role.${role.__id}.arn}`, use_base64: false }]);
    // No Lambda action, so no resource-based policy lets IoT invoke a function.
    expect(rule!.lambda).toBeUndefined();
    expect(synth.resources('aws_lambda_permission').filter((p) => p.principal === 'iot.amazonaws.com')).toEqual([]);
  });

  it("gives IoT a role for the rule's action that may send to the presence-events queue only, trusted for this account's rules", () => {
    const rule = synth.resources('aws_iot_topic_rule')[0]!;
    const role = synth.resources('aws_iam_role').find((r) => r.name === 'iot-realtime-test-iot-presence-rule')!;
    expect(JSON.parse(String(role.assume_role_policy)).Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'iot.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\$\{data\.aws_caller_identity\./) } },
      },
    ]);
    const policies = synth.resources('aws_iam_role_policy').filter((p) => p.role === `\${aws_iam_role.${role.__id}.id}`);
    expect(policies.map((p) => JSON.parse(String(p.policy)).Statement)).toEqual([
      [{ Sid: 'SendToQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: `${queueRef(PRESENCE_EVENTS_QUEUE.purpose)}.arn}` }],
    ]);
    // IoT assumes it from the first lifecycle event on: the rule waits for its policy.
    for (const policy of policies) expect(rule.depends_on).toContain(`aws_iam_role_policy.${policy.__id}`);
  });

  it('gives the presence functions the presence table and the publishers the data endpoint', () => {
    const variables = (name: string) =>
      (
        synth.resources('aws_lambda_function').find((f) => f.function_name === `iot-realtime-test-${name}`)!.environment as {
          variables: Record<string, string>;
        }
      ).variables;
    expect(variables('presence-events')).toMatchObject({
      PRESENCE_TABLE_NAME: 'iot-realtime-test-presence',
      MEMBERSHIPS_TABLE_NAME: 'iot-realtime-test-memberships',
    });
    expect(variables('presence')).toMatchObject({ PRESENCE_TABLE_NAME: 'iot-realtime-test-presence', MEMBERSHIPS_TABLE_NAME: 'iot-realtime-test-memberships' });
    for (const name of ['presence-events', 'broadcast'])
      expect(variables(name).AWS_ENDPOINT_URL_IOT_DATA_PLANE).toMatch(/^https:\/\/\$\{data\.aws_iot_endpoint\./);
    expect(variables('presence')).not.toHaveProperty('AWS_ENDPOINT_URL_IOT_DATA_PLANE');
    expect(variables('broadcast')).toMatchObject({ RATE_LIMIT_REQUESTS: '10', RATE_LIMIT_WINDOW_SECONDS: '60' });
  });
});

describe('alarms', () => {
  const alarms = () => synth.resources('aws_cloudwatch_metric_alarm');
  const topicRef = () => `\${aws_sns_topic.${synth.resources('aws_sns_topic')[0]!.__id}.arn}`;
  const alarmOn = (metric: string, dimensions: Record<string, string>) =>
    alarms().filter((a) => a.metric_name === metric && JSON.stringify(a.dimensions) === JSON.stringify(dimensions));

  it('notify one SNS topic of the stage, on alarm and on recovery', () => {
    expect(synth.resources('aws_sns_topic').map((t) => t.name)).toEqual(['iot-realtime-test-alarms']);
    expect(alarms().length).toBeGreaterThan(0);
    for (const alarm of alarms()) {
      expect(alarm).toMatchObject({
        comparison_operator: 'GreaterThanThreshold',
        threshold: 0,
        evaluation_periods: 1,
        treat_missing_data: 'notBreaching',
        alarm_actions: [topicRef()],
        ok_actions: [topicRef()],
      });
    }
  });

  it("fire on any message in a work queue's dead-letter queue", () => {
    for (const purpose of WORK_QUEUES.map((q) => q.purpose)) {
      expect(alarmOn('ApproximateNumberOfMessagesVisible', { QueueName: `iot-realtime-test-${purpose}-dlq` })).toEqual([
        expect.objectContaining({ namespace: 'AWS/SQS', statistic: 'Maximum' }),
      ]);
    }
    // The queue names match the queues the stack creates.
    const queueNames = synth.resources('aws_sqs_queue').map((q) => q.name);
    for (const a of alarms().filter((x) => x.namespace === 'AWS/SQS')) expect(queueNames).toContain((a.dimensions as { QueueName: string }).QueueName);
  });

  it('fire on errors and throttles of every function', () => {
    for (const fn of FUNCTIONS) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(alarmOn(metric, { FunctionName: `iot-realtime-test-${fn.name}` })).toEqual([
          expect.objectContaining({ namespace: 'AWS/Lambda', statistic: 'Sum' }),
        ]);
      }
    }
    expect(alarms().filter((a) => a.namespace === 'AWS/Lambda')).toHaveLength(2 * FUNCTIONS.length);
  });

  it("fire on failed IoT publishes, counted by the functions in the stage's own namespace", () => {
    expect(alarmOn('PublishFailures', { service: 'iot-realtime' })).toEqual([expect.objectContaining({ namespace: 'iot-realtime/test', statistic: 'Sum' })]);
  });

  it('subscribe an email address and an https endpoint when configured, and nothing otherwise', async () => {
    expect(synth.resources('aws_sns_topic_subscription')).toEqual([]);
    // ALARM_EMAIL and ALARM_HTTPS_URL in the production environment.
    expect(
      (await production())
        .resources('aws_sns_topic_subscription')
        .map((s) => [s.protocol, s.endpoint])
        .sort(),
    ).toEqual([
      ['email', 'ops@example.com'],
      ['https', 'https://hooks.example.com/alarms'],
    ]);
  });
});

describe('origins', () => {
  const corsOrigins = (s: Synthesized) => (s.resources('aws_apigatewayv2_api')[0]!.cors_configuration as { allow_origins: string[] }).allow_origins;

  it("adds the CloudFront origin to the API's CORS when the web demo is hosted", async () => {
    const withHosting = await hosted();
    const distribution = withHosting.resources('aws_cloudfront_distribution')[0]!.__id;
    expect(corsOrigins(withHosting)).toEqual(['https://app.example.com', `https://\${aws_cloudfront_distribution.${distribution}.domain_name}`]);
  });

  it('synthesizes a production stage from its environment with no localhost origin anywhere', async () => {
    const prod = await production();
    expect(corsOrigins(prod)).toEqual(['https://app.example.com']);
    expect(prod.text).not.toMatch(/localhost|127\.0\.0\.1/);
  });

  it('refuses to synthesize a production stage without explicit origins, unless it hosts the demo', () => {
    const issuer = { APP_TOKEN_ISSUER: 'https://auth.example.com', APP_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json' };
    expect(() => infraConfigFromEnv({ STAGE: 'prod', ...issuer }, 'unused')).toThrow(/WEB_ORIGINS is required for stage prod/);
    expect(infraConfigFromEnv({ STAGE: 'prod', HOST_WEB_DEMO: 'true', ...issuer }, 'unused').webOrigins).toEqual([]);
  });
});

describe('outputs and optional hosting', () => {
  it('outputs what the web demo needs, and where alarms are sent', () => {
    expect(Object.keys(synth.json.output).sort()).toEqual([
      'alarm_topic_arn',
      'api_url',
      'event_bus_arn',
      'event_bus_name',
      'identity_pool_id',
      'iot_endpoint',
      'notification_producer_policy_arn',
      'region',
      'user_pool_client_id',
      'user_pool_id',
      'web_config',
    ]);
    expect(synth.json.output.web_config?.value).toMatchObject({ mode: 'aws', region: 'eu-west-1', topicPrefix: 'iot-realtime/test' });
  });

  it('adds S3 + CloudFront hosting behind a flag only', async () => {
    expect(synth.resources('aws_cloudfront_distribution')).toHaveLength(0);
    const withHosting = await hosted();
    expect(Testing.toHaveResource(withHosting.text, 'aws_cloudfront_distribution')).toBe(true);
    expect(
      Testing.toHaveResourceWithProperties(withHosting.text, 'aws_s3_bucket_public_access_block', { block_public_policy: true, restrict_public_buckets: true }),
    ).toBe(true);
    expect(Object.keys(withHosting.json.output)).toContain('web_url');
  });
});
