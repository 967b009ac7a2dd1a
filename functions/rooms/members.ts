/**
 * Members of a room: list them (members only), invite (owners; always as a member, never as an owner, only people
 * the directory knows, at most INVITE_LIMIT rooms per pair of users and window), promote or demote (owners), remove
 * (owners) or leave (anyone, always: the last owner's ownership passes to the longest-standing member, and a room left
 * empty is deleted). Each change reaches the people it concerns as a room event (events.ts).
 */
import type { InviteRequest, Member, MemberList, RoomRole } from '../../core/contracts/rooms.js';
import type { Caller } from '../shared/caller.js';
import { AmbiguousUserError, NotAMemberError, NotRoomOwnerError, RoomNotFoundError, TooManyRequestsError, UserNotFoundError } from '../shared/errors.js';
import type { RateLimiter } from '../shared/ports.js';
import type { PageRequest } from '../shared/room-store.js';
import type { UserDirectory, UserProfile } from '../users/directory.js';
import { actorOf, eventBase, onlineAmong, publishRoomEvent, type RoomEventDependencies, userRefOf } from './events.js';

export interface MembersDependencies extends RoomEventDependencies {
  directory: UserDirectory;
  /** Counts `<inviter>#<invitee>`: how many rooms one user adds one given other user to per window. */
  inviteLimiter: RateLimiter;
}

/** GET /rooms/{roomId}/members: each member with display name, role and whether they are online now. */
export async function listMembers(caller: Caller, roomId: string, page: PageRequest, deps: RoomEventDependencies): Promise<MemberList> {
  const [membership, members] = await Promise.all([deps.store.getMembership(roomId, caller.userId), deps.store.listMembers(roomId, page)]);
  if (membership === undefined) throw new RoomNotFoundError(roomId);
  const userIds = members.items.map((m) => m.userId);
  const [profiles, online] = await Promise.all([deps.directory.getMany(userIds), onlineAmong(userIds, deps)]);
  return {
    members: members.items.map((m) => ({
      userId: m.userId,
      displayName: profiles.get(m.userId)?.displayName ?? m.userId,
      role: m.role,
      online: online.has(m.userId),
    })),
    ...(members.nextCursor ? { nextCursor: members.nextCursor } : {}),
  };
}

/** Who an invite names: exactly one user, or a sentence a person understands. */
export async function resolveInvitee(request: InviteRequest, directory: UserDirectory): Promise<UserProfile> {
  if (request.userId !== undefined) {
    const profile = await directory.get(request.userId);
    if (profile === undefined) throw new UserNotFoundError(`No user with id ${request.userId}`);
    return profile;
  }
  if (request.email !== undefined) {
    const profile = await directory.findByEmail(request.email);
    if (profile === undefined) throw new UserNotFoundError(`No user with the email ${request.email}`);
    return profile;
  }
  const username = request.username ?? '';
  const found = await directory.findByUsername(username);
  if (found.length === 0) throw new UserNotFoundError(`No user named ${username}`);
  if (found.length > 1)
    throw new AmbiguousUserError(`${found.length} users are named ${username} (an app user and a Cognito user): invite one of them by user id`);
  return found[0]!;
}

export interface Invited {
  member: Member;
  added: boolean;
}

/**
 * Adds the invitee as a member (POST /rooms/{roomId}/members, PUT without a role change). The caller must be an owner;
 * a non-member learns nothing, not even whether the invitee exists (the room is checked first). Adding someone who is
 * already a member changes nothing and counts against no limit.
 */
