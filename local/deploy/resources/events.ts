/**
 * EventBridge (the app's bus, its rules and their targets), the managed IAM policies producers attach, and the SQS
 * queue policies a dead-letter queue needs: created in the emulator's EventBridge, account and SQS services.
 */
import * as v from 'valibot';
import type { PolicyDocument } from '../../../core/policy/document.js';
import { checkQueuePolicy } from '../../emulator/services/sqs/service.js';
import { block, optNum, optStr, resourceType, str, tags } from '../resource-type.js';

function parsePolicy(text: string, where: string): PolicyDocument {
  try {
    return JSON.parse(text) as PolicyDocument;
  } catch {
    throw new Error(`MalformedPolicyDocument: ${where} is not JSON`);
  }
}

export const eventBus = resourceType({
  type: 'aws_cloudwatch_event_bus',
  mode: 'managed',
  schema: v.strictObject({ name: str(), description: optStr(), tags: tags() }),
  apply(args, { emulator }) {
    const bus = emulator.events.createEventBus(args.name);
    return { id: bus.name, name: bus.name, arn: bus.arn };
  },
});

export const eventRule = resourceType({
  type: 'aws_cloudwatch_event_rule',
  mode: 'managed',
  schema: v.strictObject({
    name: str(),
    description: optStr(),
    event_bus_name: optStr(),
    event_pattern: str(),
    state: v.optional(v.picklist(['ENABLED', 'DISABLED'])),
    tags: tags(),
  }),
  apply(args, { emulator }) {
    const busName = args.event_bus_name ?? 'default';
    const rule = emulator.events.putRule({ name: args.name, busName, pattern: args.event_pattern, enabled: (args.state ?? 'ENABLED') === 'ENABLED' });
    // Terraform: the id of a rule on a custom bus is `<bus>/<rule>`.
    return { id: busName === 'default' ? rule.name : `${rule.bus.name}/${rule.name}`, name: rule.name, arn: rule.arn };
  },
});

export const eventTarget = resourceType({
  type: 'aws_cloudwatch_event_target',
  mode: 'managed',
  schema: v.strictObject({
    rule: str(),
    event_bus_name: optStr(),
    target_id: str(),
    arn: str(),
    retry_policy: v.optional(block({ maximum_event_age_in_seconds: optNum(), maximum_retry_attempts: optNum() })),
    dead_letter_config: v.optional(block({ arn: str() })),
  }),
  apply(args, { emulator }) {
    const busName = args.event_bus_name ?? 'default';
    const rule = emulator.events.rule(busName, args.rule);
    if (!rule) throw new Error(`ResourceNotFoundException: Rule ${args.rule} does not exist on EventBus ${busName}.`);
    const retry = args.retry_policy;
    const target = emulator.events.putTarget(rule, {
      id: args.target_id,
      arn: args.arn,
      retryPolicy: {
        ...(retry?.maximum_retry_attempts !== undefined ? { maximumRetryAttempts: retry.maximum_retry_attempts } : {}),
        ...(retry?.maximum_event_age_in_seconds !== undefined ? { maximumEventAgeSeconds: retry.maximum_event_age_in_seconds } : {}),
      },
      ...(args.dead_letter_config ? { deadLetterArn: args.dead_letter_config.arn } : {}),
    });
    return { id: `${busName}-${rule.name}-${target.id}`, target_id: target.id, arn: target.arn };
  },
});

/** SQS SetQueueAttributes Policy: the queue's access policy (what lets EventBridge write to a dead-letter queue). */
export const sqsQueuePolicy = resourceType({
  type: 'aws_sqs_queue_policy',
  mode: 'managed',
  schema: v.strictObject({ queue_url: str(), policy: str() }),
  apply(args, { emulator }) {
    const queue = emulator.sqs.queueByUrl(args.queue_url);
    if (!queue) throw new Error(`AWS.SimpleQueueService.NonExistentQueue: the queue ${args.queue_url} does not exist`);
    const document = parsePolicy(args.policy, 'the queue policy');
    try {
      checkQueuePolicy(document);
    } catch (error) {
      throw new Error(`InvalidAttributeValue: ${(error as Error).message}`);
    }
    queue.policy = document;
    return { id: queue.url, queue_url: queue.url };
  },
});
