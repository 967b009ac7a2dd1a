/**
 * Unread counts, as this page knows them: a message counts when it is someone else's and arrives (live, or in a
 * catch-up) while its room is not open; opening the room clears its count. The counts live in the page only: read
 * positions kept on the server (so that they survive a reload and follow the user to another device) are the
 * backend's part of issue 22.
 */
import type { StoredMessage } from '../../../core/contracts/rooms.js';
import type { RoomState } from './room-state.js';

/** How many of `messages` are unread news for `userId` in a room that is open (none) or not. */
export function unreadAmong(messages: readonly StoredMessage[], userId: string, roomOpen: boolean): number {
  if (roomOpen) return 0;
  return messages.filter((m) => m.from !== userId).length;
}

/** Adds to the room's count; true when it changed. */
export function addUnread(state: RoomState, count: number): boolean {
  if (count <= 0) return false;
  state.unread += count;
  return true;
}

export function clearUnread(state: RoomState | undefined): void {
  if (state) state.unread = 0;
}

/** The sum over the rooms in the user's list: what the tab title shows. */
export function totalUnread(states: Iterable<RoomState>): number {
  let total = 0;
  for (const state of states) if (state.summary !== undefined) total += state.unread;
  return total;
}
