/**
 * IoT Core's connect/disconnect lifecycle event, as the presence rule (core/iot-rules.ts, `SELECT *`) hands it to the
 * presence function: the JSON IoT publishes on `$aws/events/presence/{connected,disconnected}/<clientId>`.
 * Fields and their meaning: "Lifecycle events", AWS IoT developer guide
 * (https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html). Only the fields presence needs are
 * checked; the others (sessionIdentifier, principalIdentifier, ipAddress, disconnectReason, ...) pass unread.
 */
import * as v from 'valibot';

export const LIFECYCLE_EVENT_TYPES = ['connected', 'disconnected'] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

const nonNegativeInteger = (what: string) =>
  v.pipe(v.number(`must be a number (${what})`), v.integer(`must be an integer (${what})`), v.minValue(0, `must not be negative (${what})`));

export const LifecycleEventSchema = v.object({
  clientId: v.pipe(v.string('must be a string'), v.nonEmpty('must not be empty')),
  eventType: v.picklist(LIFECYCLE_EVENT_TYPES, 'must be "connected" or "disconnected"'),
  /** Milliseconds since the epoch; IoT: "an approximation ... accuracy +/- 2 minutes". */
  timestamp: nonNegativeInteger('milliseconds since the epoch'),
  /**
   * IoT: "monotonically increasing ... for each client ID connection"; a connection's connect and disconnect events
   * carry the same number; it resets to 0 after about an hour without a connection.
   */
  versionNumber: nonNegativeInteger('the connection version of the client id'),
});
export type LifecycleEvent = v.InferOutput<typeof LifecycleEventSchema>;
