/**
 * POST /broadcast {text}: an admin (an app token whose `roles` claim contains "admin") sends a message to everyone on
 * `<app>/<stage>/broadcast`, guests included. Anyone else gets 403; each send counts against the sender's limit. The
 * announcement is kept first (broadcast-store.ts), then published: GET /broadcasts shows the latest ones to a page that
 * loads later.
 */
import {
  type BroadcastAccepted,
  type BroadcastList,
  BroadcastRequestSchema,
  MAX_MESSAGE_TEXT_LENGTH,
  RECENT_BROADCASTS,
  type StoredBroadcast,
} from '../../core/contracts/http.js';
import type { BroadcastMessage } from '../../core/contracts/mqtt.js';
import type { TopicScheme } from '../../core/topics.js';
import type { AppUser } from '../shared/app-token.js';
import { ForbiddenError, PayloadTooLargeError } from '../shared/errors.js';
import { type Clock, type IdGenerator, type Publisher, type RateLimiter, unlimited } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';
import type { BroadcastStore } from './broadcast-store.js';

/** The role a token must carry to broadcast. */
export const BROADCAST_ROLE = 'admin';

export interface BroadcastDependencies {
  publisher: Publisher;
  broadcasts: BroadcastStore;
  clock: Clock;
  newMessageId: IdGenerator;
  topics: TopicScheme;
  rateLimiter?: RateLimiter;
}

export async function broadcast(user: AppUser, body: unknown, deps: BroadcastDependencies): Promise<BroadcastAccepted> {
  if (!(user.roles ?? []).includes(BROADCAST_ROLE)) throw new ForbiddenError(`broadcasting needs the "${BROADCAST_ROLE}" role in the token's roles claim`);
  await (deps.rateLimiter ?? unlimited).consume(user.userId);
  const { text } = validateBody(BroadcastRequestSchema, body);
  if (text.length > MAX_MESSAGE_TEXT_LENGTH)
    throw new PayloadTooLargeError(`"text" is ${text.length} characters; at most ${MAX_MESSAGE_TEXT_LENGTH} are allowed`);
  const kept: StoredBroadcast = {
    messageId: deps.newMessageId(),
    from: user.userId,
    fromName: user.name ?? user.userId,
    text,
    sentAt: deps.clock.now().toISOString(),
  };
  const message: BroadcastMessage = { type: 'broadcast', ...kept };
  // Kept before anyone can receive it, as room messages are: what a page saw live, a reload shows again.
  await deps.broadcasts.put(kept);
  const topic = deps.topics.broadcast();
  // QoS 1 as room messages: at least once, de-duplicated by messageId in the browser.
  await deps.publisher.publish(topic, message, 1);
  return { messageId: message.messageId, topic, sentAt: message.sentAt };
}

/** GET /broadcasts -> 200: the latest broadcasts, oldest first (any signed-in user: the topic reaches them all). */
export async function recentBroadcasts(deps: Pick<BroadcastDependencies, 'broadcasts'>): Promise<BroadcastList> {
  return { broadcasts: await deps.broadcasts.recent(RECENT_BROADCASTS) };
}
