/**
 * The IoT topic rules of a stage, defined once: infra deploys each as an `aws_iot_topic_rule` whose one action is an
 * SQS action into the stage's queue of the rule (consumed by a function through an event source mapping,
 * functions/catalog.ts), and the emulator's rules engine (local/emulator/rules), fed the same synthesized rule, runs
 * the same SQL into the same queue locally.
 *
 * Why a queue rather than a Lambda action: "AWS IoT invokes Lambda functions asynchronously" (Lambda rule action), one
 * invocation per matching message, so a connection flood becomes as many invocations as lifecycle events. Through a
 * queue the function receives them in batches (up to the mapping's batch size per invocation, at most its maximum
 * concurrency at a time: "Configuring scaling behavior for SQS event source mappings"), records one user's burst at
 * once, and what it cannot take yet waits in the queue, bounded by the queue's retention and redrive policy.
 */
import { type Deployment, topicsOf } from './deployment.js';

/** IoT: the SQL versions of the rules engine ("SQL versions", AWS IoT developer guide); the SQL below uses neither's extras. */
export type IotSqlVersion = '2015-10-08' | '2016-03-23';

/** The queue the presence rule fills and the presence-events function consumes (`<app>-<stage>-presence-events`). */
export const PRESENCE_EVENTS_QUEUE_PURPOSE = 'presence-events';

export interface TopicRuleDefinition {
  /** `<app>_<stage>_<purpose>` is the rule name. */
  purpose: string;
  description: string;
  /** AWS IoT SQL: SELECT ... FROM '<topic filter>' [WHERE ...]. */
  sql: string;
  sqlVersion: IotSqlVersion;
  /**
   * The rule's one action: an SQS action ("SQS" rule action, AWS IoT developer guide) sending each selected JSON
   * document, as the message body (useBase64 false), to the stage's queue of this purpose (`<app>-<stage>-<queue>`).
   */
  queue: string;
}

/**
 * The connect and disconnect lifecycle events of this stage's clients go to the presence function, through its queue.
 * Lifecycle events are account-wide, so the rule keeps to client ids of the stage (`<app>.<stage>.`, core/topics.ts):
 * another stage's or another app's clients never reach this stage's queue.
 */
export function presenceRule(d: Pick<Deployment, 'app' | 'stage'>): TopicRuleDefinition {
  return {
    purpose: 'presence',
    description: `IoT lifecycle events (connected/disconnected) of ${d.app}/${d.stage} clients to the presence function's queue: who is online`,
    sql: `SELECT * FROM '$aws/events/presence/+/+' WHERE startswith(clientId, '${topicsOf(d).clientIdPrefix()}')`,
    sqlVersion: '2016-03-23',
    queue: PRESENCE_EVENTS_QUEUE_PURPOSE,
  };
}

export function topicRules(d: Pick<Deployment, 'app' | 'stage'>): readonly TopicRuleDefinition[] {
  return [presenceRule(d)];
}

/** IoT: a rule name is 1-128 of `[a-zA-Z0-9_]` (CreateTopicRule, TopicRuleListItem.ruleName), so `-` becomes `_`. */
export function topicRuleName(d: Pick<Deployment, 'app' | 'stage'>, rule: Pick<TopicRuleDefinition, 'purpose'>): string {
  return `${d.app}_${d.stage}_${rule.purpose}`.replace(/[^A-Za-z0-9_]/g, '_');
}

export function topicRuleArn(d: Deployment, rule: Pick<TopicRuleDefinition, 'purpose'>): string {
  return `arn:aws:iot:${d.region}:${d.accountId}:rule/${topicRuleName(d, rule)}`;
}
