/**
 * The port to the latest broadcasts (core/store/tables.ts BROADCASTS_TABLE; DynamoDB in dynamo-broadcast-store.ts, in
 * memory for unit tests): each announcement is kept before it is published, so a page that loads later shows it too.
 */
import type { StoredBroadcast } from '../../core/contracts/http.js';

export interface BroadcastStore {
  /** Keeps the broadcast (for BROADCAST_TTL_SECONDS). */
  put(broadcast: StoredBroadcast): Promise<void>;
  /** The newest `limit` broadcasts, oldest first. */
  recent(limit: number): Promise<StoredBroadcast[]>;
}

/** How long a broadcast is kept (DynamoDB TTL): announcements are news, not an archive. */
export const BROADCAST_TTL_SECONDS = 7 * 24 * 3600;
