/**
 * One room's messages as the page knows them: history pages and live inbox messages merged by messageId, each once,
 * in messageId order. Message ids are time-ordered (ULID-shaped, core/ids.ts newSortableId) and the history is
 * paged by them, so this is the order the server keeps; a QoS 1 redelivery or a message that is both in a history
 * page and in the inbox is shown once. Pure: no DOM, no network.
 */
import type { StoredMessage } from '../../core/contracts/rooms.js';

/** Where the history of a room stands: `older` is the cursor of the next older page, absent once all is loaded. */
export type HistoryState =
  | { status: 'not-loaded' }
  | { status: 'loading' }
  | { status: 'loaded'; older?: string }
  | { status: 'failed'; error: string; older?: string };

export class Timeline {
  readonly #byId = new Map<string, StoredMessage>();
  #ordered: StoredMessage[] = [];
  history: HistoryState = { status: 'not-loaded' };

  /** Adds a message; false if one with its id is already here (the first copy is kept). */
  add(message: StoredMessage): boolean {
    if (this.#byId.has(message.messageId)) return false;
    const copy: StoredMessage = {
      messageId: message.messageId,
      roomId: message.roomId,
      from: message.from,
      // The sender's display name as it was when they wrote (absent in history older than display names).
      ...(message.fromName !== undefined ? { fromName: message.fromName } : {}),
      text: message.text,
      sentAt: message.sentAt,
    };
    this.#byId.set(copy.messageId, copy);
    // Live messages usually come last: insert from the end.
    let at = this.#ordered.length;
    while (at > 0 && this.#ordered[at - 1]!.messageId > copy.messageId) at -= 1;
    this.#ordered.splice(at, 0, copy);
    return true;
  }

  /** Adds a history page; returns how many of its messages were new. */
  addPage(messages: readonly StoredMessage[]): number {
    let added = 0;
    for (const message of messages) if (this.add(message)) added += 1;
    return added;
  }

  has(messageId: string): boolean {
    return this.#byId.has(messageId);
  }

  /** The newest message id here, if any. */
  newestId(): string | undefined {
    return this.#ordered.at(-1)?.messageId;
  }

  get size(): number {
    return this.#ordered.length;
  }

  /** In messageId order, oldest first. */
  messages(): readonly StoredMessage[] {
    return this.#ordered;
  }
}
