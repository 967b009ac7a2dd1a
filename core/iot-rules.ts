/**
 * The IoT topic rules of a stage, defined once: infra deploys each as an `aws_iot_topic_rule` with a Lambda action
 * (and the `aws_lambda_permission` that lets IoT invoke the function), and the emulator's rules engine
 * (local/emulator/rules) runs the same SQL against the same function locally.
 */
import type { FunctionName } from './access/model.js';
import { type Deployment, topicsOf } from './deployment.js';

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

/**
 * The connect and disconnect lifecycle events of this stage's clients go to the presence function. Lifecycle events
 * are account-wide, so the rule keeps to client ids of the stage (`<app>.<stage>.`, core/topics.ts): another stage's
 * or another app's clients never invoke this stage's function.
 */
export function presenceRule(d: Pick<Deployment, 'app' | 'stage'>): TopicRuleDefinition {
  return {
    purpose: 'presence',
    description: `IoT lifecycle events (connected/disconnected) of ${d.app}/${d.stage} clients to the presence function: who is online`,
    sql: `SELECT * FROM '$aws/events/presence/+/+' WHERE startswith(clientId, '${topicsOf(d).clientIdPrefix()}')`,
    sqlVersion: '2016-03-23',
    lambda: 'presence-events',
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
