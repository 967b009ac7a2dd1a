/**
 * The realtime backend of one stage as a construct: IoT (the Cognito users' IoT policy, the presence topic rule),
 * Cognito (user pool, identity pool), the Lambdas of functions/catalog.ts with their least-privilege roles, queues,
 * tables, the HTTP API, the notifications ingress (the app's EventBridge bus, its rule, the notify function, the
 * producer policy), alarms and the optional web hosting. Every IAM and IoT policy document comes from the access model
 * in core/, the one the local emulator enforces.
 *
 * Add it to your own CDK Terrain (or terraform-cdk) stack, next to your own resources, and let your functions in:
 *
 *   const realtime = new Realtime(this, 'realtime', config);
 *   realtime.grantNotify(ordersRole);                    // events:PutEvents on the app's bus (the managed producer policy)
 *   realtime.grantPublish(reportsRole, 'notifications'); // iot:Publish on users' notifications topics, nothing else
 *
 * The stack needs an AWS provider for `config.region`. Our own RealtimeStack adds it with the id "Default", which CDK
 * Terrain leaves out of resource addresses, so the stack's Terraform addresses did not change when this construct was
 * extracted from it.
 */
import { join } from 'node:path';
import { DataAwsCallerIdentity } from '@cdktn/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsIotEndpoint } from '@cdktn/provider-aws/lib/data-aws-iot-endpoint/index.js';
import { IamRole } from '@cdktn/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktn/provider-aws/lib/iam-role-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktn/provider-aws/lib/iam-role-policy-attachment/index.js';
import { IotPolicy } from '@cdktn/provider-aws/lib/iot-policy/index.js';
import { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue/index.js';
import { TerraformOutput } from 'cdktn';
import { Construct } from 'constructs';
import { type AccessModel, accessModel, type FunctionName } from '../../core/access/model.js';
import { PUBLISH_FAMILIES, type PublishFamily, publisherPolicy } from '../../core/access/service-policies.js';
import { envVariableNames } from '../../core/contracts/function-env.js';
import type { WebConfig } from '../../core/contracts/web-config.js';
import { type Deployment, functionName, resourceName } from '../../core/deployment.js';
import { eventBusName, eventRules } from '../../core/event-rules.js';
import { topicRuleName, topicRules } from '../../core/iot-rules.js';
import {
  BROADCASTS_TABLE,
  IDEMPOTENCY_TABLE,
  JOBS_TABLE,
  MEMBERSHIPS_TABLE,
  MESSAGES_TABLE,
  PRESENCE_TABLE,
  RATE_LIMITS_TABLE,
  USERS_TABLE,
} from '../../core/store/tables.js';
import { catalogVariables, FANOUT_QUEUE, FUNCTIONS, JOBS_QUEUE, PRESENCE_EVENTS_QUEUE } from '../../functions/catalog.js';
import { metricsNamespace, metricsServiceName } from '../../functions/shared/metric-names.js';
import type { InfraConfig } from '../config.js';
import { policyJson } from '../terraform-json.js';
import { Alarms } from './alarms.js';
import { HttpApi } from './http-api.js';
import { IdentityPool, UserPool } from './identity.js';
import { RealtimeFunction } from './lambda-function.js';
import { Notifications } from './notifications.js';
import { Tables } from './tables.js';
import { TopicRules } from './topic-rules.js';
import { WebHosting } from './web-hosting.js';
import { WorkQueue } from './work-queue.js';

/** Variables Lambda itself provides; setting them is an error. */
const RESERVED_ENV = new Set(['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']);
/** Functions that publish with the IoT data-plane client, which needs the account's iot:Data-ATS endpoint. */
const PUBLISHERS = new Set<FunctionName>(['messages', 'rooms', 'fanout-worker', 'jobs-worker', 'presence-events', 'broadcast', 'notify']);

export type RealtimeProps = Omit<InfraConfig, 'stateBackend'>;

export class Realtime extends Construct {
  readonly model: AccessModel;
  readonly deployment: Deployment;
  readonly functions = new Map<FunctionName, RealtimeFunction>();
  readonly api: HttpApi;
  readonly topicRules: TopicRules;
  readonly notifications: Notifications;
  readonly alarms: Alarms;
  #grants = 0;

  constructor(scope: Construct, id: string, config: RealtimeProps) {
    super(scope, id);
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
    // Lifecycle events from the presence rule's SQS action, in batches to the presence-events function.
    const presenceEvents = new WorkQueue(this, 'presence-events', {
      name: resourceName(deployment, PRESENCE_EVENTS_QUEUE.purpose),
      settings: PRESENCE_EVENTS_QUEUE,
    });
    // Rooms, memberships and history; deletion protection everywhere but a dev stage.
    const tables = new Tables(this, 'tables', { deployment, deletionProtection: config.stage !== 'dev' });
    // Lifecycle events IoT could not send to the presence-events queue (the rule's error action, with the reason).
    // Kept 14 days for inspection; alarmed when not empty.
    const presenceFailures = new SqsQueue(this, 'presence-failures', {
      name: resourceName(deployment, 'presence-failures'),
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    });
    this.deployment = deployment;
    this.model = accessModel({
      deployment,
      identityPoolId: identityPool.pool.id,
      jobQueueArn: jobs.queue.arn,
      fanoutQueueArn: fanout.queue.arn,
      presenceEventsQueueArn: presenceEvents.queue.arn,
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
      EVENT_BUS_NAME: eventBusName(deployment),
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

    // IoT lifecycle events to the presence function's queue: the rule the emulator runs locally.
    const queues = new Map<string, WorkQueue>([[PRESENCE_EVENTS_QUEUE.purpose, presenceEvents]]);
    const ruleRoles = new Map([[PRESENCE_EVENTS_QUEUE.purpose, model.serviceRoles.iotPresenceRule]]);
    this.topicRules = new TopicRules(this, 'topic-rules', {
      deployment,
      rules: topicRules(deployment).map((definition) => {
        const queue = queues.get(definition.queue);
        const role = ruleRoles.get(definition.queue);
        if (!queue || !role) throw new Error(`topic rule ${definition.purpose}: no queue ${definition.queue} in the stack`);
        return { definition, queue: queue.queue, role };
      }),
      errors: { queue: presenceFailures, role: model.serviceRoles.iotRuleErrors },
    });

    // Notifications from any backend: the app's bus, its rule and the notify function (core/event-rules.ts).
    this.notifications = new Notifications(this, 'notifications', {
      deployment,
      rules: eventRules(deployment),
      functionOf: (name) => this.functions.get(name)!,
      producerPolicy: model.notificationProducerPolicy,
    });

    jobs.consumeWith(this.functions.get(JOBS_QUEUE.consumer)!);
    fanout.consumeWith(this.functions.get(FANOUT_QUEUE.consumer)!);
    presenceEvents.consumeWith(this.functions.get(PRESENCE_EVENTS_QUEUE.consumer)!);

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
      [PRESENCE_EVENTS_QUEUE.purpose, presenceEvents],
    ] as const)
      this.alarms.deadLetterQueue(purpose, queue.deadLetterQueueName);
    this.alarms.deadLetterQueue('presence', resourceName(deployment, 'presence-failures'));
    this.alarms.deadLetterQueue('notifications', this.notifications.deadLetterQueueName);
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
      this.#output('web_url', { value: hosting.origin });
      this.#output('web_bucket', { value: hosting.bucket.bucket });
      this.#output('web_distribution_id', {
        value: hosting.distribution.id,
        description: 'npm run deploy invalidates it after uploading the web app',
      });
    }
    this.#output('api_url', { value: this.api.stage.invokeUrl });
    this.#output('iot_endpoint', { value: iotEndpoint.endpointAddress });
    this.#output('region', { value: config.region });
    this.#output('identity_pool_id', { value: identityPool.pool.id });
    this.#output('user_pool_id', { value: userPool.pool.id });
    this.#output('user_pool_client_id', { value: userPool.client.id });
    this.#output('event_bus_name', { value: this.notifications.bus.name, description: 'Producers put notification events here' });
    this.#output('event_bus_arn', { value: this.notifications.bus.arn });
    this.#output('notification_producer_policy_arn', {
      value: this.notifications.producerPolicy.arn,
      description: 'Attach to a role to let it put notification events on the bus (events:PutEvents on it, nothing else)',
    });
    this.#output('alarm_topic_arn', {
      value: this.alarms.topic.arn,
      description: 'Subscribe here for alarm notifications (ALARM_EMAIL / ALARM_HTTPS_URL do it at deploy)',
    });
    this.#output('web_config', { value: webConfig, description: 'Written to web-demo/public/config.json by npm run deploy' });
  }

  /**
   * Lets a role of yours notify the app's users: attaches the managed producer policy (events:PutEvents on the app's
   * bus, nothing else). Use packages/realtime-server's EventBridgeNotifier from code running with that role.
   */
  grantNotify(role: IamRole): IamRolePolicyAttachment {
    return new IamRolePolicyAttachment(this, `grant-notify-${this.#nextGrant(role)}`, { role: role.name, policyArn: this.notifications.producerPolicy.arn });
  }

  /**
   * Lets a role of yours publish straight to one or more families of the app's topics (iot:Publish only, from core's
   * publisherPolicy): `notifications` (users' notifications topics: IotNotifier), `inboxes` (room inboxes), `jobs`,
   * `broadcast`. Prefer grantNotify: the notify function checks rooms' members, a direct publisher is trusted to.
   */
  grantPublish(role: IamRole, ...families: PublishFamily[]): IamRolePolicy[] {
    if (families.length === 0) throw new Error(`grantPublish: name at least one family of topics (${PUBLISH_FAMILIES.join(', ')})`);
    const grant = this.#nextGrant(role);
    return [...new Set(families)].map(
      (family) =>
        new IamRolePolicy(this, `grant-publish-${grant}-${family}`, {
          role: role.name,
          name: resourceName(this.deployment, `publish-${family}`),
          policy: policyJson(publisherPolicy(this.deployment, family)),
        }),
    );
  }

  /** Outputs keep their plain names (`event_bus_name`, ...) whatever id the construct is added with: one per stack. */
  #output(name: string, config: { value: unknown; description?: string }): TerraformOutput {
    const output = new TerraformOutput(this, name, config);
    output.overrideLogicalId(name);
    return output;
  }

  #nextGrant(role: IamRole): string {
    this.#grants += 1;
    return `${role.node.id.replace(/[^A-Za-z0-9-]/g, '-')}-${this.#grants}`;
  }
}
