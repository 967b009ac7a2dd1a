/**
 * The signed-in user's rooms as the page knows them, without any DOM: the room list, which room is open, and per room
 * its timeline (history merged with live inbox messages), unread count and read position, members and presence, and
 * the messages being sent. Views listen to its changes and draw; every message is kept from the moment it arrives,
 * whether or not a view shows it yet. Each concern has its own home in ./rooms/ (one record per room in
 * room-state.ts; the list, history and catch-up, read positions and unread counts, members and presence, room
 * events, why a room closed, sending); this class wires them and routes what arrives on the inbox.
 */
import type { InboxMessage, PresenceChange, ReadPositionChange } from '../../core/contracts/mqtt.js';
import type { RoomEvent } from '../../core/contracts/room-events.js';
import type { Member, RoomRole, RoomSummary } from '../../core/contracts/rooms.js';
import { type ClosedReason, type ClosedRoom, closedText } from './rooms/closed-rooms.js';
import { RoomHistory } from './rooms/history.js';
import { RoomMembers } from './rooms/members.js';
import { ReadPositions } from './rooms/read-positions.js';
import { RoomEvents } from './rooms/room-events.js';
import { RoomList } from './rooms/room-list.js';
import { RoomStates } from './rooms/room-state.js';
import { RoomSender } from './rooms/sending.js';
import {
  ALWAYS_ONLINE,
  type ListState,
  type MembersState,
  type Outgoing,
  type PresenceState,
  type RoomsApi,
  type RoomsChange,
  type RoomsContext,
  type RoomsModelOptions,
} from './rooms/types.js';
import { addUnread, totalUnread, unreadAmong } from './rooms/unread.js';
import type { Timeline } from './timeline.js';

export type { ClosedRoom } from './rooms/closed-rooms.js';
export type { ListState, MembersState, Outgoing, PresenceState, RoomsApi, RoomsChange, RoomsModelOptions } from './rooms/types.js';

export class RoomsModel {
  readonly #states = new RoomStates();
  readonly #listeners = new Set<(change: RoomsChange) => void>();
  readonly #api: RoomsApi;
  readonly #ctx: RoomsContext;
  readonly #list: RoomList;
  readonly #history: RoomHistory;
  readonly #members: RoomMembers;
  readonly #reads: ReadPositions;
  readonly #events: RoomEvents;
  readonly #sender: RoomSender;
  readonly #stopNetwork: () => void;
  #selected: string | undefined;
  /** The room that was open when the user was taken out of it: shown, with why, until they open another. */
  #closedRoom: ClosedRoom | undefined;
  #pageVisible = true;
  #closed = false;

