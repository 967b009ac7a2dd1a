/**
 * The presence rule's target (core/iot-rules.ts PRESENCE_RULE): IoT invokes it asynchronously with each connect or
 * disconnect lifecycle event. A malformed event is logged and dropped (a retry would not mend it); a store failure
 * before the event is recorded fails the invocation, so Lambda's asynchronous retries record it later. Telling the
 * rooms is best effort: once the event is recorded a retry would find it stale, so failures there are logged only.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as v from 'valibot';
import { LIFECYCLE_EVENT_TYPES, LifecycleEventSchema } from '../../core/contracts/lifecycle.js';
import { describeIssue } from '../../core/contracts/validate.js';
import { type AppMetrics, flushMetrics, noMetrics } from '../shared/metrics.js';
import { type NotifyDependencies, notifyRoomsOfUser, type RecordEventDependencies, recordLifecycleEvent } from './tracker.js';

export interface PresenceEventsHandlerDependencies extends RecordEventDependencies, NotifyDependencies {
  logger: Logger;
  metrics?: AppMetrics;
}

export function createPresenceEventsHandler(deps: PresenceEventsHandlerDependencies) {
  const { logger, metrics = noMetrics } = deps;
  return middy<unknown, void>()
    .use(flushMetrics(metrics))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (input) => {
      // The rule's `+/+` also matches connect_failed events (a refused CONNECT opened no connection): nothing to track.
      const eventType = typeof input === 'object' && input !== null ? (input as { eventType?: unknown }).eventType : undefined;
      if (typeof eventType === 'string' && !(LIFECYCLE_EVENT_TYPES as readonly string[]).includes(eventType)) {
        logger.debug('lifecycle event ignored', { eventType });
        return;
      }
      const parsed = v.safeParse(LifecycleEventSchema, input);
      if (!parsed.success) {
        logger.warn('not a lifecycle event; dropped', { problems: parsed.issues.map(describeIssue) });
        return;
      }
      const event = parsed.output;
      const recorded = await recordLifecycleEvent(event, deps);
      if (recorded.outcome !== 'recorded') {
        logger.debug(`lifecycle event ${recorded.outcome}`, { clientId: event.clientId, eventType: event.eventType, versionNumber: event.versionNumber });
        return;
      }
      logger.info('connection recorded', {
        userId: recorded.userId,
        clientId: event.clientId,
        eventType: event.eventType,
        online: recorded.online,
        changed: recorded.changed,
      });
      if (!recorded.changed) return;
      try {
        const report = await notifyRoomsOfUser(recorded.userId, recorded.online, deps);
        if (report.truncated)
          logger.warn('presence change told to the first inboxes only (PRESENCE_MAX_NOTIFICATIONS)', { userId: recorded.userId, ...report });
        else if (report.failed > 0) logger.warn('presence change not delivered to some inboxes', { userId: recorded.userId, ...report });
        else logger.info('presence change delivered', { userId: recorded.userId, online: recorded.online, ...report });
      } catch (error) {
        logger.error('presence change not delivered: the rooms of the user could not be read', { userId: recorded.userId, online: recorded.online, error });
      }
    });
}
