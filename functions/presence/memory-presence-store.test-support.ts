/**
 * An in-memory PresenceStore for the unit tests of the presence cores (the DynamoDB adapter is tested against dynalite
 * in dynamo-presence-store.integration.test.ts). Same contract: a write succeeds only at the revision it read, and
 * every call yields to the event loop first, so concurrent callers interleave as they would against DynamoDB.
 */
import type { Connections } from './connections.js';
import type { PresenceStore, UserConnections } from './presence-store.js';

export class MemoryPresenceStore implements PresenceStore {
  readonly items = new Map<string, UserConnections>();
  /** Writes refused because another came first. */
  conflicts = 0;

  async get(userId: string): Promise<UserConnections | undefined> {
    await Promise.resolve();
    const item = this.items.get(userId);
    return item && structuredClone(item);
  }

  async put(userId: string, connections: Connections, expectedRevision: number | undefined): Promise<boolean> {
    await Promise.resolve();
    if (this.items.get(userId)?.revision !== expectedRevision) {
      this.conflicts += 1;
      return false;
    }
    this.items.set(userId, { connections: structuredClone(connections), revision: (expectedRevision ?? 0) + 1 });
    return true;
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, Connections>> {
    await Promise.resolve();
    return new Map(userIds.flatMap((userId) => (this.items.has(userId) ? [[userId, structuredClone(this.items.get(userId)!.connections)] as const] : [])));
  }
}
