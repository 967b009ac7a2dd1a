/**
 * Rooms and memberships: create a room (the creator becomes its owner and first member), list the caller's rooms,
 * list members (members only), add or promote members (owners only), remove members (owners) or leave (anyone).
 * The store makes each change atomic and refuses to leave a room with members but no owner.
 */
import { CreateRoomRequestSchema, type MemberList, type RoomCreated, type RoomList, type RoomRole } from '../../core/contracts/rooms.js';
import type { Caller } from '../shared/caller.js';
import { ForbiddenError } from '../shared/errors.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';
import type { PageRequest, RoomStore } from '../shared/room-store.js';
import { mayChangeMember, requireMember, requireRoom } from './membership.js';

export interface RoomsDependencies {
  store: RoomStore;
  clock: Clock;
  newRoomId: IdGenerator;
}

export async function createRoom(caller: Caller, body: unknown, deps: RoomsDependencies): Promise<RoomCreated> {
  const { name } = validateBody(CreateRoomRequestSchema, body);
  const roomId = deps.newRoomId();
  await deps.store.createRoom({ roomId, name, createdBy: caller.userId, createdAt: deps.clock.now().toISOString() });
  return { roomId, name };
}

export async function listRoomsOfCaller(caller: Caller, page: PageRequest, deps: Pick<RoomsDependencies, 'store'>): Promise<RoomList> {
  const { items, nextCursor } = await deps.store.listRoomsOfUser(caller.userId, page);
  return { rooms: items.map((m) => ({ roomId: m.roomId, name: m.roomName, role: m.role })), ...(nextCursor ? { nextCursor } : {}) };
}

export async function listMembers(caller: Caller, roomId: string, page: PageRequest, deps: Pick<RoomsDependencies, 'store'>): Promise<MemberList> {
  await requireMember(deps.store, roomId, caller.userId);
  const { items, nextCursor } = await deps.store.listMembers(roomId, page);
  return { members: items.map((m) => ({ userId: m.userId, role: m.role })), ...(nextCursor ? { nextCursor } : {}) };
}

/** PUT: adds the user as a member (or changes their role). Owners only; 404 for an unknown room. */
export async function putMember(caller: Caller, roomId: string, userId: string, role: RoomRole, deps: Pick<RoomsDependencies, 'store'>): Promise<void> {
  await requireRoom(deps.store, roomId);
  const callerMembership = await deps.store.getMembership(roomId, caller.userId);
  if (!mayChangeMember(callerMembership?.role, caller.userId, userId, 'put'))
    throw new ForbiddenError(`only an owner of room ${roomId} may add or change members`);
  await deps.store.putMember(roomId, userId, role);
}

/** DELETE: an owner removes a member, or a member leaves. 404 for an unknown room; idempotent for a non-member target. */
export async function removeMember(caller: Caller, roomId: string, userId: string, deps: Pick<RoomsDependencies, 'store'>): Promise<void> {
  await requireRoom(deps.store, roomId);
  const callerMembership = await deps.store.getMembership(roomId, caller.userId);
  if (!mayChangeMember(callerMembership?.role, caller.userId, userId, 'remove')) {
    throw new ForbiddenError(callerMembership ? `only an owner of room ${roomId} may remove other members` : `you are not a member of room ${roomId}`);
  }
  await deps.store.removeMember(roomId, userId);
}
