/** GET /health */
import { jsonResponse } from '../shared/http-errors.js';
import { createLogger, httpHandler } from '../shared/http-handler.js';
import { loadHealthConfig } from './config.js';

const config = loadHealthConfig(process.env);
const logger = createLogger('health');

export const handler = httpHandler(logger, async () => jsonResponse(200, { status: 'ok', app: config.APP_NAME, stage: config.STAGE }));
