/**
 * The whole backend of one stage as a CDK Terrain (cdktn) stack. Every IAM and IoT policy document comes from the
 * access model in core/, the one the local emulator enforces. (CDK Terrain is the maintained continuation of
 * terraform-cdk, which was archived in December 2025; same API, and the synthesized JSON was diffed equal resource for
 * resource when we moved: see docs/architecture.md, ADR 5.)
 */

import { join } from 'node:path';
import { DataAwsCallerIdentity } from '@cdktn/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsIotEndpoint } from '@cdktn/provider-aws/lib/data-aws-iot-endpoint/index.js';
import { IamRole } from '@cdktn/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktn/provider-aws/lib/iam-role-policy/index.js';
import { IotPolicy } from '@cdktn/provider-aws/lib/iot-policy/index.js';
import { LambdaFunctionEventInvokeConfig } from '@cdktn/provider-aws/lib/lambda-function-event-invoke-config/index.js';
import { AwsProvider } from '@cdktn/provider-aws/lib/provider/index.js';
import { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue/index.js';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktn';
import type { Construct } from 'constructs';
import { type AccessModel, accessModel, type FunctionName } from '../core/access/model.js';
import { envVariableNames } from '../core/contracts/function-env.js';
import type { WebConfig } from '../core/contracts/web-config.js';
import { type Deployment, functionName, resourceName } from '../core/deployment.js';
import { presenceRule, topicRuleName, topicRules } from '../core/iot-rules.js';
import {
  BROADCASTS_TABLE,
  IDEMPOTENCY_TABLE,
  JOBS_TABLE,
  MEMBERSHIPS_TABLE,
  MESSAGES_TABLE,
  PRESENCE_TABLE,
  RATE_LIMITS_TABLE,
  USERS_TABLE,
} from '../core/store/tables.js';
import { catalogVariables, FANOUT_QUEUE, FUNCTIONS, JOBS_QUEUE } from '../functions/catalog.js';
import { metricsNamespace, metricsServiceName } from '../functions/shared/metric-names.js';
import type { InfraConfig } from './config.js';
import { Alarms } from './constructs/alarms.js';
import { HttpApi } from './constructs/http-api.js';
import { IdentityPool, UserPool } from './constructs/identity.js';
import { RealtimeFunction } from './constructs/lambda-function.js';
import { Tables } from './constructs/tables.js';
import { TopicRules } from './constructs/topic-rules.js';
import { WebHosting } from './constructs/web-hosting.js';
import { WorkQueue } from './constructs/work-queue.js';
import { policyJson } from './terraform-json.js';

/** Variables Lambda itself provides; setting them is an error. */
const RESERVED_ENV = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
/** Functions that publish with the IoT data-plane client, which needs the account's iot:Data-ATS endpoint. */
const PUBLISHERS = new Set<FunctionName>(['messages', 'rooms', 'fanout-worker', 'jobs-worker', 'presence-events', 'broadcast']);

export class RealtimeStack extends TerraformStack {
  readonly model: AccessModel;
  readonly functions = new Map<FunctionName, RealtimeFunction>();
  readonly api: HttpApi;
  readonly topicRules: TopicRules;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, config: InfraConfig) {
    super(scope, id);
    // The Terraform this stack is for: >= 1.10, for S3 state locking with a lock file (`use_lockfile`). Declared to CDK
    // Terrain's target-version validation (before any child exists) and to Terraform itself (`required_version`).
    this.node.setContext('targetVersions', { terraform: '>=1.10.0' });
    new AwsProvider(this, 'aws', { region: config.region, defaultTags: [{ tags: { app: config.app, stage: config.stage } }] });
    // State: an S3 bucket locked with a lock file (Terraform >= 1.10, "use_lockfile") when one is configured; otherwise a
    // local file in the repository's git-ignored .terraform-state/, by a path relative to the stack's folder (so the
    // synthesized JSON names no absolute path of this machine).
    this.addOverride('terraform.required_version', '>= 1.10.0');
    if (config.stateBackend) {
      new S3Backend(this, {
        bucket: config.stateBackend.bucket,
        key: config.stateBackend.key,
        region: config.stateBackend.region,
        useLockfile: true,
        encrypt: true,
      });
    } else {
      new LocalBackend(this, { path: `../../../../.terraform-state/${id}.tfstate` });
    }
    const caller = new DataAwsCallerIdentity(this, 'caller');
    // Without the type, DescribeEndpoint may return the legacy (VeriSign) endpoint.
    const iotEndpoint = new DataAwsIotEndpoint(this, 'iot-endpoint', { endpointType: 'iot:Data-ATS' });
    const deployment: Deployment = { app: config.app, stage: config.stage, region: config.region, accountId: caller.accountId };
    const prefix = resourceName(deployment, '').replace(/-$/, '');

    const userPool = new UserPool(this, 'user-pool', {
      namePrefix: prefix,
      region: config.region,
      deletionProtection: !config.development,
      ...(config.sesSender ? { sesSender: config.sesSender } : {}),
    });
    const identityPool = new IdentityPool(this, 'identity-pool', { namePrefix: prefix, allowGuests: config.allowGuests, userPool, region: config.region });
    const jobs = new WorkQueue(this, 'jobs', { name: resourceName(deployment, JOBS_QUEUE.purpose), settings: JOBS_QUEUE });
    const fanout = new WorkQueue(this, 'fanout', { name: resourceName(deployment, FANOUT_QUEUE.purpose), settings: FANOUT_QUEUE });
    // Rooms, memberships and history; deletion protection everywhere but a dev stage.
    const tables = new Tables(this, 'tables', { deployment, deletionProtection: config.stage !== 'dev' });
    // Presence work that failed: events IoT could not deliver (the rule's error action) and invocations that failed
    // every retry (the function's on-failure destination). Kept 14 days for inspection; alarmed when not empty.
    const presenceFailures = new SqsQueue(this, 'presence-failures', {
      name: resourceName(deployment, 'presence-failures'),
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    });
    this.model = accessModel({
      deployment,
      identityPoolId: identityPool.pool.id,
      jobQueueArn: jobs.queue.arn,
      fanoutQueueArn: fanout.queue.arn,
      presenceFailuresQueueArn: presenceFailures.arn,
    });
    const model = this.model;

    new IotPolicy(this, 'cognito-user-iot-policy', { name: model.cognitoUserIotPolicy.name, policy: policyJson(model.cognitoUserIotPolicy.document) });
    identityPool.attachRoles(model.cognitoAuthenticatedRole, model.cognitoGuestRole);

    const environment: Record<string, string> = {
      APP_NAME: config.app,
      STAGE: config.stage,
      AWS_ACCOUNT_ID: caller.accountId,
      APP_JWKS_URL: config.appToken.jwksUrl,
      APP_TOKEN_ISSUER: config.appToken.issuer,
      APP_TOKEN_AUDIENCE: config.appToken.audience,
      APP_TOKEN_MAX_AGE_SECONDS: String(config.appToken.maxAgeSeconds),
      APP_TOKEN_TYPES: config.appToken.types.join(','),
      TOKEN_CLOCK_TOLERANCE_SECONDS: String(config.appToken.clockToleranceSeconds),
      IOT_ENDPOINT: iotEndpoint.endpointAddress,
      BROWSER_CLIENT_ROLE_ARN: model.browserClientRole.arn,
      CREDENTIALS_DURATION_SECONDS: String(config.credentialsDurationSeconds),
      ...(config.directFanoutMax !== undefined ? { DIRECT_FANOUT_MAX: String(config.directFanoutMax) } : {}),
      JOBS_QUEUE_URL: jobs.queue.url,
      JOBS_MAX_RECEIVE_COUNT: String(JOBS_QUEUE.maxReceiveCount),
      IDENTITY_POOL_ID: identityPool.pool.id,
      COGNITO_USER_POOL_ISSUER: `https://${userPool.loginsKey(config.region)}`,
      COGNITO_USER_POOL_CLIENT_ID: userPool.client.id,
      MEMBERSHIPS_TABLE_NAME: tables.nameOf(MEMBERSHIPS_TABLE),
      MESSAGES_TABLE_NAME: tables.nameOf(MESSAGES_TABLE),
      RATE_LIMITS_TABLE_NAME: tables.nameOf(RATE_LIMITS_TABLE),
      USERS_TABLE_NAME: tables.nameOf(USERS_TABLE),
      IDEMPOTENCY_TABLE_NAME: tables.nameOf(IDEMPOTENCY_TABLE),
      PRESENCE_TABLE_NAME: tables.nameOf(PRESENCE_TABLE),
      JOBS_TABLE_NAME: tables.nameOf(JOBS_TABLE),
      BROADCASTS_TABLE_NAME: tables.nameOf(BROADCASTS_TABLE),
      FANOUT_QUEUE_URL: fanout.queue.url,
      IOT_POLICY_NAME: model.cognitoUserIotPolicy.name,
    };
    for (const definition of FUNCTIONS) {
      const variables: Record<string, string> = {};
      // The stage-wide values plus the function's own from its catalog entry (e.g. its rate limit).
      const own = { ...environment, ...catalogVariables(definition, config.rateLimitOverride ? { rateLimit: config.rateLimitOverride } : {}) };
      for (const key of envVariableNames(definition.configSchema)) {
        if (RESERVED_ENV.has(key)) continue;
        const value = own[key];
        if (value !== undefined) variables[key] = value;
      }
      if (PUBLISHERS.has(definition.name)) variables.AWS_ENDPOINT_URL_IOT_DATA_PLANE = `https://${iotEndpoint.endpointAddress}`;
      this.functions.set(
        definition.name,
        new RealtimeFunction(this, `fn-${definition.name}`, {
          definition,
          functionName: functionName(deployment, definition.name),
          role: model.functionRoles[definition.name],
          bundleDir: join(config.functionsDir, definition.name),
          environment: variables,
          logRetentionDays: config.logRetentionDays,
          region: config.region,
          accountId: caller.accountId,
        }),
      );
    }

    // The browser-client role: assumable only by the credentials function's role; one-hour sessions (role chaining).
    const credentialsFn = this.functions.get('credentials')!;
    const browserRole = new IamRole(this, 'browser-client-role', {
      name: model.browserClientRole.name,
      assumeRolePolicy: policyJson(model.browserClientRole.trust),
      maxSessionDuration: model.browserClientRole.maxSessionDurationSeconds,
      // IAM checks that a role named in a trust policy exists.
      dependsOn: [credentialsFn.role],
    });
    for (const p of model.browserClientRole.policies)
      new IamRolePolicy(this, `browser-client-${p.name}`, { role: browserRole.id, name: p.name, policy: policyJson(p.document) });

    // IoT lifecycle events to the presence function: the rule the emulator runs locally.
    this.topicRules = new TopicRules(this, 'topic-rules', {
      deployment,
      rules: topicRules(deployment),
      functionOf: (name) => this.functions.get(name)!.function,
      errors: { queue: presenceFailures, role: model.serviceRoles.iotRuleErrors },
    });
    // Lambda retries a failed asynchronous invocation twice, then sends the event to the on-failure destination; it
    // checks the function's role may send there when the configuration is saved, hence the dependency.
    const presenceEvents = this.functions.get(presenceRule(deployment).lambda)!;
    new LambdaFunctionEventInvokeConfig(this, 'presence-events-async', {
      functionName: presenceEvents.function.functionName,
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 3600,
      destinationConfig: { onFailure: { destination: presenceFailures.arn } },
      dependsOn: presenceEvents.rolePolicies,
    });

    jobs.consumeWith(this.functions.get(JOBS_QUEUE.consumer)!);
    fanout.consumeWith(this.functions.get(FANOUT_QUEUE.consumer)!);

    // Hosting comes before the API: the distribution's origin joins the API's CORS origins.
    const hosting = config.hostWebDemo ? new WebHosting(this, 'web', { namePrefix: prefix }) : undefined;
    const webOrigins = hosting ? [...config.webOrigins, hosting.origin] : config.webOrigins;
    this.api = new HttpApi(this, 'http-api', { name: resourceName(deployment, 'api'), webOrigins, throttle: config.throttle });
    for (const definition of FUNCTIONS) {
      if (definition.routes) this.api.routes(definition.name, definition.routes, this.functions.get(definition.name)!.function);
    }

    this.alarms = new Alarms(this, 'alarms', { namePrefix: prefix, subscriptions: config.alarms });
    for (const [purpose, queue] of [
      [JOBS_QUEUE.purpose, jobs],
      [FANOUT_QUEUE.purpose, fanout],
    ] as const)
      this.alarms.deadLetterQueue(purpose, queue.deadLetterQueueName);
    this.alarms.deadLetterQueue('presence', resourceName(deployment, 'presence-failures'));
    for (const rule of this.topicRules.rules.keys()) this.alarms.topicRuleFailures(rule.purpose, topicRuleName(deployment, rule));
    for (const [name, fn] of this.functions) {
      this.alarms.functionErrors(name, fn.name);
      this.alarms.functionThrottles(name, fn.name);
    }
    this.alarms.appMetric('iot-publish-failures', {
      namespace: metricsNamespace(config),
      name: 'PublishFailures',
      dimensions: { service: metricsServiceName(config) },
      description: 'IoT data-plane publishes failed (throttled, unavailable or refused); room messages were queued for retry, job events may be late',
    });

    const webConfig: WebConfig = {
      mode: 'aws',
      apiUrl: this.api.stage.invokeUrl,
      region: config.region,
      iotEndpoint: iotEndpoint.endpointAddress,
      identityPoolId: identityPool.pool.id,
      userPoolId: userPool.pool.id,
      userPoolClientId: userPool.client.id,
      allowGuests: config.allowGuests,
      topicPrefix: `${config.app}/${config.stage}`,
    };
    if (hosting) {
      hosting.publishConfig(JSON.stringify(webConfig));
      new TerraformOutput(this, 'web_url', { value: hosting.origin });
      new TerraformOutput(this, 'web_bucket', { value: hosting.bucket.bucket });
      new TerraformOutput(this, 'web_distribution_id', {
        value: hosting.distribution.id,
        description: 'npm run deploy invalidates it after uploading the web app',
      });
    }
    new TerraformOutput(this, 'api_url', { value: this.api.stage.invokeUrl });
    new TerraformOutput(this, 'iot_endpoint', { value: iotEndpoint.endpointAddress });
    new TerraformOutput(this, 'region', { value: config.region });
    new TerraformOutput(this, 'identity_pool_id', { value: identityPool.pool.id });
    new TerraformOutput(this, 'user_pool_id', { value: userPool.pool.id });
    new TerraformOutput(this, 'user_pool_client_id', { value: userPool.client.id });
    new TerraformOutput(this, 'alarm_topic_arn', {
      value: this.alarms.topic.arn,
      description: 'Subscribe here for alarm notifications (ALARM_EMAIL / ALARM_HTTPS_URL do it at deploy)',
    });
    new TerraformOutput(this, 'web_config', { value: webConfig, description: 'Written to web-demo/public/config.json by npm run deploy' });
  }
}
