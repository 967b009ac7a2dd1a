/** POST /rooms/{roomId}/messages {text}: members post to a room; everyone in it receives the message live. */
import { randomUUID } from 'node:crypto';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { TopicScheme } from '../../core/topics.js';
import { appTokenVerifierFromConfig, type AppTokenVerifier } from '../shared/app-token.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import { jsonResponse } from '../shared/http-errors.js';
import { createLogger, httpHandler } from '../shared/http-handler.js';
import { systemClock, type Clock, type Publisher } from '../shared/ports.js';
import { jsonBody } from '../shared/request.js';
import { loadMessagesConfig } from './config.js';
import { postRoomMessage } from './core.js';

const config = loadMessagesConfig(process.env);
const logger = createLogger('messages');
const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });
/** The whole request, JSON included; the text limit itself is checked in the core. */
const MAX_BODY_BYTES = 16 * 1024;

export interface MessagesFunctionDependencies {
  verifyToken: AppTokenVerifier;
  publisher: Publisher;
  clock: Clock;
}

let deps: MessagesFunctionDependencies = {
  verifyToken: appTokenVerifierFromConfig(config),
  // The SDK resolves the iot:Data-ATS endpoint from AWS_ENDPOINT_URL_IOT_DATA_PLANE, which infra sets.
  publisher: new IotDataPublisher(new IoTDataPlaneClient({ region: config.AWS_REGION })),
  clock: systemClock,
};

export function overrideDependencies(overrides: Partial<MessagesFunctionDependencies>): void {
  deps = { ...deps, ...overrides };
}

export const handler = httpHandler(logger, async (event) => {
  const user = await deps.verifyToken(event.headers.authorization);
  const posted = await postRoomMessage(
    { user, roomId: event.pathParameters?.roomId, body: jsonBody(event, MAX_BODY_BYTES) },
    { publisher: deps.publisher, clock: deps.clock, newId: randomUUID, topics },
  );
  logger.info('message published', { userId: user.userId, topic: posted.topic, messageId: posted.id });
  return jsonResponse(202, posted);
});
