/** A room message: validated, processed (server id, timestamp, author, trimmed text) and published with QoS 1. */
import { MAX_MESSAGE_TEXT_LENGTH, PostMessageRequestSchema, type PostMessageResponse } from '../../core/contracts/http.js';
import type { RoomMessage } from '../../core/contracts/mqtt.js';
import { isValidId } from '../../core/ids.js';
import type { TopicScheme } from '../../core/topics.js';
import type { AppUser } from '../shared/app-token.js';
import { ForbiddenError, PayloadTooLargeError, ValidationError } from '../shared/errors.js';
import type { Clock, IdGenerator, Publisher } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';

export const MAX_TEXT_LENGTH = MAX_MESSAGE_TEXT_LENGTH;

export interface PostMessageDependencies {
  publisher: Publisher;
  clock: Clock;
  newId: IdGenerator;
  topics: TopicScheme;
}

export async function postRoomMessage(input: { user: AppUser; roomId: string | undefined; body: unknown }, deps: PostMessageDependencies): Promise<PostMessageResponse> {
  const { user, roomId } = input;
  if (!isValidId(roomId)) throw new ValidationError('the room id must be 1-64 letters, digits, "_" or "-"');
  if (!user.rooms.includes(roomId)) throw new ForbiddenError(`you are not a member of room ${roomId}`);
  const { text } = validateBody(PostMessageRequestSchema, input.body);
  if (text.length > MAX_TEXT_LENGTH) throw new PayloadTooLargeError(`"text" is ${text.length} characters; at most ${MAX_TEXT_LENGTH} are allowed`);

  const message: RoomMessage = { type: 'message', id: deps.newId(), roomId, author: user.userId, text, sentAt: deps.clock.now().toISOString() };
  const topic = deps.topics.room(roomId);
  await deps.publisher.publish(topic, message, 1);
  return { id: message.id, topic, sentAt: message.sentAt };
}
