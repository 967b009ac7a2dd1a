/**
 * The port to the presence table (core/store/tables.ts PRESENCE_TABLE): one item per user with their connections by
 * client id. Writes are conditional on the revision that was read, so concurrent events of one user are serialized
 * (the loser reads again); the DynamoDB adapter is dynamo-presence-store.ts.
 */
import type { Connections } from './connections.js';

export interface UserConnections {
  connections: Connections;
  /** Increases by one with every write; the condition of the next write. */
  revision: number;
}

export interface PresenceStore {
  /** The user's connections (a strongly consistent read), or undefined when none were ever recorded (or expired). */
  get(userId: string): Promise<UserConnections | undefined>;
  /**
   * Writes the user's connections if the item is still at `expectedRevision` (undefined: there is no item yet).
   * Resolves false when another write came first; throws UpstreamError when the store fails.
   */
  put(userId: string, connections: Connections, expectedRevision: number | undefined): Promise<boolean>;
  /** The connections of each of the users that has an item (at most 100 users per call: BatchGetItem's limit). */
  getMany(userIds: readonly string[]): Promise<Map<string, Connections>>;
}
