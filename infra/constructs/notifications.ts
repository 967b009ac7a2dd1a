/**
 * Notifications in from any backend (core/contracts/notifications.ts): the app's EventBridge bus, each rule of
 * core/event-rules.ts with its function as target (a retry policy and a dead-letter queue), the permissions between
 * them, and the managed policy producers attach to put events on the bus.
 * - The target's function may be invoked by EventBridge for that rule of this account only (aws_lambda_permission with
 *   source_arn: "Using resource-based policies for Amazon EventBridge", Lambda permissions).
 * - EventBridge writes undeliverable events to the dead-letter queue only if the queue's policy allows the events
 *   service principal for those rules ("Granting permissions to the dead-letter queue").
 * - The function's own failures are Lambda's: retried twice (asynchronous invocation), then sent to the same queue as
 *   its on-failure destination, which the function's role may send to (core/access/model.ts).
 */
import { CloudwatchEventBus } from '@cdktn/provider-aws/lib/cloudwatch-event-bus/index.js';
import { CloudwatchEventRule } from '@cdktn/provider-aws/lib/cloudwatch-event-rule/index.js';
import { CloudwatchEventTarget } from '@cdktn/provider-aws/lib/cloudwatch-event-target/index.js';
import { IamPolicy } from '@cdktn/provider-aws/lib/iam-policy/index.js';
import { LambdaFunctionEventInvokeConfig } from '@cdktn/provider-aws/lib/lambda-function-event-invoke-config/index.js';
import { LambdaPermission } from '@cdktn/provider-aws/lib/lambda-permission/index.js';
import { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue/index.js';
import { SqsQueuePolicy } from '@cdktn/provider-aws/lib/sqs-queue-policy/index.js';
import { Construct } from 'constructs';
import type { FunctionName } from '../../core/access/model.js';
import { eventBridgeDeadLetterQueuePolicy } from '../../core/access/service-policies.js';
import type { Deployment } from '../../core/deployment.js';
import { type EventRuleDefinition, eventBusName, eventRuleName, notificationFailuresQueueName } from '../../core/event-rules.js';
import type { NamedPolicy } from '../../core/policy/evaluator.js';
import { policyJson } from '../terraform-json.js';
import type { RealtimeFunction } from './lambda-function.js';

export interface NotificationsProps {
  deployment: Deployment;
  rules: readonly EventRuleDefinition[];
  functionOf(name: FunctionName): RealtimeFunction;
  /** The managed policy of producers (the access model's notificationProducerPolicy). */
  producerPolicy: NamedPolicy;
}

export class Notifications extends Construct {
  readonly bus: CloudwatchEventBus;
  readonly deadLetterQueue: SqsQueue;
  /** The dead-letter queue's name, a literal known at synth time (alarms name it). */
  readonly deadLetterQueueName: string;
  readonly rules = new Map<EventRuleDefinition, CloudwatchEventRule>();
  /** `events:PutEvents` on the bus: attach it to a producer's role (Realtime.grantNotify does). */
  readonly producerPolicy: IamPolicy;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    const d = props.deployment;
    this.bus = new CloudwatchEventBus(this, 'bus', { name: eventBusName(d) });
    this.deadLetterQueueName = notificationFailuresQueueName(d);
    // Kept 14 days (SQS's longest) for inspection and redrive; alarmed when not empty.
    this.deadLetterQueue = new SqsQueue(this, 'failures', {
      name: this.deadLetterQueueName,
      messageRetentionSeconds: 14 * 24 * 3600,
      sqsManagedSseEnabled: true,
    });
    this.producerPolicy = new IamPolicy(this, 'producer-policy', {
      name: props.producerPolicy.name,
      description: `Put notification events on ${eventBusName(d)} (iot-realtime ${d.app}/${d.stage})`,
      policy: policyJson(props.producerPolicy.document),
    });

    const asyncConfigured = new Set<FunctionName>();
    for (const rule of props.rules) {
      const target = props.functionOf(rule.target);
      const eventRule = new CloudwatchEventRule(this, rule.purpose, {
        name: eventRuleName(d, rule),
        description: rule.description,
        eventBusName: this.bus.name,
        eventPattern: JSON.stringify(rule.pattern),
        state: 'ENABLED',
      });
      this.rules.set(rule, eventRule);
      const permission = new LambdaPermission(this, `${rule.purpose}-invoke`, {
        statementId: 'AllowEventBridgeRuleInvoke',
        action: 'lambda:InvokeFunction',
        functionName: target.function.functionName,
        principal: 'events.amazonaws.com',
        sourceArn: eventRule.arn,
      });
      new CloudwatchEventTarget(this, `${rule.purpose}-target`, {
        rule: eventRule.name,
        eventBusName: this.bus.name,
        targetId: rule.target,
        arn: target.function.arn,
        retryPolicy: { maximumRetryAttempts: rule.retry.maximumRetryAttempts, maximumEventAgeInSeconds: rule.retry.maximumEventAgeSeconds },
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
        dependsOn: [permission],
      });
      if (!asyncConfigured.has(rule.target)) {
        asyncConfigured.add(rule.target);
        // Lambda checks the role may send to the destination when the configuration is saved: after its policies.
        new LambdaFunctionEventInvokeConfig(this, `${rule.target}-async`, {
          functionName: target.function.functionName,
          maximumRetryAttempts: 2,
          maximumEventAgeInSeconds: 3600,
          destinationConfig: { onFailure: { destination: this.deadLetterQueue.arn } },
          dependsOn: target.rolePolicies,
        });
      }
    }
    new SqsQueuePolicy(this, 'failures-policy', {
      queueUrl: this.deadLetterQueue.url,
      policy: policyJson(
        eventBridgeDeadLetterQueuePolicy(
          this.deadLetterQueue.arn,
          [...this.rules.values()].map((r) => r.arn),
        ),
      ),
    });
  }
}
