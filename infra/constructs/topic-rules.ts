/**
 * The IoT topic rules of core/iot-rules.ts (the emulator's rules engine runs the same definitions): each an
 * `aws_iot_topic_rule` with its Lambda action, and the `aws_lambda_permission` that lets IoT invoke the function for
 * this rule of this account only ("Lambda" rule action, AWS IoT developer guide: without source-arn or source-account
 * "any AWS account that creates a rule with your Lambda action can trigger rules to invoke your Lambda function").
 */
import { IotTopicRule } from '@cdktn/provider-aws/lib/iot-topic-rule/index.js';
import type { LambdaFunction } from '@cdktn/provider-aws/lib/lambda-function/index.js';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission/index.js';
import { Construct } from 'constructs';
import type { FunctionName } from '../../core/access/model.js';
import type { Deployment } from '../../core/deployment.js';
import { type TopicRuleDefinition, topicRuleName } from '../../core/iot-rules.js';

export interface TopicRulesProps {
  deployment: Deployment;
  rules: readonly TopicRuleDefinition[];
  functionOf(name: FunctionName): LambdaFunction;
}

export class TopicRules extends Construct {
  readonly rules = new Map<TopicRuleDefinition, IotTopicRule>();

  constructor(scope: Construct, id: string, props: TopicRulesProps) {
    super(scope, id);
    for (const rule of props.rules) {
      const target = props.functionOf(rule.lambda);
      const topicRule = new IotTopicRule(this, rule.purpose, {
        name: topicRuleName(props.deployment, rule),
        description: rule.description,
        enabled: true,
        sql: rule.sql,
        sqlVersion: rule.sqlVersion,
        lambda: [{ functionArn: target.arn }],
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
