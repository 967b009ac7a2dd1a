/**
 * The presence rule's target (core/iot-rules.ts): lifecycle events in the two shapes IoT can hand them over:
 * - batches from the presence-events queue, which the rule's SQS action fills and an event source mapping drains
 *   (functions/catalog.ts PRESENCE_EVENTS_QUEUE: up to 100 records, two batches at a time), every record's body one
 *   event: what the stack deploys. A batch is recorded per user: one read and one write per user however many of
 *   their events it holds, and at most one change told per user ("coalesced"), which is what keeps a connection flood
 *   cheap. Records of a user whose events could not be recorded are reported as batch item failures
 *   (ReportBatchItemFailures), so that only they come back;
 * - one event per invocation (a rule's Lambda action, invoked asynchronously: "AWS IoT invokes Lambda functions
 *   asynchronously", Lambda action, AWS IoT developer guide): how the rule delivered before the queue, kept for a
 *   stack that wires it so (bench/hostile/presence-batches.ts compares the two).
 * A malformed event is logged and dropped (a retry would not mend it); a store failure before the events are recorded
 * fails them, so Lambda's retries record them later. Telling the rooms is best effort: once the events are recorded a
 * retry would find them stale, so failures there are logged only.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import * as v from 'valibot';
import { LIFECYCLE_EVENT_TYPES, type LifecycleEvent, LifecycleEventSchema } from '../../core/contracts/lifecycle.js';
import { describeIssue } from '../../core/contracts/validate.js';
import { type AppMetrics, flushMetrics, noMetrics } from '../shared/metrics.js';
import {
  eventsByUser,
  type NotifyDependencies,
  notifyRoomsOfUser,
  type RecordEventDependencies,
  type RecordOutcome,
  recordLifecycleEvent,
  recordLifecycleEventsOfUser,
} from './tracker.js';

export interface PresenceEventsHandlerDependencies extends RecordEventDependencies, NotifyDependencies {
  logger: Logger;
  metrics?: AppMetrics;
}

/** Users of one batch recorded at once (each is a read, a write and perhaps a notification). */
const USERS_IN_PARALLEL = 8;

type Parsed = { kind: 'event'; event: LifecycleEvent } | { kind: 'skip'; reason: 'not-lifecycle' | 'malformed'; problems?: string[] };

/** A lifecycle event, or why not: the rule's `+/+` also matches connect_failed events (a refused CONNECT opened nothing). */
function parseLifecycleEvent(input: unknown): Parsed {
  const eventType = typeof input === 'object' && input !== null ? (input as { eventType?: unknown }).eventType : undefined;
  if (typeof eventType === 'string' && !(LIFECYCLE_EVENT_TYPES as readonly string[]).includes(eventType)) return { kind: 'skip', reason: 'not-lifecycle' };
  const parsed = v.safeParse(LifecycleEventSchema, input);
  if (!parsed.success) return { kind: 'skip', reason: 'malformed', problems: parsed.issues.map(describeIssue) };
  return { kind: 'event', event: parsed.output };
}

const isSqsBatch = (input: unknown): input is { Records: SQSRecord[] } =>
  typeof input === 'object' &&
  input !== null &&
  Array.isArray((input as { Records?: unknown }).Records) &&
  (input as { Records: Array<{ eventSource?: unknown }> }).Records.every((r) => r?.eventSource === 'aws:sqs');

export function createPresenceEventsHandler(deps: PresenceEventsHandlerDependencies) {
  const { logger, metrics = noMetrics } = deps;

  /** Tells the user's rooms, when their online state changed; never throws. */
  async function tell(recorded: Extract<RecordOutcome, { outcome: 'recorded' }>): Promise<void> {
    if (!recorded.changed) return;
    try {
      const report = await notifyRoomsOfUser(recorded.userId, recorded.online, deps);
      if (report.truncated) logger.warn('presence change told to the first inboxes only (PRESENCE_MAX_NOTIFICATIONS)', { userId: recorded.userId, ...report });
      else if (report.failed > 0) logger.warn('presence change not delivered to some inboxes', { userId: recorded.userId, ...report });
      else logger.info('presence change delivered', { userId: recorded.userId, online: recorded.online, ...report });
    } catch (error) {
      logger.error('presence change not delivered: the rooms of the user could not be read', { userId: recorded.userId, online: recorded.online, error });
    }
  }

  async function one(input: unknown): Promise<undefined> {
    const parsed = parseLifecycleEvent(input);
    if (parsed.kind === 'skip') {
      if (parsed.reason === 'malformed') logger.warn('not a lifecycle event; dropped', { problems: parsed.problems });
      else logger.debug('lifecycle event ignored', { eventType: (input as { eventType?: unknown }).eventType });
      return undefined;
    }
    const { event } = parsed;
    const recorded = await recordLifecycleEvent(event, deps);
    if (recorded.outcome !== 'recorded') {
      logger.debug(`lifecycle event ${recorded.outcome}`, { clientId: event.clientId, eventType: event.eventType, versionNumber: event.versionNumber });
      return undefined;
    }
    logger.info('connection recorded', {
      userId: recorded.userId,
      clientId: event.clientId,
      eventType: event.eventType,
      online: recorded.online,
      changed: recorded.changed,
    });
    await tell(recorded);
    return undefined;
  }

  async function batch(records: readonly SQSRecord[]): Promise<SQSBatchResponse> {
    const events: LifecycleEvent[] = [];
    const recordOf = new Map<LifecycleEvent, string>();
    for (const record of records) {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        body = undefined;
      }
      const parsed = parseLifecycleEvent(body);
      if (parsed.kind === 'skip') {
        if (parsed.reason === 'malformed')
          logger.warn('not a lifecycle event; dropped', { messageId: record.messageId, problems: parsed.problems ?? ['not JSON'] });
        continue;
      }
      events.push(parsed.event);
      recordOf.set(parsed.event, record.messageId);
    }
    const { byUser } = eventsByUser(events, deps.topics);
    const failures: string[] = [];
    const users = [...byUser.entries()];
    const work = async () => {
      for (let next = users.shift(); next !== undefined; next = users.shift()) {
        const [userId, own] = next;
        try {
          const recorded = await recordLifecycleEventsOfUser(userId, own, deps);
          if (recorded.outcome === 'recorded') await tell(recorded);
        } catch (error) {
          logger.warn('lifecycle events not recorded; their records come back', { userId, events: own.length, error });
          for (const event of own) failures.push(recordOf.get(event)!);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(USERS_IN_PARALLEL, users.length) }, work));
    logger.info('lifecycle batch recorded', { records: records.length, events: events.length, users: byUser.size, failed: failures.length });
    return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
  }

  return middy<unknown, undefined | SQSBatchResponse>()
    .use(flushMetrics(metrics))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (input) => (isSqsBatch(input) ? batch(input.Records) : one(input)));
}
