/** The rooms API as a test drives it, and helpers shared by the rooms model's tests (no jest globals here). */
import type { InboxMessage } from '../../../core/contracts/mqtt.js';
import type { InviteRequest, Member, MessagePage, RoomList, RoomSummary, StoredMessage } from '../../../core/contracts/rooms.js';
import { newSortableId } from '../../../core/ids.js';
import { ApiError, type CallOptions } from '../api.js';
import { RoomsModel } from '../rooms-model.js';
import type { NetworkStatus, RoomsApi } from './types.js';

/** The rooms API as the server answers it, in memory: pages of `pageSize`, history oldest first per page. */
export class FakeRoomsApi implements RoomsApi {
  rooms: RoomSummary[] = [];
  members = new Map<string, Member[]>();
  /** Each room's stored messages, oldest first. */
  messages = new Map<string, StoredMessage[]>();
  calls: string[] = [];
  /** Rooms the list does not show yet (an index that lags a membership change). */
  hiddenFromList = new Set<string>();
  failNext: ApiError | undefined;
  constructor(readonly pageSize = 2) {}

  #call(name: string): void {
    this.calls.push(name);
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
  }

  listRooms = async (cursor?: string): Promise<RoomList> => {
    this.#call(`listRooms ${cursor ?? ''}`.trim());
    const visible = this.rooms.filter((r) => !this.hiddenFromList.has(r.roomId));
    const start = cursor ? Number(cursor) : 0;
    const end = start + this.pageSize;
    return { rooms: visible.slice(start, end), ...(end < visible.length ? { nextCursor: String(end) } : {}) };
  };
  /** The Idempotency-Key of every room creation, in order. */
  createKeys: Array<string | undefined> = [];
  createRoom = async (name: string, { idempotencyKey }: CallOptions = {}) => {
    this.createKeys.push(idempotencyKey);
    this.#call(`createRoom ${name}`);
    return { roomId: `room-${this.rooms.length + 1}`, name };
  };
  deleteRoom = async (roomId: string) => {
    this.#call(`deleteRoom ${roomId}`);
  };
  /** Who the directory knows, by username (app users: their id) or email. */
  directory: Member[] = [];
  invite = async (roomId: string, who: InviteRequest) => {
    this.#call(`invite ${roomId} ${JSON.stringify(who)}`);
    const found = this.directory.find((m) => m.userId === who.userId || m.userId === who.username || `${m.userId}@example.com` === who.email);
    if (!found) throw new ApiError(`Not found: No user named ${who.username ?? who.email ?? who.userId}`, 404, 'not_found');
    return { member: { ...found, role: 'member' as const } };
  };
  /** Every read position sent, as "<roomId> <messageId>". */
  reads: string[] = [];
  markRead = async (roomId: string, messageId: string) => {
    this.#call(`markRead ${roomId}`);
    this.reads.push(`${roomId} ${messageId}`);
    return { roomId, lastRead: { messageId, at: '2030-01-01T00:00:00.000Z' } };
  };
  listMembers = async (roomId: string) => {
    this.#call(`listMembers ${roomId}`);
    return { members: this.members.get(roomId) ?? [] };
  };
  putMember = async (roomId: string, userId: string) => {
    this.#call(`putMember ${roomId} ${userId}`);
  };
  removeMember = async (roomId: string, userId: string) => {
    this.#call(`removeMember ${roomId} ${userId}`);
  };
  /** What the next posts do: be stored (and answered), hang until aborted, or be refused. */
  postOutcome: 'store' | 'hang' | ApiError = 'store';
  postMessage = async (roomId: string, text: string, { signal, idempotencyKey }: CallOptions = {}) => {
    this.#call(`postMessage ${roomId}`);
    this.postKeys.push(idempotencyKey);
    const outcome = this.postOutcome;
    const delay = this.postDelaysMs.shift();
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay));
    if (outcome instanceof ApiError) throw outcome;
    if (outcome === 'hang') {
      return new Promise<never>((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(new ApiError('The API did not answer in time', 0, 'timeout'))),
      );
    }
    const sent = message(roomId, text, this.poster);
    this.messages.set(roomId, [...(this.messages.get(roomId) ?? []), stored(sent)]);
    this.posted.push(sent);
    return { messageId: sent.messageId, roomId, sentAt: sent.sentAt };
  };
  /** Who posts (the signed-in user of the model under test), and what was stored, as the inbox would deliver it. */
  poster = 'bob';
  posted: InboxMessage[] = [];
  /** How long the next posts take to be answered (ms), one entry per post; then at once. */
  postDelaysMs: number[] = [];
  /** The Idempotency-Key of every post, in order. */
  postKeys: Array<string | undefined> = [];
  /** Online members per room; a room missing here answers 404 (no presence route). */
  online = new Map<string, string[]>();
  presence = async (roomId: string) => {
    this.#call(`presence ${roomId}`);
    const online = this.online.get(roomId);
    if (!online) throw new ApiError('Not found: no route', 404);
    return { online };
  };
  history = async (roomId: string, options: { before?: string; limit?: number } = {}): Promise<MessagePage> => {
    this.#call(`history ${roomId}${options.before ? ` before ${options.before.slice(-3)}` : ''}`);
    const all = (this.messages.get(roomId) ?? []).filter((m) => options.before === undefined || m.messageId < options.before);
    const page = all.slice(-(options.limit ?? 50));
    return { messages: page, ...(page.length < all.length ? { nextCursor: page[0]!.messageId } : {}) };
  };
}

let clock = 0;
export const message = (roomId: string, text: string, from = 'alice'): InboxMessage => {
  clock += 1;
  return {
    type: 'message',
    messageId: newSortableId(Date.UTC(2030, 0, 1) + clock),
    roomId,
    from,
    fromName: from,
    text,
    sentAt: new Date(Date.UTC(2030, 0, 1) + clock).toISOString(),
  };
};
export const stored = ({ type: _type, ...rest }: InboxMessage): StoredMessage => rest;
export const texts = (model: RoomsModel, roomId: string) =>
  model
    .timeline(roomId)
    .messages()
    .map((m) => m.text);
export const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

export function modelWith(api: FakeRoomsApi, userId = 'bob', refreshRetryMs = 1): RoomsModel {
  return new RoomsModel(api, userId, { historyPageSize: 3, refreshRetryMs, markReadDelayMs: 1 });
}

/** A network the test switches off and on, as the browser's online/offline events would. */
export class FakeNetwork implements NetworkStatus {
  #online = true;
  readonly #listeners = new Set<(online: boolean) => void>();
  online = () => this.#online;
  onChange(listener: (online: boolean) => void) {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
  set(online: boolean) {
    this.#online = online;
    for (const listener of this.#listeners) listener(online);
  }
  get listeners(): number {
    return this.#listeners.size;
  }
}
