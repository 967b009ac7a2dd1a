/**
 * What the first production deployment needs from the synthesized JSON (issue 17's review of the synth against the
 * AWS and Terraform provider documentation), each finding as a test: a production stage synthesized from its
 * environment as `npm run deploy` reads it, against a development one.
 */
import { infraConfigFromEnv } from '../config.js';
import { type Synthesized, synthesize } from './synthesized.js';

const PRODUCTION_ENV = {
  STAGE: 'prod',
  AWS_REGION: 'eu-west-1',
  APP_TOKEN_ISSUER: 'https://auth.example.com',
  APP_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
  WEB_ORIGINS: 'https://app.example.com',
  TF_STATE_BUCKET: 'acme-terraform-state',
  SES_SOURCE_ARN: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
  SES_FROM_ADDRESS: 'no-reply@example.com',
};

let prod: Synthesized;
let dev: Synthesized;
beforeAll(async () => {
  const { functionsDir: _p, ...prodConfig } = infraConfigFromEnv(PRODUCTION_ENV, 'unused');
  const { functionsDir: _d, ...devConfig } = infraConfigFromEnv({ STAGE: 'dev' }, 'unused');
  prod = await synthesize(prodConfig);
  dev = await synthesize(devConfig);
}, 180_000);

const only = (s: Synthesized, type: string) => {
  const [resource, ...more] = s.resources(type);
  expect(more).toEqual([]);
  return resource!;
};

describe('the user pool of a production stage', () => {
  it('is protected from deletion outside development', () => {
    expect(only(prod, 'aws_cognito_user_pool').deletion_protection).toBe('ACTIVE');
    expect(only(dev, 'aws_cognito_user_pool').deletion_protection).toBe('INACTIVE');
  });

  it('signs users in by email, case-insensitively, with SRP and refresh tokens only', () => {
    expect(only(prod, 'aws_cognito_user_pool')).toMatchObject({
      username_attributes: ['email'],
      username_configuration: { case_sensitive: false },
      password_policy: { minimum_length: 12, require_lowercase: true, require_uppercase: true, require_numbers: true },
    });
    expect(only(prod, 'aws_cognito_user_pool_client')).toMatchObject({
      explicit_auth_flows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      prevent_user_existence_errors: 'ENABLED',
      enable_token_revocation: true,
    });
  });

  it('sends email from the SES identity when one is configured (Cognito default sender otherwise)', () => {
    expect(only(prod, 'aws_cognito_user_pool').email_configuration).toEqual({
      email_sending_account: 'DEVELOPER',
      source_arn: PRODUCTION_ENV.SES_SOURCE_ARN,
      from_email_address: 'no-reply@example.com',
    });
    expect(only(dev, 'aws_cognito_user_pool').email_configuration).toBeUndefined();
  });

  it('turns guests off unless asked', () => {
    expect(only(prod, 'aws_cognito_identity_pool').allow_unauthenticated_identities).toBe(false);
    expect(only(dev, 'aws_cognito_identity_pool').allow_unauthenticated_identities).toBe(true);
  });
});

