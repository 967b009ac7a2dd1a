/**
 * IoT Core's rules for what aedes does on its own: client id length, retained messages on subscribe, topic matching,
 * and the stored messages of persistent sessions (https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html).
 */
import type { LogBudget } from '../log.js';
import type { AedesAdapterOptions } from './aedes-adapter.js';
import { hasWildcard, type IotLimits, iotTopicMatches } from './limits.js';

/** The adapter options IoT's limits decide; `storageLog` takes the lines about messages not stored. */
export function iotAedesOptions(limits: IotLimits, storageLog: LogBudget): AedesAdapterOptions {
  return {
    maxClientsIdLength: limits.maxClientIdBytes,
    heartbeatInterval: 60_000,
    // IoT: retained messages are delivered on subscribe only to filters without wildcards.
    retainedFor: (filter) => !hasWildcard(filter),
    // IoT: `x/#` does not match `x` (mqtt.html#mqtt-differences).
    matches: iotTopicMatches,
    // IoT: "all stored messages are sent to the client at a maximum rate of 10 messages per second"
    // (mqtt.html#mqtt-persistent-sessions).
    storedMessagesPerSecond: limits.storedMessagesPerSecond,
    // IoT: "Messages are stored according to account limit, messages that exceed that limit will be dropped" (same page).
    maxQueuedPerSession: limits.maxQueuedMessagesPerSession,
    onQueueFull: (clientId, topic) =>
      storageLog.log({
        level: 'warn',
        message: 'message not stored for an absent persistent session: its queue is full',
        clientId,
        topic,
        limit: limits.maxQueuedMessagesPerSession,
      }),
  };
}
