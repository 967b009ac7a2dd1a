/** GET /health */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { HealthEnv } from '../../core/contracts/function-env.js';
import type { HealthResponse } from '../../core/contracts/http.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';

export function createHealthHandler({ config, logger }: { config: HealthEnv; logger: Logger }) {
  const body: HealthResponse = { status: 'ok', app: config.APP_NAME, stage: config.STAGE };
  return httpHandler(logger, async () => jsonResponse(200, body));
}
