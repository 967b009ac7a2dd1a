/** A room message: validated, processed (server id, timestamp, author, trimmed text) and published with QoS 1. */
import { isValidId } from '../../core/ids.js';
import type { RoomMessage } from '../../core/messages.js';
import type { TopicScheme } from '../../core/topics.js';
import type { AppUser } from '../shared/app-token.js';
import { ForbiddenError, PayloadTooLargeError, ValidationError } from '../shared/errors.js';
import type { Clock, IdGenerator, Publisher } from '../shared/ports.js';
import { requireObject } from '../shared/request.js';

export const MAX_TEXT_LENGTH = 2000;

export type { RoomMessage };

export interface PostMessageDependencies {
  publisher: Publisher;
  clock: Clock;
  newId: IdGenerator;
  topics: TopicScheme;
}

export interface PostedMessage {
  id: string;
  topic: string;
  sentAt: string;
}

export async function postRoomMessage(input: { user: AppUser; roomId: string | undefined; body: unknown }, deps: PostMessageDependencies): Promise<PostedMessage> {
  const { user, roomId } = input;
  if (!isValidId(roomId)) throw new ValidationError('the room id must be 1-64 letters, digits, "_" or "-"');
  if (!user.rooms.includes(roomId)) throw new ForbiddenError(`you are not a member of room ${roomId}`);
  const body = requireObject(input.body);
  if (body.text === undefined) throw new ValidationError('"text" is required');
  if (typeof body.text !== 'string') throw new ValidationError('"text" must be a string');
  const text = body.text.trim();
  if (text === '') throw new ValidationError('"text" must not be empty');
  if (text.length > MAX_TEXT_LENGTH) throw new PayloadTooLargeError(`"text" is ${text.length} characters; at most ${MAX_TEXT_LENGTH} are allowed`);

  const message: RoomMessage = { type: 'message', id: deps.newId(), roomId, author: user.userId, text, sentAt: deps.clock.now().toISOString() };
  const topic = deps.topics.room(roomId);
  await deps.publisher.publish(topic, message, 1);
  return { id: message.id, topic, sentAt: message.sentAt };
}
