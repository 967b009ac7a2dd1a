/**
 * AWS IoT Core messaging cost of one room message: inbox fan-out (N data-plane publishes + N deliveries) against one
 * shared topic (1 publish + N deliveries). Only IoT messaging is counted; SQS, Lambda and DynamoDB are extra.
 *
 * Price: "$1.00/1,000,000 messages", the rate of the first billion messages a month in the pricing page's worked
 * example (Europe (Ireland)), https://aws.amazon.com/iot-core/pricing/ (the page's region tables are rendered by
 * script; a third-party transcription of the page dated 2026-09-20 has the same figure). Tiers above a billion a
 * month are cheaper; regions differ. Metering, https://aws.amazon.com/iot-core/pricing/additional-details/: an HTTP request is
 * "metered by the number of 5 KB messages required to encode the body section", an MQTT PUBLISH sent by the service
 * "on the size of the payload and topic in bytes"; PUBACKs sent by the service are not metered.
 */
export const USD_PER_MILLION_MESSAGES = 1.0;
/** The page says "5 KB"; 5 * 1024 is assumed (either reading gives 1 message for payloads this small). */
export const METERING_INCREMENT_BYTES = 5 * 1024;

export function meteredMessages(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / METERING_INCREMENT_BYTES));
}

export interface RoomMessageCost {
  messages: number;
  usd: number;
}

export function roomMessageCost(input: { members: number; payloadBytes: number; inboxTopicBytes: number; sharedTopicBytes: number }): {
  inbox: RoomMessageCost;
  shared: RoomMessageCost;
} {
  const { members, payloadBytes } = input;
  // The publish is an HTTP request to the data plane (body = payload); each delivery is an MQTT PUBLISH (topic + payload).
  const inbox = members * meteredMessages(payloadBytes) + members * meteredMessages(payloadBytes + input.inboxTopicBytes);
  const shared = meteredMessages(payloadBytes) + members * meteredMessages(payloadBytes + input.sharedTopicBytes);
  const usd = (messages: number) => (messages * USD_PER_MILLION_MESSAGES) / 1_000_000;
  return { inbox: { messages: inbox, usd: usd(inbox) }, shared: { messages: shared, usd: usd(shared) } };
}