  constructor(
    api: RoomsApi,
    /** The signed-in user, as the API names them: the app's user id, or the Cognito identity id. */
    readonly userId: string,
    options: RoomsModelOptions = {},
  ) {
    const { network = ALWAYS_ONLINE, displayName = userId, learnName = () => undefined, ...settings } = options;
    this.#api = api;
    this.#ctx = {
      api,
      userId,
      displayName,
      learnName,
      states: this.#states,
      options: {
        historyPageSize: 50,
        maxRefreshPages: 20,
        refreshRetryMs: 1500,
        sendTimeoutMs: 10_000,
        maxCatchUpPages: 5,
        markReadDelayMs: 500,
        ...settings,
      },
      network,
      exiting: new Set(),
      selected: () => this.#selected,
      reading: (roomId) => roomId === this.#selected && this.#pageVisible,
      closed: () => this.#closed,
      emit: (change) => this.#emit(change),
      forget: (roomId) => this.#forget(roomId),
      close: (roomId, reason, roomName) => this.#close(roomId, reason, roomName),
    };
    const ctx = this.#ctx;
    this.#reads = new ReadPositions(ctx);
    this.#list = new RoomList(ctx, this.#reads);
    this.#members = new RoomMembers(ctx);
    this.#events = new RoomEvents(ctx, this.#members);
    this.#sender = new RoomSender(ctx);
    this.#history = new RoomHistory(ctx, (roomId, messages) => this.#sender.echoed(roomId, messages));
    // Back online: what was written meanwhile is sent, each message once.
    this.#stopNetwork = network.onChange((online) => {
      if (online && !this.#closed) this.#sender.networkBack();
    });
  }

  on(listener: (change: RoomsChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops background work (a pending refresh retry, send timers); read positions not sent yet are sent now. */
  close(): void {
    this.#reads.flush();
    this.#closed = true;
    this.#stopNetwork();
    this.#sender.close();
    this.#listeners.clear();
    this.#states.stopAll();
  }

  get list(): ListState {
    return this.#list.state;
  }

  /** The rooms known so far, by name. */
  rooms(): RoomSummary[] {
    return this.#list.rooms();
  }

  room(roomId: string): RoomSummary | undefined {
    return this.#list.room(roomId);
  }

  get selected(): string | undefined {
    return this.#selected;
  }

  /** The room the user was reading when they were taken out of it, and why; until they open another room. */
  get closedRoom(): ClosedRoom | undefined {
    return this.#closedRoom;
  }

  timeline(roomId: string): Timeline {
    return this.#states.ensure(roomId).timeline;
  }

  unread(roomId: string): number {
    return this.#states.get(roomId)?.unread ?? 0;
  }

  /** Whether the room's count stopped at the server's cap (shown as "100+"). */
  unreadMore(roomId: string): boolean {
    const state = this.#states.get(roomId);
    return (state?.unreadMore ?? false) && (state?.unread ?? 0) > 0;
  }

  /** Unread messages over every room in the list (the tab title's count). */
  totalUnread(): number {
    return totalUnread(this.#states.all());
  }

  /** Whether any room's count in the total stopped at the server's cap. */
  totalUnreadMore(): boolean {
    return this.#states.listed().some((s) => s.unreadMore && s.unread > 0);
  }

  members(roomId: string): MembersState {
    return this.#members.members(roomId);
  }

  /** Messages sent from this page that have not come back yet, oldest first. */
  outbox(roomId: string): readonly Outgoing[] {
    return this.#sender.outbox(roomId);
  }

  presence(roomId: string): PresenceState {
    return this.#members.presence(roomId);
  }

  /** This page's own connection came up or went down: the user's own presence dot follows it at once. */
  setSelfOnline(online: boolean): void {
    this.#members.setSelfOnline(online);
  }

  /** Whether the page is in view: messages arriving in the open room while it is not stay unread until it is again. */
  setPageVisible(visible: boolean): void {
    if (this.#pageVisible === visible) return;
    this.#pageVisible = visible;
    if (visible && this.#selected !== undefined) this.#reads.read(this.#selected);
  }

  /** The first page of the user's rooms. Failures are kept in `list`, not thrown. */
  loadRooms(): Promise<void> {
    return this.#list.load();
  }

  /** The next page of rooms (after `list.more`). */
  loadMoreRooms(): Promise<void> {
    return this.#list.loadMore();
  }

  /** Reads the list again (see RoomList.refresh); never rejects. */
  refreshRooms(wanted?: string): Promise<void> {
    return this.#list.refresh(wanted);
  }

  /**
   * A live message from the user's inbox for `roomId` (the room named by the topic). Returns false for a message
   * already shown (a QoS 1 redelivery, or one the history had) or one whose payload names another room.
   */
  receive(roomId: string, message: InboxMessage): boolean {
    if (message.roomId !== roomId) return false;
    const state = this.#states.ensure(roomId);
    if (!state.timeline.add(message)) return false;
    this.#ctx.learnName(message.from, message.fromName);
    if (message.from === this.userId) this.#sender.echoed(roomId, [message]);
    addUnread(state, unreadAmong([message], this.userId, this.#ctx.reading(roomId), state.lastRead?.messageId));
    this.#emit({ kind: 'timeline', roomId });
    this.#emit({ kind: 'rooms' });
    if (!this.#list.has(roomId)) void this.refreshRooms(roomId);
    return true;
  }

  /** A room event from the inbox of `roomId` (room-events.ts); false for a repeat or one naming another room. */
  roomEvent(roomId: string, event: RoomEvent): boolean {
    return this.#events.apply(roomId, event);
  }

  /** Another tab or device of the user read a room (the `read` payload on their own inbox). */
  readElsewhere(change: ReadPositionChange): boolean {
    return this.#reads.readElsewhere(change);
  }

  /** Opens a room (undefined: none): it is read (its count cleared), its history and members are loaded once. */
  open(roomId: string | undefined): void {
    this.#selected = roomId;
    this.#closedRoom = undefined;
    if (roomId !== undefined) this.#reads.read(roomId);
    this.#emit({ kind: 'selected' });
    this.#emit({ kind: 'rooms' });
    if (roomId === undefined) return;
    if (this.timeline(roomId).history.status === 'not-loaded') void this.loadHistory(roomId);
    if (this.members(roomId).status === 'not-loaded') void this.loadMembers(roomId);
    if (this.presence(roomId).status === 'not-loaded') void this.loadPresence(roomId);
  }

  /** The newest page of a room's history. Failures are kept in the timeline's `history`, not thrown. */
  loadHistory(roomId: string): Promise<void> {
    return this.#history.loadNewest(roomId);
  }

  /** The page before the oldest one loaded. */
  loadOlder(roomId: string): Promise<void> {
    return this.#history.loadOlder(roomId);
  }

  /** Tries again what failed: the newest page, or the older page that failed. */
  retryHistory(roomId: string): Promise<void> {
    return this.#history.retry(roomId);
  }

  loadMembers(roomId: string, cursor?: string): Promise<void> {
    return this.#members.load(roomId, cursor);
  }

  /** Creates a room (the user becomes its owner) and returns its id; rejects with a readable error. */
  async createRoom(name: string): Promise<string> {
    const created = await this.#list.create(name);
    this.#members.created(created.roomId);
    // A new room has no history yet: nothing to fetch.
    this.timeline(created.roomId).history = { status: 'loaded' };
    this.#emit({ kind: 'rooms' });
    return created.roomId;
  }

  /** Owners: invites someone by username, email or identity id (see RoomMembers.invite); rejects with a readable error. */
  invite(roomId: string, who: string): Promise<{ member: Member; added: boolean }> {
    return this.#members.invite(roomId, who);
  }

  /** Adds a member by user id or changes their role (owners only: promote with "owner"); rejects with a readable error. */
  putMember(roomId: string, userId: string, role: RoomRole = 'member'): Promise<void> {
    return this.#members.put(roomId, userId, role);
  }

  /** Removes a member (owners), or leaves when `userId` is the user's own; rejects with a readable error. */
  removeMember(roomId: string, userId: string): Promise<void> {
    return this.#members.remove(roomId, userId);
  }

  /** Leaves the room; the last owner's ownership passes on, and a room left empty is deleted (the server decides). */
  leave(roomId: string): Promise<void> {
    return this.removeMember(roomId, this.userId);
  }

  /** Owners: deletes the room for everyone; rejects with a readable error. */
  async deleteRoom(roomId: string): Promise<void> {
    this.#ctx.exiting.add(roomId);
    try {
      await this.#api.deleteRoom(roomId);
    } finally {
      this.#ctx.exiting.delete(roomId);
    }
    this.#forget(roomId);
    this.#emit({ kind: 'rooms' });
  }

  /** Sends a message (see RoomSender.send); never rejects. */
  send(roomId: string, text: string): void {
    this.#sender.send(roomId, text);
  }

  /** Sends a message that was not delivered again. */
  retrySend(roomId: string, localId: string): void {
    this.#sender.retry(roomId, localId);
  }

  /** Gives up on a message that was not delivered, or that waits for the network. */
  discardSend(roomId: string, localId: string): void {
    this.#sender.discard(roomId, localId);
  }

  /** Who of the room's members is online, all pages. Unavailable when the API does not serve presence. */
  loadPresence(roomId: string): Promise<void> {
    return this.#members.loadPresence(roomId);
  }

  /** A presence change from the inbox; false when it names a room this page does not know. */
  presenceChanged(change: PresenceChange): boolean {
    return this.#members.changed(change);
  }

  /** The live connection dropped: catch-up will read back to what is known now (see RoomHistory). */
  connectionLost(): void {
    this.#history.connectionLost();
  }

  /**
   * After a reconnection (or a long absence): reads the room list again and, for every room whose history was
   * loaded, the newest messages back to what was known when the connection dropped. Messages missed meanwhile appear
   * once, in order; in rooms not being read they count as unread. Presence of the open room is read again. Never rejects.
   */
  async catchUp(): Promise<void> {
    await this.refreshRooms();
    await this.#history.catchUp();
    if (this.#closed) return;
    if (this.#selected !== undefined && this.presence(this.#selected).status !== 'not-loaded') void this.loadPresence(this.#selected);
  }

  #forget(roomId: string): void {
    this.#reads.forget(roomId);
    this.#states.forget(roomId);
    if (this.#selected === roomId) {
      this.#selected = undefined;
      this.#emit({ kind: 'selected' });
    }
  }

  #close(roomId: string, reason: ClosedReason, roomName?: string): void {
    const state = this.#states.get(roomId);
    // Closed already (a request answered 404 after its room was closed), or never known: nothing to tell.
    if (state?.summary === undefined && this.#selected !== roomId) return;
    const name = roomName ?? state?.summary?.name ?? roomId;
    const text = closedText(name, reason, this.userId);
    // What was written there and not delivered is not lost: the closed room shows it.
    const unsent = (state?.outbox ?? []).filter((o) => o.status !== 'accepted').map((o) => o.text);
    if (this.#selected === roomId) this.#closedRoom = { roomId, name, text, unsent };
    this.#forget(roomId);
    this.#emit({ kind: 'rooms' });
    this.#emit({ kind: 'notice', text });
  }

  #emit(change: RoomsChange): void {
    // The room being read: what arrives in it is read at once (its position sent to the server soon).
    if (change.kind === 'timeline' && this.#ctx.reading(change.roomId) && this.#states.get(change.roomId)?.summary) this.#reads.read(change.roomId);
    for (const listener of this.#listeners) listener(change);
  }
}
