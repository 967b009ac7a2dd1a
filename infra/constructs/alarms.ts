/**
 * The stage's alarms and where they notify: one SNS topic (email and/or https subscription from the stage config),
 * and CloudWatch alarms that fire on the first occurrence of what should never happen quietly: a message in a
 * dead-letter queue, a function error or throttle, an IoT publish that failed.
 *
 * The topic is not encrypted with the AWS managed SNS key: CloudWatch needs kms:GenerateDataKey* and kms:Decrypt on the
 * topic's key, which only a customer managed key's policy can grant ("Enable compatibility between event sources from
 * AWS services and encrypted topics", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
 */
import { CloudwatchMetricAlarm } from '@cdktn/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SnsTopic } from '@cdktn/provider-aws/lib/sns-topic/index.js';
import { SnsTopicSubscription } from '@cdktn/provider-aws/lib/sns-topic-subscription/index.js';
import { Construct } from 'constructs';

export interface AlarmsProps {
  namePrefix: string;
  subscriptions: { email?: string; httpsUrl?: string };
}

/** Period of every alarm: 5 minutes, one breaching period (SQS publishes its metrics every minute, Lambda's too). */
const PERIOD_SECONDS = 300;

export class Alarms extends Construct {
  readonly topic: SnsTopic;
  readonly #prefix: string;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.#prefix = props.namePrefix;
    this.topic = new SnsTopic(this, 'topic', { name: `${props.namePrefix}-alarms` });
    // Email subscriptions stay pending until the recipient confirms the message SNS sends them.
    if (props.subscriptions.email)
      new SnsTopicSubscription(this, 'email', { topicArn: this.topic.arn, protocol: 'email', endpoint: props.subscriptions.email });
    if (props.subscriptions.httpsUrl)
      new SnsTopicSubscription(this, 'https', { topicArn: this.topic.arn, protocol: 'https', endpoint: props.subscriptions.httpsUrl });
  }

  /** A dead-letter queue holds a message: something failed every retry (the message stays there for redrive). */
  deadLetterQueue(id: string, queueName: string): CloudwatchMetricAlarm {
    return this.#alarm(id, {
      alarmName: `${this.#prefix}-${id}-dlq-not-empty`,
      alarmDescription: `Messages in the dead-letter queue ${queueName}: inspect them, fix the cause, then redrive them`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queueName },
      statistic: 'Maximum',
    });
  }

  /**
   * A topic rule's action failed (AWS/IoT `Failure`, dimension RuleName: "the number of failed rule action
   * invocations", AWS IoT developer guide, "Rule action metrics"); the event is in the failures queue as well.
   */
  topicRuleFailures(purpose: string, ruleName: string): CloudwatchMetricAlarm {
    return this.#alarm(`rule-${purpose}-failures`, {
      alarmName: `${this.#prefix}-rule-${purpose}-failures`,
      alarmDescription: `Actions of the IoT topic rule ${ruleName} failed: see the presence failures queue for the events and reasons`,
      namespace: 'AWS/IoT',
      metricName: 'Failure',
      dimensions: { RuleName: ruleName },
      statistic: 'Sum',
    });
  }

  /** A function failed (an unhandled error or a timeout; HTTP functions answer domain errors themselves). */
  functionErrors(id: string, functionName: string): CloudwatchMetricAlarm {
    return this.#alarm(`${id}-errors`, {
      alarmName: `${this.#prefix}-${id}-errors`,
      alarmDescription: `Invocation errors of ${functionName}`,
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: functionName },
      statistic: 'Sum',
    });
  }

  /** Lambda refused an invocation for lack of concurrency. */
  functionThrottles(id: string, functionName: string): CloudwatchMetricAlarm {
    return this.#alarm(`${id}-throttles`, {
      alarmName: `${this.#prefix}-${id}-throttles`,
      alarmDescription: `Throttled invocations of ${functionName}`,
      namespace: 'AWS/Lambda',
      metricName: 'Throttles',
      dimensions: { FunctionName: functionName },
      statistic: 'Sum',
    });
  }

  /** One of the app's own metrics (functions/shared/metric-names.ts) went above zero. */
  appMetric(id: string, metric: { namespace: string; name: string; dimensions: Record<string, string>; description: string }): CloudwatchMetricAlarm {
    return this.#alarm(id, {
      alarmName: `${this.#prefix}-${id}`,
      alarmDescription: metric.description,
      namespace: metric.namespace,
      metricName: metric.name,
      dimensions: metric.dimensions,
      statistic: 'Sum',
    });
  }

  #alarm(
    id: string,
    metric: {
      alarmName: string;
      alarmDescription: string;
      namespace: string;
      metricName: string;
      dimensions: Record<string, string>;
      statistic: 'Sum' | 'Maximum';
    },
  ): CloudwatchMetricAlarm {
    return new CloudwatchMetricAlarm(this, id, {
      ...metric,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: 0,
      period: PERIOD_SECONDS,
      evaluationPeriods: 1,
      // No data means nothing happened (no errors, no messages): not a reason to alarm.
      treatMissingData: 'notBreaching',
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
  }
}
