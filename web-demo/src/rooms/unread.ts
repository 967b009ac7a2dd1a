/**
 * Unread counts, as this page knows them: the server's count when the room list is read (messages others wrote after
 * the user's read position, kept on the server: read-positions.ts), then each message from someone else that arrives
 * (live, or in a catch-up) while the user is not reading its room. Reading the room clears it.
 */
import type { StoredMessage } from '../../../core/contracts/rooms.js';
import type { RoomState } from './room-state.js';

/** How many of `messages` are unread news for `userId`: someone else's, after the read position, in a room not being read. */
export function unreadAmong(messages: readonly StoredMessage[], userId: string, reading: boolean, after?: string): number {
  if (reading) return 0;
  return messages.filter((m) => m.from !== userId && (after === undefined || m.messageId > after)).length;
}

/** Adds to the room's count; true when it changed. */
export function addUnread(state: RoomState, count: number): boolean {
  if (count <= 0) return false;
  state.unread += count;
  return true;
}

export function clearUnread(state: RoomState | undefined): void {
  if (!state) return;
  state.unread = 0;
  state.unreadMore = false;
}

/** The sum over the rooms in the user's list: what the tab title shows. */
export function totalUnread(states: Iterable<RoomState>): number {
  let total = 0;
  for (const state of states) if (state.summary !== undefined) total += state.unread;
  return total;
}
