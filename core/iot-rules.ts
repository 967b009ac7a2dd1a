/**
 * The IoT topic rules of a stage, defined once: infra deploys each as an `aws_iot_topic_rule` with a Lambda action
 * (and the `aws_lambda_permission` that lets IoT invoke the function), and the emulator's rules engine
 * (local/emulator/rules) runs the same SQL against the same function locally.
 */
import type { FunctionName } from './access/model.js';
import type { Deployment } from './deployment.js';

/** IoT: the SQL versions of the rules engine ("SQL versions", AWS IoT developer guide); the SQL below uses neither's extras. */
export type IotSqlVersion = '2015-10-08' | '2016-03-23';

export interface TopicRuleDefinition {
  /** `<app>_<stage>_<purpose>` is the rule name. */
  purpose: string;
  description: string;
  /** AWS IoT SQL: SELECT ... FROM '<topic filter>' [WHERE ...]. */
  sql: string;
  sqlVersion: IotSqlVersion;
  /** The rule's one action: a Lambda action invoking this function (asynchronously) with the selected JSON. */
  lambda: FunctionName;
}

/** Every connect and disconnect lifecycle event of the account goes to the presence function. */
export const PRESENCE_RULE: TopicRuleDefinition = {
  purpose: 'presence',
  description: 'IoT lifecycle events (connected/disconnected) to the presence function: who is online',
  sql: "SELECT * FROM '$aws/events/presence/+/+'",
  sqlVersion: '2016-03-23',
  lambda: 'presence-events',
};

export const TOPIC_RULES: readonly TopicRuleDefinition[] = [PRESENCE_RULE];

/** IoT: a rule name is 1-128 of `[a-zA-Z0-9_]` (CreateTopicRule, TopicRuleListItem.ruleName), so `-` becomes `_`. */
export function topicRuleName(d: Pick<Deployment, 'app' | 'stage'>, rule: Pick<TopicRuleDefinition, 'purpose'>): string {
  return `${d.app}_${d.stage}_${rule.purpose}`.replace(/[^A-Za-z0-9_]/g, '_');
}

export function topicRuleArn(d: Deployment, rule: Pick<TopicRuleDefinition, 'purpose'>): string {
  return `arn:aws:iot:${d.region}:${d.accountId}:rule/${topicRuleName(d, rule)}`;
}
