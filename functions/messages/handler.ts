/** POST /rooms/{roomId}/messages {text}: members post to a room; everyone in it receives the message live. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { MessagesEnv } from '../../core/contracts/function-env.js';
import { TopicScheme } from '../../core/topics.js';
import type { AppTokenVerifier } from '../shared/app-token.js';
import { jsonResponse } from '../shared/http-errors.js';
import { httpHandler } from '../shared/http-handler.js';
import type { Clock, IdGenerator, Publisher } from '../shared/ports.js';
import { jsonBody } from '../shared/request.js';
import { postRoomMessage } from './core.js';

/** The whole request, JSON included; the text limit itself is checked in the core. */
const MAX_BODY_BYTES = 16 * 1024;

export interface MessagesHandlerDependencies {
  config: MessagesEnv;
  logger: Logger;
  verifyToken: AppTokenVerifier;
  publisher: Publisher;
  clock: Clock;
  newId: IdGenerator;
}

export function createMessagesHandler({ config, logger, verifyToken, publisher, clock, newId }: MessagesHandlerDependencies) {
  const topics = new TopicScheme({ app: config.APP_NAME, stage: config.STAGE });
  return httpHandler(logger, async (event) => {
    const user = await verifyToken(event.headers.authorization);
    const posted = await postRoomMessage({ user, roomId: event.pathParameters?.roomId, body: jsonBody(event, MAX_BODY_BYTES) }, { publisher, clock, newId, topics });
    logger.info('message published', { userId: user.userId, topic: posted.topic, messageId: posted.id });
    return jsonResponse(202, posted);
  });
}
