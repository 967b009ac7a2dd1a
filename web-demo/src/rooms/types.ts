/** What the rooms model's parts share: the API they call, the changes they report, their options and their context. */
import type { Member } from '../../../core/contracts/rooms.js';
import type { ApiClient } from '../api.js';
import type { RoomStates } from './room-state.js';

export type RoomsApi = Pick<ApiClient, 'listRooms' | 'createRoom' | 'listMembers' | 'putMember' | 'removeMember' | 'postMessage' | 'history' | 'presence'>;

/**
 * A message the user sent from this page that has not come back through the inbox yet. `sending`: the API has not
 * answered, or it accepted the message and its echo is on the way; `accepted`: accepted, but no echo within the
 * timeout (the live connection may be down; history brings it after a reconnection); `failed`: not delivered.
 */
export interface Outgoing {
  localId: string;
  text: string;
  status: 'sending' | 'accepted' | 'failed';
  messageId?: string;
  error?: string;
}

/** Who of a room's members is online, from GET /rooms/{roomId}/presence and the presence changes in the inbox. */
export interface PresenceState {
  status: 'not-loaded' | 'loading' | 'loaded' | 'unavailable';
  online: ReadonlySet<string>;
}

export type RoomsChange =
  /** The list, its loading state, or unread counts. */
  | { kind: 'rooms' }
  | { kind: 'selected' }
  /** Messages or history state of one room. */
  | { kind: 'timeline'; roomId: string }
  /** Members, or who of them is online. */
  | { kind: 'members'; roomId: string };

export type ListState = { status: 'loading' } | { status: 'loaded'; more?: string } | { status: 'failed'; error: string; more?: string };

export interface MembersState {
  status: 'not-loaded' | 'loading' | 'loaded' | 'failed';
  members: Member[];
  more?: string;
  error?: string;
}

export interface RoomsModelOptions {
  /** Messages per history page (the API allows 1-100). */
  historyPageSize?: number;
  /** How many pages of GET /rooms a refresh reads at most while looking for a room. */
  maxRefreshPages?: number;
  /** After a refresh that did not find the room a message came from, one more try after this long (ms). */
  refreshRetryMs?: number;
  /** How long a send may take, from the click to its echo in the inbox, before it is reported (ms). */
  sendTimeoutMs?: number;
  /** How many history pages a catch-up reads at most before it starts the room's timeline afresh. */
  maxCatchUpPages?: number;
}

/** What every part of the model is given: the API, the per-room states, and how to report a change. */
export interface RoomsContext {
  readonly api: RoomsApi;
  /** The signed-in user, as the API names them: the app's user id, or the Cognito identity id. */
  readonly userId: string;
  readonly states: RoomStates;
  readonly options: Required<RoomsModelOptions>;
  /** The open room, if any. */
  selected(): string | undefined;
  /** Whether the page is going away: background work stops. */
  closed(): boolean;
  emit(change: RoomsChange): void;
  /** Drops everything known of a room (left here or elsewhere), closing it if open. */
  forget(roomId: string): void;
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
