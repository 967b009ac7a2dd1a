/**
 * POST /iot/attach-policy (Authorization: Bearer <Cognito ID token>, Cognito-Access-Token: <access token of the same
 * sign-in>): attaches the Cognito user IoT policy to the caller's identity id.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { AppMetrics } from '../shared/metrics.js';
import { type AttachPolicyDependencies, attachIotPolicy } from './core.js';

export interface AttachPolicyHandlerDependencies {
  logger: Logger;
  cognito: AttachPolicyDependencies;
  metrics?: AppMetrics;
}

export function createAttachPolicyHandler({ logger, cognito, metrics }: AttachPolicyHandlerDependencies) {
  return httpHandler(
    logger,
    async (event) => {
      const attached = await attachIotPolicy(event.headers, cognito);
      logger.info('IoT policy attached', attached);
      return jsonResponse(200, attached);
    },
    metrics,
  );
}
