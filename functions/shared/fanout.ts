/**
 * Delivery of a room message to its members' inboxes: publishes with bounded concurrency and reports who could not be
 * reached, so the caller can hand them to the queue (retried by SQS) instead of losing them.
 */
import type { RoomInboxPayload } from '../../core/contracts/fanout.js';
import type { PresenceChange } from '../../core/contracts/mqtt.js';
import type { TopicScheme } from '../../core/topics.js';
import type { Publisher } from './ports.js';

/** Runs `work` over `items` with at most `concurrency` in flight; resolves when all have settled. */
export async function forEachWithConcurrency<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/** What is published to a room's inboxes: a room message or event, or a member's presence change. */
export type InboxPayload = RoomInboxPayload | PresenceChange;

/**
 * Publishes the payload to each recipient's inbox of its room (QoS 1 unless `qos` says otherwise); returns the
 * recipients whose publish failed.
 */
export async function deliverToInboxes(
  message: InboxPayload,
  recipients: readonly string[],
  deps: { publisher: Publisher; topics: TopicScheme; concurrency: number; qos?: 0 | 1 },
): Promise<string[]> {
  const failed: string[] = [];
  const qos = deps.qos ?? 1;
  await forEachWithConcurrency(recipients, deps.concurrency, async (userId) => {
    try {
      await deps.publisher.publish(deps.topics.inbox(userId, message.roomId), message, qos);
    } catch {
      failed.push(userId);
    }
  });
  return failed;
}
