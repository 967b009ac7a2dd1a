/**
 * Why the user is out of a room, in words: removed by an owner, left on another device, the room deleted, or gone
 * (the server no longer lists it, or answers for it as for a room that does not exist). The room closes with this
 * sentence: in its place when it was open, and as a notice.
 */
import type { UserRef } from '../../../core/contracts/room-events.js';

export type ClosedReason =
  | { kind: 'removed'; by: UserRef }
  /** The user left in another tab or on another device. */
  | { kind: 'left-elsewhere' }
  | { kind: 'deleted'; by: UserRef }
  /** Not listed by the server any more, or answered 404 (the same answer for "no such room" and "not a member"). */
  | { kind: 'gone' };

/** The room the user was reading when it closed: shown in its place until they open another. */
export interface ClosedRoom {
  roomId: string;
  name: string;
  text: string;
  /** Messages the user wrote there that were not delivered: shown, so nothing they wrote is lost. */
  unsent: string[];
}

export function closedText(name: string, reason: ClosedReason, selfId: string): string {
  switch (reason.kind) {
    case 'removed':
      return `${reason.by.displayName} removed you from ${name}. You no longer get its messages.`;
    case 'left-elsewhere':
      return `You left ${name} in another tab or on another device.`;
    case 'deleted':
      return reason.by.userId === selfId ? `You deleted ${name} in another tab or on another device.` : `${reason.by.displayName} deleted ${name}.`;
    case 'gone':
      return `${name} no longer exists, or you are no longer a member of it.`;
  }
}
