/** The latest broadcasts in memory for unit tests (the DynamoDB store passes the same contract suite). */
import type { StoredBroadcast } from '../../core/contracts/http.js';
import type { BroadcastStore } from '../../functions/broadcast/broadcast-store.js';

export class MemoryBroadcastStore implements BroadcastStore {
  readonly broadcasts: StoredBroadcast[] = [];

  async put(broadcast: StoredBroadcast): Promise<void> {
    this.broadcasts.push({ ...broadcast });
    this.broadcasts.sort((a, b) => (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
  }

  async recent(limit: number): Promise<StoredBroadcast[]> {
    return this.broadcasts.slice(-limit).map((b) => ({ ...b }));
  }
}
