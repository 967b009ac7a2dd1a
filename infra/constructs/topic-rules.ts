/**
 * The IoT topic rules of core/iot-rules.ts (the emulator's rules engine runs the same definitions): each an
 * `aws_iot_topic_rule` with its Lambda action, the `aws_lambda_permission` that lets IoT invoke the function for this
 * rule of this account only ("Lambda" rule action, AWS IoT developer guide: without source-arn or source-account
 * "any AWS account that creates a rule with your Lambda action can trigger rules to invoke your Lambda function"), and
 * an error action: when IoT cannot invoke the function (no permission, throttled), the event and the reason go to the
 * failures queue ("Error handling (error action)"), with a role IoT assumes for it.
 */
import { IamRole } from '@cdktn/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktn/provider-aws/lib/iam-role-policy/index.js';
import { IotTopicRule } from '@cdktn/provider-aws/lib/iot-topic-rule/index.js';
import type { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function/index.js';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission/index.js';
import type { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue/index.js';
import { Construct } from 'constructs';
import type { FunctionName, RoleDefinition } from '../../core/access/model.js';
import type { Deployment } from '../../core/deployment.js';
import { type TopicRuleDefinition, topicRuleName } from '../../core/iot-rules.js';
import { policyJson } from '../terraform-json.js';

export interface TopicRulesProps {
  deployment: Deployment;
  rules: readonly TopicRuleDefinition[];
  functionOf(name: FunctionName): LambdaFunction;
  /** Where a rule's failed actions go, and the role (from the access model) IoT uses to send them there. */
  errors: { queue: SqsQueue; role: RoleDefinition };
}

export class TopicRules extends Construct {
  readonly rules = new Map<TopicRuleDefinition, IotTopicRule>();

  constructor(scope: Construct, id: string, props: TopicRulesProps) {
    super(scope, id);
    const errorRole = new IamRole(this, 'error-role', { name: props.errors.role.name, assumeRolePolicy: policyJson(props.errors.role.trust) });
    const errorPolicies = props.errors.role.policies.map(
      (p) => new IamRolePolicy(this, `error-role-${p.name}`, { role: errorRole.id, name: p.name, policy: policyJson(p.document) }),
    );
    for (const rule of props.rules) {
      const target = props.functionOf(rule.lambda);
      const topicRule = new IotTopicRule(this, rule.purpose, {
        name: topicRuleName(props.deployment, rule),
        description: rule.description,
        enabled: true,
        sql: rule.sql,
        sqlVersion: rule.sqlVersion,
        lambda: [{ functionArn: target.arn }],
        errorAction: { sqs: { queueUrl: props.errors.queue.url, roleArn: errorRole.arn, useBase64: false } },
        // IoT assumes the role when an action fails: it must be able to send by then.
        dependsOn: errorPolicies,
      });
      new LambdaPermission(this, `${rule.purpose}-invoke`, {
        statementId: 'AllowIotTopicRuleInvoke',
        action: 'lambda:InvokeFunction',
        functionName: target.functionName,
        principal: 'iot.amazonaws.com',
        sourceArn: topicRule.arn,
        sourceAccount: props.deployment.accountId,
      });
      this.rules.set(rule, topicRule);
    }
  }
}
