/**
 * The app's EventBridge bus and its rules, defined once: infra deploys the bus, each rule with its pattern, its target
 * (a function, invoked asynchronously) with a retry policy and a dead-letter queue, and the permissions between them;
 * the emulator's EventBridge (local/emulator/services/events) matches the same patterns and invokes the same function
 * locally. Producers are allowed onto the bus by the managed policy of core/access/service-policies.ts
 * (notificationProducerPolicy).
 */
import type { FunctionName } from './access/model.js';
import { NOTIFICATION_AUDIENCES, NOTIFICATION_DETAIL_TYPE } from './contracts/notifications.js';
import { type Deployment, resourceName } from './deployment.js';

/** An EventBridge event pattern ("Amazon EventBridge event patterns"): JSON, fields matched by lists of values. */
export type EventPattern = { readonly [field: string]: EventPattern | readonly unknown[] };

export interface EventRuleDefinition {
  /** `<app>-<stage>-<purpose>` is the rule's name. */
  purpose: string;
  description: string;
  pattern: EventPattern;
  /** The rule's one target: this function, invoked asynchronously with the matched event. */
  target: FunctionName;
  /**
   * PutTargets RetryPolicy: how long and how often EventBridge retries a target it could not invoke (throttled,
   * unavailable) before the event goes to the dead-letter queue ("Retry policies and dead-letter queues": attempts
   * 0-185, age 60-86400 s).
   */
  retry: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
}

/** `<app>-<stage>-events`: the app's own event bus (custom buses hold custom events only). */
export function eventBusName(d: Pick<Deployment, 'app' | 'stage'>): string {
  return resourceName(d, 'events');
}

/** `arn:aws:events:<region>:<account>:event-bus/<name>` (Service Authorization Reference, EventBridge resource type event-bus). */
export function eventBusArn(d: Pick<Deployment, 'app' | 'stage' | 'region' | 'accountId'>): string {
  return `arn:aws:events:${d.region}:${d.accountId}:event-bus/${eventBusName(d)}`;
}

/**
 * Notification events (core/contracts/notifications.ts) to the notify function. The pattern keeps to what the function
 * can deliver: the notification detail-type, a recipient of a known kind and a type; anything else on the bus stays
 * with whatever other rules the app adds.
 */
export function notificationRule(_d: Pick<Deployment, 'app' | 'stage'>): EventRuleDefinition {
  return {
    purpose: 'notifications',
    description: 'Notification events (detail-type "Realtime Notification") to the notify function, which pushes them to the pages',
    pattern: {
      'detail-type': [NOTIFICATION_DETAIL_TYPE],
      detail: { to: { kind: [...NOTIFICATION_AUDIENCES] }, type: [{ exists: true }] },
    },
    target: 'notify',
    // Invocation failures (Lambda throttling the asynchronous invoke) are retried for up to an hour; the function's own
    // errors are Lambda's to retry (its asynchronous invocation config) and end in the same dead-letter queue.
    retry: { maximumRetryAttempts: 8, maximumEventAgeSeconds: 3600 },
  };
}

export function eventRules(d: Pick<Deployment, 'app' | 'stage'>): readonly EventRuleDefinition[] {
  return [notificationRule(d)];
}

/** EventBridge: a rule name is 1-64 of `[\.\-_A-Za-z0-9]` (PutRule Name). */
export function eventRuleName(d: Pick<Deployment, 'app' | 'stage'>, rule: Pick<EventRuleDefinition, 'purpose'>): string {
  return resourceName(d, rule.purpose);
}

/** A rule on a custom bus: `arn:aws:events:<region>:<account>:rule/<bus>/<rule>` (resource type rule-on-custom-event-bus). */
export function eventRuleArn(d: Deployment, rule: Pick<EventRuleDefinition, 'purpose'>): string {
  return `arn:aws:events:${d.region}:${d.accountId}:rule/${eventBusName(d)}/${eventRuleName(d, rule)}`;
}

/** Where notifications that could not be delivered land: EventBridge's dead-letter queue and the notify function's on-failure destination. */
export function notificationFailuresQueueName(d: Pick<Deployment, 'app' | 'stage'>): string {
  return resourceName(d, 'notify-failures');
}

export function notificationFailuresQueueArn(d: Pick<Deployment, 'app' | 'stage' | 'region' | 'accountId'>): string {
  return `arn:aws:sqs:${d.region}:${d.accountId}:${notificationFailuresQueueName(d)}`;
}
