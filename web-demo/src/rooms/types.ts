/** What the rooms model's parts share: the API they call, the changes they report, their options and their context. */
import type { NetworkStatus } from '@iot-realtime/realtime-client';
import type { Member } from '../../../core/contracts/rooms.js';
import type { ApiClient } from '../api.js';
import type { ClosedReason } from './closed-rooms.js';
import type { RoomStates } from './room-state.js';

export type RoomsApi = Pick<
  ApiClient,
  'listRooms' | 'createRoom' | 'deleteRoom' | 'listMembers' | 'invite' | 'putMember' | 'removeMember' | 'postMessage' | 'history' | 'presence' | 'markRead'
>;

/**
 * A message the user sent from this page that has not come back through the inbox yet. `queued`: the device is
 * offline, it is sent when the network is back; `sending`: the API has not answered, or it accepted the message and
 * its echo is on the way; `accepted`: accepted, but no echo within the timeout (the live connection may be down;
 * history brings it after a reconnection); `failed`: not delivered.
 */
export interface Outgoing {
  localId: string;
  /** Its Idempotency-Key: chosen when it was written, sent with every attempt, so a retry is never a second message. */
  key: string;
  text: string;
  status: 'queued' | 'sending' | 'accepted' | 'failed';
  messageId?: string;
  error?: string;
  /** A refusal that sending again cannot change (403, 404, 400): only Discard is offered. */
  permanent?: boolean;
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
  | { kind: 'members'; roomId: string }
  /** Something the user should be told in words (added to a room, removed from one, made an owner). */
  | { kind: 'notice'; text: string };

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
  /** Whether the device has a network (default: always): messages written offline wait for it. */
  network?: NetworkStatus;
  /** The signed-in user's display name (as others see it); their user id when absent. */
  displayName?: string;
  /** How long after a room was read its read position is sent to the server (ms): reads in a burst are sent once. */
  markReadDelayMs?: number;
  /** Learns the display names the API and the inbox name people by (members, senders, room events). */
  learnName?: (userId: string, displayName: string) => void;
}

/** The device's network as the browser tells it; the realtime client's browserNetwork() is one. */
export type { NetworkStatus };

/** For tests and pages without a browser: always online. */
export const ALWAYS_ONLINE: NetworkStatus = { online: () => true, onChange: () => () => undefined };

/** What every part of the model is given: the API, the per-room states, and how to report a change. */
export interface RoomsContext {
  readonly api: RoomsApi;
  /** The signed-in user, as the API names them: the app's user id, or the Cognito identity id. */
  readonly userId: string;
  readonly states: RoomStates;
  readonly options: Required<Omit<RoomsModelOptions, 'network' | 'displayName' | 'learnName'>>;
  readonly network: NetworkStatus;
  /** The signed-in user's display name. */
  readonly displayName: string;
  learnName(userId: string, displayName: string): void;
  /** Rooms this page is leaving or deleting right now: the events of that change are its own doing, not news. */
  readonly exiting: Set<string>;
  /** The open room, if any. */
  selected(): string | undefined;
  /** Whether the page is going away: background work stops. */
  closed(): boolean;
  emit(change: RoomsChange): void;
  /** Drops everything known of a room (left here or elsewhere), closing it if open. */
  forget(roomId: string): void;
  /** The user is out of the room (removed, deleted, gone): forgets it and tells them why, in the room if it was open. */
  close(roomId: string, reason: ClosedReason, roomName?: string): void;
  /** Whether the user is reading the room now: it is open and the page is in view. */
  reading(roomId: string): boolean;
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
