/**
 * The notification rule's target (core/event-rules.ts): EventBridge invokes it asynchronously with each matched event.
 * An event that breaks the contract fails with a ContractViolationError naming every problem; Lambda retries it like
 * any failure and then sends it to the on-failure destination (the notifications' dead-letter queue), so nothing is
 * lost silently and the reason travels with it. A delivery failure fails the invocation too: Lambda retries it with
 * the same event id, which the pages de-duplicate on.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { ContractViolationError } from '../../core/contracts/validate.js';
import { type AppMetrics, flushMetrics, noMetrics } from '../shared/metrics.js';
import { deliverNotificationEvent, type NotifyDependencies } from './core.js';

export interface NotifyHandlerDependencies extends NotifyDependencies {
  logger: Logger;
  metrics?: AppMetrics;
}

export function createNotifyHandler(deps: NotifyHandlerDependencies) {
  const { logger, metrics = noMetrics } = deps;
  return middy<unknown, void>()
    .use(flushMetrics(metrics))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (input) => {
      try {
        const outcome = await deliverNotificationEvent(input, deps);
        logger.info('notification delivered', { ...outcome });
      } catch (error) {
        if (error instanceof ContractViolationError)
          logger.error('not a notification event; it fails and goes to the dead-letter queue', { problems: error.problems });
        else logger.warn('notification not delivered; Lambda retries it', { error });
        throw error;
      }
    });
}
