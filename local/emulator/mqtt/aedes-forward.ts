/**
 * aedes' `authorizeForward`, wrapped: IoT's topic matching for every delivery aedes decided on, and exactly one
 * delivery per message per client in place of aedes' own de-duplication (aedes-adapter.test.ts checks both).
 */
import type { AedesOptions, Client } from 'aedes';
import { type ClientInternals, LAST_LIVE_DELIVERY, type RoutedPacket } from './aedes-internals.js';

type AuthorizeForward = NonNullable<AedesOptions['authorizeForward']>;

/** The `authorizeForward` to give aedes: `matches` and de-duplication first, then the caller's own, if any. */
export function forwardOnce(
  matches: ((filter: string, topic: string) => boolean) | undefined,
  authorizeForward: AuthorizeForward | undefined,
): AuthorizeForward {
  return (client, packet) => {
    // A closed client's subscriptions are already emptied: `null` here would make aedes clear a stored message of its
    // persistent session as undeliverable. Leave it queued for the next connection instead.
    if ((client as unknown as { closed?: boolean }).closed === true) return packet;
    // IoT's matching, not MQTT's (the parent of `x/#`), for every delivery aedes decided on.
    if (matches && !matchesAny(client, packet.topic, matches)) return null;
    // One delivery per message per client (overlapping filters call this once per filter, synchronously, for
    // the same message). aedes' own de-duplication keeps the highest counter seen per client, so a QoS 1
    // message that a later QoS 0 one overtook (QoS 1 takes an extra persistence step) was dropped: a QoS 1
    // Last Will overtaken by the disconnect event, for one. A stored message being resent is never a duplicate.
    const routed = packet as unknown as RoutedPacket;
    if (routed.messageId === undefined && routed.brokerId && routed.brokerCounter !== undefined) {
      const internals = client as unknown as ClientInternals;
      if (internals[LAST_LIVE_DELIVERY] === routed.brokerCounter) return null;
      internals[LAST_LIVE_DELIVERY] = routed.brokerCounter;
    }
    return authorizeForward ? authorizeForward(client, packet) : packet;
  };
}

/**
 * Relies on: aedes de-duplicates by `client.duplicates[brokerId] < brokerCounter`. Reading 0 and ignoring writes
 * turns that off; `forwardOnce` above de-duplicates exactly instead.
 */
export function disableAedesDeduplication(client: Client, brokerId: string): void {
  Object.defineProperty((client as unknown as ClientInternals).duplicates, brokerId, { get: () => 0, set: () => undefined });
}

/** Does any filter the client holds match `topic`? A filter equal to the topic answers at once (the common case). */
function matchesAny(client: Client, topic: string, matches: (filter: string, topic: string) => boolean): boolean {
  const subscriptions = (client as unknown as ClientInternals).subscriptions;
  if (subscriptions[topic] !== undefined) return true;
  for (const filter in subscriptions) {
    if (matches(filter, topic)) return true;
  }
  return false;
}
