/**
 * The IoT topic rules of core/iot-rules.ts (the emulator's rules engine runs the same definitions): each an
 * `aws_iot_topic_rule` whose one action is an SQS action into the rule's queue ("SQS" rule action, AWS IoT developer
 * guide: "An IAM role that AWS IoT can assume to perform the sqs:SendMessage operation"; the selected JSON is the
 * message body, `use_base64` false), and an error action: when IoT cannot send (the role or queue refuses, the queue
 * is throttled), the event and the reason go to the failures queue ("Error handling (error action)"). Both roles come
 * from the access model, trusted by iot.amazonaws.com for this account's rules only.
 */
import { IamRole } from '@cdktn/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktn/provider-aws/lib/iam-role-policy/index.js';
import { IotTopicRule } from '@cdktn/provider-aws/lib/iot-topic-rule/index.js';
import type { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue/index.js';
import { Construct } from 'constructs';
import type { RoleDefinition } from '../../core/access/model.js';
import type { Deployment } from '../../core/deployment.js';
import { type TopicRuleDefinition, topicRuleName } from '../../core/iot-rules.js';
import { policyJson } from '../terraform-json.js';

export interface TopicRuleTarget {
  definition: TopicRuleDefinition;
  /** The queue the rule's SQS action sends to (the queue of `definition.queue`). */
  queue: SqsQueue;
  /** The role IoT assumes for the SQS action (sqs:SendMessage on that queue). */
  role: RoleDefinition;
}

export interface TopicRulesProps {
  deployment: Deployment;
  rules: readonly TopicRuleTarget[];
  /** Where a rule's failed actions go, and the role (from the access model) IoT uses to send them there. */
  errors: { queue: SqsQueue; role: RoleDefinition };
}

export class TopicRules extends Construct {
  readonly rules = new Map<TopicRuleDefinition, IotTopicRule>();

  constructor(scope: Construct, id: string, props: TopicRulesProps) {
    super(scope, id);
    const errorRole = this.#role('error-role', props.errors.role);
    for (const { definition: rule, queue, role } of props.rules) {
      const actionRole = this.#role(`${rule.purpose}-role`, role);
      const topicRule = new IotTopicRule(this, rule.purpose, {
        name: topicRuleName(props.deployment, rule),
        description: rule.description,
        enabled: true,
        sql: rule.sql,
        sqlVersion: rule.sqlVersion,
        sqs: [{ queueUrl: queue.url, roleArn: actionRole.role.arn, useBase64: false }],
        errorAction: { sqs: { queueUrl: props.errors.queue.url, roleArn: errorRole.role.arn, useBase64: false } },
        // IoT assumes the roles from the first matching message on: their policies must exist by then.
        dependsOn: [...actionRole.policies, ...errorRole.policies],
      });
      this.rules.set(rule, topicRule);
    }
  }

  #role(id: string, definition: RoleDefinition): { role: IamRole; policies: IamRolePolicy[] } {
    const role = new IamRole(this, id, { name: definition.name, assumeRolePolicy: policyJson(definition.trust) });
    const policies = definition.policies.map(
      (p) => new IamRolePolicy(this, `${id}-${p.name}`, { role: role.id, name: p.name, policy: policyJson(p.document) }),
    );
    return { role, policies };
  }
}
