/** Synthesis tests: the resources and the properties that matter, in the Terraform JSON that would be applied. */
import { Testing } from 'cdktf';
import { FANOUT_QUEUE, FUNCTIONS, JOBS_QUEUE } from '../../functions/catalog.js';
import { synthesize, type Synthesized } from './synthesized.js';

let synth: Synthesized;
beforeAll(async () => {
  synth = await synthesize();
}, 120_000);

const has = (type: string, properties: Record<string, unknown>) => Testing.toHaveResourceWithProperties(synth.text, type, properties);

describe('IoT', () => {
  it('reads the account\'s iot:Data-ATS endpoint', () => {
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
    expect(attachment?.roles).toEqual({ authenticated: expect.stringMatching(/^\$\{aws_iam_role\.identity-pool_authenticated-role_.*\.arn\}$/), unauthenticated: expect.stringMatching(/^\$\{aws_iam_role\.identity-pool_guest-role_.*\.arn\}$/) });
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
  it('runs every function on nodejs22.x, arm64, with a log group with retention', () => {
    const functions = synth.resources('aws_lambda_function');
    expect(functions).toHaveLength(FUNCTIONS.length);
    for (const f of functions) expect(f).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], handler: 'index.handler' });
    const groups = synth.resources('aws_cloudwatch_log_group');
    expect(groups.map((g) => g.name).sort()).toEqual(FUNCTIONS.map((f) => `/aws/lambda/iot-realtime-test-${f.name}`).sort());
    for (const g of groups) expect(g.retention_in_days).toBe(14);
  });

  it('never sets variables that Lambda reserves', () => {
    for (const f of synth.resources('aws_lambda_function')) {
      const variables = (f.environment as { variables: Record<string, string> }).variables;
      expect(Object.keys(variables)).not.toContain('AWS_REGION');
    }
  });

  it('points the publishers at the account\'s data endpoint', () => {
    const messages = synth.resources('aws_lambda_function').find((f) => f.function_name === 'iot-realtime-test-messages')!;
    expect((messages.environment as { variables: Record<string, string> }).variables.AWS_ENDPOINT_URL_IOT_DATA_PLANE).toMatch(/^https:\/\/\$\{data\.aws_iot_endpoint\./);
  });
});

describe.each([JOBS_QUEUE, FANOUT_QUEUE])('the $purpose queue', (settings) => {
  it('has a dead-letter queue after maxReceiveCount receives, and a visibility timeout of at least 6x the consumer timeout', () => {
    const queues = synth.resources('aws_sqs_queue');
    const main = queues.find((q) => q.name === `iot-realtime-test-${settings.purpose}`)!;
    expect(queues.find((q) => q.name === `iot-realtime-test-${settings.purpose}-dlq`)).toBeDefined();
    expect(JSON.parse(String(main.redrive_policy))).toEqual({ deadLetterTargetArn: expect.stringContaining(`aws_sqs_queue.${settings.purpose}_dlq`), maxReceiveCount: settings.maxReceiveCount });
    const consumer = FUNCTIONS.find((f) => f.name === settings.consumer)!;
    expect(Number(main.visibility_timeout_seconds)).toBeGreaterThanOrEqual(6 * consumer.timeoutSeconds);
  });

  it('feeds its consumer with partial batch failures', () => {
    const mapping = synth.resources('aws_lambda_event_source_mapping').find((m) => String(m.event_source_arn).includes(`aws_sqs_queue.${settings.purpose}_queue`));
    expect(mapping).toMatchObject({ batch_size: settings.batchSize, function_response_types: ['ReportBatchItemFailures'] });
    expect(String(mapping?.function_name)).toContain(`fn-${settings.consumer}`);
  });
});

describe('HTTP API', () => {
  it('is an HTTP API with CORS for the web demo\'s origin only', () => {
    expect(
      has('aws_apigatewayv2_api', {
        protocol_type: 'HTTP',
        cors_configuration: { allow_origins: ['https://app.example.com'], allow_headers: ['authorization', 'content-type'], allow_methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'] },
      }),
    ).toBe(true);
  });

  it('uses Lambda proxy integrations with payload format 2.0 for every route', () => {
    const integrations = synth.resources('aws_apigatewayv2_integration');
    expect(integrations).toHaveLength(FUNCTIONS.filter((f) => f.routes).length);
    for (const i of integrations) expect(i).toMatchObject({ integration_type: 'AWS_PROXY', payload_format_version: '2.0' });
    expect(synth.resources('aws_apigatewayv2_route').map((r) => r.route_key).sort()).toEqual(
      FUNCTIONS.flatMap((f) => (f.routes ?? []).map((r) => `${r.method} ${r.path}`)).sort(),
    );
  });

  it('deploys a $default stage automatically, with throttling', () => {
    expect(has('aws_apigatewayv2_stage', { name: '$default', auto_deploy: true, default_route_settings: { throttling_burst_limit: 100, throttling_rate_limit: 50 } })).toBe(true);
  });

  it('lets API Gateway invoke each routed function, from this API only', () => {
    const permissions = synth.resources('aws_lambda_permission');
    expect(permissions).toHaveLength(FUNCTIONS.filter((f) => f.routes).length);
    for (const p of permissions) expect(p).toMatchObject({ principal: 'apigateway.amazonaws.com', action: 'lambda:InvokeFunction', source_arn: expect.stringMatching(/execution_arn\}\/\*\/\*$/) });
  });
});

describe('outputs and optional hosting', () => {
  it('outputs what the web demo needs', () => {
    expect(Object.keys(synth.json.output).sort()).toEqual(['api_url', 'identity_pool_id', 'iot_endpoint', 'region', 'user_pool_client_id', 'user_pool_id', 'web_config']);
    expect(synth.json.output.web_config?.value).toMatchObject({ mode: 'aws', region: 'eu-west-1', topicPrefix: 'iot-realtime/test' });
  });

  it('adds S3 + CloudFront hosting behind a flag only', async () => {
    expect(synth.resources('aws_cloudfront_distribution')).toHaveLength(0);
    const hosted = await synthesize({ hostWebDemo: true });
    expect(Testing.toHaveResource(hosted.text, 'aws_cloudfront_distribution')).toBe(true);
    expect(Testing.toHaveResourceWithProperties(hosted.text, 'aws_s3_bucket_public_access_block', { block_public_policy: true, restrict_public_buckets: true })).toBe(true);
    expect(Object.keys(hosted.json.output)).toContain('web_url');
  });
});
