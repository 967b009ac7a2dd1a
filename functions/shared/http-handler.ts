/**
 * The middy wiring shared by every HTTP function: powertools logger context (with the API Gateway request id as
 * correlation id), domain errors mapped to JSON responses in one place, and denials (401, 403, 429) counted.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errorResponse, toHttpError } from './http-errors.js';
import type { MetricName } from './metric-names.js';
import { type AppMetrics, flushMetrics, noMetrics } from './metrics.js';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** API Gateway's request id as the correlation id of every log line of the invocation. */
function correlationId(logger: Logger): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: (request) => {
      logger.setCorrelationId(request.event.requestContext.requestId);
    },
  };
}

const DENIALS: ReadonlyMap<number, MetricName> = new Map([
  [401, 'Unauthorized'],
  [403, 'Forbidden'],
  [429, 'RateLimited'],
]);

function domainErrors(logger: Logger, metrics: AppMetrics): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    onError: (request) => {
      const mapped = toHttpError(request.error);
      const denial = DENIALS.get(mapped.statusCode);
      if (denial) metrics.count(denial);
      const details = { statusCode: mapped.statusCode, error: request.error };
      if (mapped.statusCode >= 500) logger.error('request failed', details);
      else logger.info('request refused', { statusCode: mapped.statusCode, reason: mapped.message });
      request.response = errorResponse(request.error);
    },
  };
}

export function httpHandler(logger: Logger, handler: (event: HttpEvent, context: Context) => Promise<HttpResult>, metrics: AppMetrics = noMetrics) {
  return (
    middy<HttpEvent, HttpResult>()
      // First in, last out: flushes after domainErrors has counted a denial.
      .use(flushMetrics(metrics))
      .use(injectLambdaContext(logger, { resetKeys: true }))
      .use(correlationId(logger))
      .use(domainErrors(logger, metrics))
      .handler(handler)
  );
}