export async function invite(caller: Caller, roomId: string, request: InviteRequest, deps: MembersDependencies): Promise<Invited> {
  const [actor, invitee] = await Promise.all([
    deps.store.getMembership(roomId, caller.userId),
    resolveInvitee(request, deps.directory).catch((error: unknown) => error as Error),
  ]);
  if (actor === undefined) throw new RoomNotFoundError(roomId);
  if (actor.role !== 'owner') throw new NotRoomOwnerError(`only an owner of room ${roomId} may add members`);
  if (invitee instanceof Error) throw invitee;
  const [existing, onlineNow] = await Promise.all([deps.store.getMembership(roomId, invitee.userId), onlineAmong([invitee.userId], deps)]);
  if (existing === undefined) {
    try {
      await deps.inviteLimiter.consume(`${caller.userId}#${invitee.userId}`);
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error;
      throw new TooManyRequestsError(
        `you have added ${invitee.displayName} to too many rooms recently; try again in ${error.retryAfterSeconds} s`,
        error.retryAfterSeconds,
        { cause: error },
      );
    }
  }
  const outcome = existing === undefined ? await deps.store.addMember(roomId, invitee.userId, caller.userId) : undefined;
  const membership = outcome?.membership ?? existing!;
  const member: Member = { userId: invitee.userId, displayName: invitee.displayName, role: membership.role, online: onlineNow.has(invitee.userId) };
  if (outcome?.added) {
    await publishRoomEvent({ type: 'member_added', ...eventBase(outcome.room, actorOf(caller), deps), member: { ...member, role: 'member' } }, deps);
  }
  return { member, added: outcome?.added ?? false };
}

/**
 * PUT /rooms/{roomId}/members/{userId} {role?}: for a member, sets their role (owners only: promote, or demote while
 * another owner remains); for anyone else, an invite as a member. `{"role":"owner"}` for a non-member is refused:
 * nobody becomes an owner without having been a member first.
 */
export async function putMember(caller: Caller, roomId: string, userId: string, role: RoomRole, deps: MembersDependencies): Promise<void> {
  try {
    const change = await deps.store.setRole(roomId, userId, role, caller.userId);
    if (change.previousRole === undefined) return;
    const target = userId === caller.userId ? actorOf(caller) : await userRefOf(userId, deps);
    await publishRoomEvent(
      {
        type: 'role_changed',
        ...eventBase(change.room, actorOf(caller), deps),
        member: { ...target, role },
        previousRole: change.previousRole,
        reason: 'changed_by_owner',
      },
      deps,
    );
  } catch (error) {
    if (!(error instanceof NotAMemberError)) throw error;
    if (role === 'owner') {
      throw new NotAMemberError(`${userId} is not a member of room ${roomId}: invite them first; only members can be made owners`, { cause: error });
    }
    await invite(caller, roomId, { userId }, deps);
  }
}

/**
 * DELETE /rooms/{roomId}/members/{userId}: an owner removes someone, or anyone leaves. The one removed hears of it in
 * their inbox of the room (and stops receiving its messages from the next one on); the others too. When the last owner
 * leaves, everyone hears who is the new owner; when the last member leaves, the room is gone with them.
 */
export async function removeMember(caller: Caller, roomId: string, userId: string, deps: MembersDependencies): Promise<void> {
  const leaving = userId === caller.userId;
  const [outcome, removed] = await Promise.all([
    deps.store.removeMember(roomId, userId, caller.userId),
    leaving ? Promise.resolve(actorOf(caller)) : userRefOf(userId, deps),
  ]);
  if (!outcome.removed) return;
  const by = actorOf(caller);
  await publishRoomEvent(
    {
      type: 'member_removed',
      ...eventBase(outcome.room, by, deps),
      member: removed,
      reason: leaving ? 'left' : 'removed',
      roomDeleted: outcome.roomDeleted,
    },
    deps,
    [userId],
  );
  if (outcome.successor !== undefined) {
    const successor = await userRefOf(outcome.successor.userId, deps);
    await publishRoomEvent(
      {
        type: 'role_changed',
        ...eventBase(outcome.room, by, deps),
        member: { ...successor, role: 'owner' },
        previousRole: 'member',
        reason: 'last_owner_left',
      },
      deps,
    );
  }
}