describe('app tokens', () => {
  it('verify against the configured issuer and JWKS, never a placeholder', () => {
    for (const fn of prod.resources('aws_lambda_function')) {
      const variables = (fn.environment as { variables: Record<string, string> }).variables;
      if (!('APP_TOKEN_ISSUER' in variables)) continue;
      expect(variables).toMatchObject({ APP_TOKEN_ISSUER: 'https://auth.example.com', APP_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json' });
    }
    expect(prod.text).not.toContain('auth.example.com/placeholder');
  });
});

describe('presence', () => {
  it("keeps the topic rule to this stage's client ids, sending to the presence-events queue, with an SQS error action IoT can use", () => {
    const rule = only(prod, 'aws_iot_topic_rule');
    expect(rule.sql).toBe("SELECT * FROM '$aws/events/presence/+/+' WHERE startswith(clientId, 'iot-realtime.prod.')");
    const [action] = rule.sqs as Array<{ queue_url: string; role_arn: string; use_base64: boolean }>;
    expect(action!.queue_url).toMatch(/^\$\{aws_sqs_queue\.presence-events_queue.*\.url\}$/);
    expect(action!.role_arn).toMatch(/^\$\{aws_iam_role\.topic-rules_presence-role.*\.arn\}$/);
    const errorAction = rule.error_action as { sqs: { queue_url: string; role_arn: string; use_base64: boolean } };
    expect(errorAction.sqs.queue_url).toMatch(/^\$\{aws_sqs_queue\.presence-failures.*\.url\}$/);
    expect(errorAction.sqs.role_arn).toMatch(/^\$\{aws_iam_role\.topic-rules_error-role.*\.arn\}$/);
    // IoT assumes the roles from the first event on: their policies must exist by then.
    expect(JSON.stringify(rule.depends_on)).toContain('aws_iam_role_policy.topic-rules_error-role');
    expect(JSON.stringify(rule.depends_on)).toContain('aws_iam_role_policy.topic-rules_presence-role');
    for (const name of ['iot-realtime-prod-iot-rule-errors', 'iot-realtime-prod-iot-presence-rule']) {
      const role = prod.resources('aws_iam_role').find((r) => r.name === name)!;
      expect(JSON.parse(String(role.assume_role_policy)).Statement[0]).toMatchObject({ Principal: { Service: 'iot.amazonaws.com' }, Action: 'sts:AssumeRole' });
    }
  });

  it('feeds the presence function from the queue in batches of 100, gathered for 1 s, two at a time, after its role may receive', () => {
    const mapping = prod.resources('aws_lambda_event_source_mapping').find((m) => String(m.event_source_arn).includes('presence-events_queue'))!;
    expect(mapping).toMatchObject({
      batch_size: 100,
      maximum_batching_window_in_seconds: 1,
      scaling_config: { maximum_concurrency: 2 },
      function_response_types: ['ReportBatchItemFailures'],
    });
    expect(String(mapping.function_name)).toContain('fn-presence-events');
    expect(JSON.stringify(mapping.depends_on)).toContain('aws_iam_role_policy.fn-presence-events_policy-iot-realtime-prod-consume-presence-events');
    // No asynchronous invocations any more: no event invoke configuration for the presence function.
    expect(prod.resources('aws_lambda_function_event_invoke_config').filter((c) => JSON.stringify(c.function_name).includes('presence-events'))).toEqual([]);
  });

  it("alarms on messages in the failures queue, in the presence-events queue's dead-letter queue and on failed rule actions", () => {
    const alarms = prod.resources('aws_cloudwatch_metric_alarm');
    for (const queue of ['iot-realtime-prod-presence-failures', 'iot-realtime-prod-presence-events-dlq'])
      expect(alarms).toContainEqual(
        expect.objectContaining({ namespace: 'AWS/SQS', metric_name: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queue } }),
      );
    expect(alarms).toContainEqual(
      expect.objectContaining({ namespace: 'AWS/IoT', metric_name: 'Failure', dimensions: { RuleName: 'iot_realtime_prod_presence' } }),
    );
  });
});

describe('event source mappings', () => {
  it("depend on their consumer role's policies (Lambda checks them when the mapping is created)", () => {
    const mappings = prod.resources('aws_lambda_event_source_mapping');
    expect(mappings).toHaveLength(3);
    for (const mapping of mappings) {
      const dependencies = JSON.stringify(mapping.depends_on ?? []);
      expect(dependencies).toMatch(
        /aws_iam_role_policy\.fn-(jobs-worker|fanout-worker|presence-events)_policy-iot-realtime-prod-consume-(jobs|fanout|presence-events)/,
      );
    }
  });
});

describe('Terraform state and version', () => {
  it('keeps a production stage in the S3 bucket with lock-file locking, and needs Terraform >= 1.10', () => {
    const terraform = prod.json.terraform as unknown as { backend: Record<string, unknown>; required_version: string };
    expect(terraform.backend).toEqual({
      s3: { bucket: 'acme-terraform-state', key: 'iot-realtime/prod/terraform.tfstate', region: 'eu-west-1', use_lockfile: true, encrypt: true },
    });
    expect(terraform.required_version).toBe('>= 1.10.0');
  });

  it('keeps a development stage in the git-ignored .terraform-state/, by a relative path (no absolute path of this machine)', () => {
    const terraform = dev.json.terraform as unknown as { backend: Record<string, { path: string }> };
    expect(terraform.backend.local?.path).toBe('../../../../.terraform-state/test-stack.tfstate');
    expect(dev.text).not.toContain(process.cwd());
  });
});
