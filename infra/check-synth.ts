/** CI: checks that the Terraform JSON `npm run synth` wrote has every resource the stack must provision. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventRules as stageEventRules } from '../core/event-rules.js';
import { topicRules as stageTopicRules } from '../core/iot-rules.js';
import { TABLES } from '../core/store/tables.js';
import { FUNCTIONS, functionDefinition, WORK_QUEUES } from '../functions/catalog.js';
import { REPO_ROOT } from './build-functions.js';

const app = process.env.APP_NAME ?? 'iot-realtime';
const stage = process.env.STAGE ?? 'dev';
const stack = `${app}-${stage}`;
const TOPIC_RULES = stageTopicRules({ app, stage });
const EVENT_RULES = stageEventRules({ app, stage });
const file = join(REPO_ROOT, 'infra', 'cdktf.out', 'stacks', stack, 'cdk.tf.json');
const json = JSON.parse(readFileSync(file, 'utf8')) as { resource: Record<string, Record<string, Record<string, unknown>>>; data: Record<string, unknown> };
const count = (type: string) => Object.keys(json.resource[type] ?? {}).length;
const integrated = FUNCTIONS.filter((f) => f.routes).length;
const routes = FUNCTIONS.reduce((n, f) => n + (f.routes?.length ?? 0), 0);
// The dead-letter queues (the work queues', the presence failures', the notifications'), errors and throttles per
// function, IoT publish failures, one per topic rule.
const deadLetterQueues = WORK_QUEUES.length + 2;
const alarms = deadLetterQueues + 2 * FUNCTIONS.length + 1 + TOPIC_RULES.length;
const eventRulesSynthesized = Object.values(json.resource.aws_cloudwatch_event_rule ?? {});
const eventTargets = Object.values(json.resource.aws_cloudwatch_event_target ?? {});
const topicRules = Object.values(json.resource.aws_iot_topic_rule ?? {});
const visibilityOf = (purpose: string) =>
  Number(Object.values(json.resource.aws_sqs_queue ?? {}).find((q) => q.name === `${stack}-${purpose}`)?.visibility_timeout_seconds ?? 0);
const expectations: Array<[string, boolean]> = [
  ['data aws_iot_endpoint (iot:Data-ATS)', JSON.stringify(json.data.aws_iot_endpoint ?? {}).includes('"endpoint_type":"iot:Data-ATS"')],
  ['aws_iot_policy', count('aws_iot_policy') === 1],
  ['aws_cognito_user_pool + client', count('aws_cognito_user_pool') === 1 && count('aws_cognito_user_pool_client') === 1],
  ['aws_cognito_identity_pool + roles attachment', count('aws_cognito_identity_pool') === 1 && count('aws_cognito_identity_pool_roles_attachment') === 1],
  [`aws_lambda_function x${FUNCTIONS.length}`, count('aws_lambda_function') === FUNCTIONS.length],
  [`aws_cloudwatch_log_group x${FUNCTIONS.length}`, count('aws_cloudwatch_log_group') === FUNCTIONS.length],
  [
    `aws_iam_role x${FUNCTIONS.length + 4 + TOPIC_RULES.length} (functions, browser client, Cognito x2, IoT rule errors, one per topic rule's action)`,
    count('aws_iam_role') === FUNCTIONS.length + 4 + TOPIC_RULES.length,
  ],
  [
    `aws_sqs_queue x${2 * WORK_QUEUES.length + 2} (${WORK_QUEUES.map((q) => q.purpose).join(', ')}, their dead-letter queues, presence failures, notification failures)`,
    count('aws_sqs_queue') === 2 * WORK_QUEUES.length + 2,
  ],
  [
    `aws_cloudwatch_event_bus x1, aws_cloudwatch_event_rule x${EVENT_RULES.length} with core's patterns`,
    count('aws_cloudwatch_event_bus') === 1 &&
      eventRulesSynthesized.length === EVENT_RULES.length &&
      EVENT_RULES.every((r) => eventRulesSynthesized.some((e) => e.event_pattern === JSON.stringify(r.pattern) && e.state === 'ENABLED')),
  ],
  [
    'event targets have a retry policy and a dead-letter queue whose policy lets EventBridge write to it',
    eventTargets.length === EVENT_RULES.length &&
      eventTargets.every((t) => t.retry_policy !== undefined && JSON.stringify(t.dead_letter_config ?? {}).includes('aws_sqs_queue.')) &&
      count('aws_sqs_queue_policy') === 1 &&
      JSON.stringify(json.resource.aws_sqs_queue_policy ?? {}).includes('events.amazonaws.com'),
  ],
  ["aws_iam_policy x1 (the producers' managed policy: events:PutEvents on the bus)", count('aws_iam_policy') === 1],
  [`aws_lambda_event_source_mapping x${WORK_QUEUES.length}`, count('aws_lambda_event_source_mapping') === WORK_QUEUES.length],
  [
    "event source mappings depend on their consumer role's policies",
    Object.values(json.resource.aws_lambda_event_source_mapping ?? {}).every((m) => JSON.stringify(m.depends_on ?? []).includes('aws_iam_role_policy.')),
  ],
  [
    'topic rules have an SQS error action',
    Object.values(json.resource.aws_iot_topic_rule ?? {}).every((r) => JSON.stringify(r.error_action ?? {}).includes('aws_sqs_queue.')),
  ],
  [`aws_dynamodb_table x${TABLES.length} (${TABLES.map((t) => t.purpose).join(', ')})`, count('aws_dynamodb_table') === TABLES.length],
  [
    `aws_iot_topic_rule x${TOPIC_RULES.length} (${TOPIC_RULES.map((r) => r.purpose).join(', ')}) with their SQL and an SQS action into their queue`,
    topicRules.length === TOPIC_RULES.length &&
      TOPIC_RULES.every((r) =>
        topicRules.some(
          (t) =>
            t.sql === r.sql &&
            t.sql_version === r.sqlVersion &&
            t.enabled === true &&
            t.lambda === undefined &&
            Array.isArray(t.sqs) &&
            t.sqs.length === 1 &&
            JSON.stringify(t.sqs).includes('"use_base64":false') &&
            Object.entries(json.resource.aws_sqs_queue ?? {}).some(
              ([id, q]) => q.name === `${stack}-${r.queue}` && JSON.stringify(t.sqs).includes(`aws_sqs_queue.${id}.url`),
            ),
        ),
      ),
  ],
  ['aws_apigatewayv2_api + $default stage', count('aws_apigatewayv2_api') === 1 && count('aws_apigatewayv2_stage') === 1],
  [
    `aws_apigatewayv2_integration x${integrated}, route x${routes}, lambda_permission x${integrated + EVENT_RULES.length} (API, event rules)`,
    count('aws_apigatewayv2_integration') === integrated &&
      count('aws_apigatewayv2_route') === routes &&
      count('aws_lambda_permission') === integrated + EVENT_RULES.length,
  ],
  ['payload_format_version 2.0 everywhere', Object.values(json.resource.aws_apigatewayv2_integration ?? {}).every((i) => i.payload_format_version === '2.0')],
  ['aws_sns_topic x1 (alarms)', count('aws_sns_topic') === 1],
  [
    `aws_cloudwatch_metric_alarm x${alarms} (${deadLetterQueues} dead-letter queues, errors and throttles of ${FUNCTIONS.length} functions, IoT publish failures, topic rule failures)`,
    count('aws_cloudwatch_metric_alarm') === alarms,
  ],
  [
    'every alarm notifies the alarms topic',
    Object.values(json.resource.aws_cloudwatch_metric_alarm ?? {}).every((a) => JSON.stringify(a.alarm_actions ?? []).includes('aws_sns_topic.')),
  ],
  [
    'every log group has a retention',
    Object.values(json.resource.aws_cloudwatch_log_group ?? {}).every((g) => typeof g.retention_in_days === 'number' && g.retention_in_days > 0),
  ],
  [`queues' visibility >= 6x their consumer's timeout`, WORK_QUEUES.every((q) => visibilityOf(q.purpose) >= 6 * functionDefinition(q.consumer).timeoutSeconds)],
  [
    'event source mappings of batches over 10 records gather them for at least 1 s (Lambda refuses them otherwise)',
    Object.values(json.resource.aws_lambda_event_source_mapping ?? {}).every(
      (m) => Number(m.batch_size ?? 10) <= 10 || Number(m.maximum_batching_window_in_seconds ?? 0) >= 1,
    ),
  ],
  [
    'event source mappings report batch item failures',
    Object.values(json.resource.aws_lambda_event_source_mapping ?? {}).every(
      (m) => JSON.stringify(m.function_response_types) === '["ReportBatchItemFailures"]',
    ),
  ],
];
let failed = 0;
for (const [what, ok] of expectations) {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failed += 1;
}
process.stdout.write(`${expectations.length - failed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
