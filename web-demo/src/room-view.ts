/**
 * The open room: its messages (history merged with live ones, older pages on demand, and those being sent), a
 * composer, its members with who is online, and for owners adding and removing members; anyone may leave. Drawn once
 * per opened room and updated in place from the model's changes, so typing is never interrupted by an arriving message.
 */
import * as v from 'valibot';
import { UserIdSchema } from '../../core/contracts/rooms.js';
import { h, toast } from './dom.js';
import { messageList } from './message-list.js';
import type { DisplayNames } from './names.js';
import type { RoomsChange, RoomsModel } from './rooms-model.js';

export interface RoomView {
  element: HTMLElement;
  update(change: RoomsChange): void;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function composer(model: RoomsModel, roomId: string): HTMLFormElement {
  const input = h('input', {
    placeholder: 'Write a message',
    maxlength: '2000',
    'aria-label': 'Message',
    autocomplete: 'off',
    'data-testid': `input-${roomId}`,
  });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const text = input.value;
    if (text.trim() === '') return;
    input.value = '';
    // Shown at once as sending; a refusal is shown on the message itself, with "Send again".
    model.send(roomId, text);
  };
  return h('form', { class: 'composer', onSubmit }, input, h('button', { type: 'submit', 'data-testid': `send-${roomId}` }, 'Send message'));
}

function addMemberForm(model: RoomsModel, roomId: string, names: DisplayNames): HTMLFormElement {
  const input = h('input', { name: 'userId', placeholder: 'user id', 'aria-label': 'User id to add', autocomplete: 'off', 'data-testid': 'member-id' });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const userId = input.value.trim();
    const checked = v.safeParse(UserIdSchema, userId);
    if (!checked.success) return toast(`"${userId}" is not a user id: it ${checked.issues[0]?.message ?? 'is not valid'}`);
    model.putMember(roomId, userId).then(
      () => {
        input.value = '';
        toast(`${names.of(userId)} was added`, 'info');
      },
      (error: unknown) => toast(errorText(error)),
    );
  };
  return h('form', { class: 'add-member', onSubmit }, input, h('button', { type: 'submit', class: 'ghost', 'data-testid': 'add-member' }, 'Add member'));
}

export function roomView(model: RoomsModel, roomId: string, names: DisplayNames, onClose: () => void): RoomView {
  const title = h('h2', { 'data-testid': 'room-title', id: `room-title-${roomId}` });
  const leave = h(
    'button',
    {
      type: 'button',
      class: 'ghost',
      'data-testid': 'leave-room',
      onClick: () =>
        void model.leave(roomId).then(
          () => onClose(),
          (error: unknown) => toast(errorText(error)),
        ),
    },
    'Leave room',
  );
  // Phones show one pane at a time: the way back to the room list.
  const back = h('button', { type: 'button', class: 'ghost back-to-rooms', 'data-testid': 'back-to-rooms', onClick: onClose }, '‹ Rooms');
  const list = messageList({
    testId: 'messages',
    names,
    label: 'Messages',
    onRetry: (localId) => model.retrySend(roomId, localId),
    onDiscard: (localId) => model.discardSend(roomId, localId),
  });
  const older = h(
    'button',
    { type: 'button', class: 'ghost small-button', 'data-testid': 'load-older', onClick: () => void model.loadOlder(roomId) },
    'Load older messages',
  );
  const historyStatus = h('p', { class: 'muted small', 'data-testid': 'history-status' });
  const memberList = h('ul', { class: 'members', 'data-testid': 'members' });
  const memberStatus = h('p', { class: 'muted small' });
  const ownerTools = addMemberForm(model, roomId, names);
  const element = h(
    'article',
    { class: 'room', 'data-testid': `room-${roomId}`, 'data-room-id': roomId, 'aria-labelledby': `room-title-${roomId}` },
    h('header', { class: 'room-header' }, back, title, leave),
    older,
    historyStatus,
    list.element,
    composer(model, roomId),
    h(
      'section',
      { class: 'members-section', 'aria-labelledby': `members-title-${roomId}` },
      h('h3', { id: `members-title-${roomId}` }, 'Members'),
      memberStatus,
      memberList,
      ownerTools,
    ),
  );

  const isOwner = () => model.room(roomId)?.role === 'owner';

  /** The user's role as drawn: the member controls change with it. */
  let drawnRole: string | undefined;
  const drawTitle = () => {
    const room = model.room(roomId);
    title.textContent = room ? room.name : roomId;
    title.title = `room id ${roomId}${room ? `, you are ${room.role === 'owner' ? 'an owner' : 'a member'}` : ''}`;
    ownerTools.hidden = !isOwner();
  };

  const drawTimeline = () => {
    const timeline = model.timeline(roomId);
    const history = timeline.history;
    element.dataset.history = history.status; // for tests and styles: not-loaded, loading, loaded, failed
    list.render(timeline.messages(), model.outbox(roomId));
    older.hidden = !(history.status === 'loaded' && history.older !== undefined);
    historyStatus.replaceChildren();
    if (history.status === 'loading' || history.status === 'not-loaded') historyStatus.append('Loading history…');
    else if (history.status === 'failed') {
      historyStatus.append(
        `Could not load the history: ${history.error} `,
        h(
          'button',
          { type: 'button', class: 'ghost small-button', 'data-testid': 'retry-history', onClick: () => void model.retryHistory(roomId) },
          'Try again',
        ),
      );
    } else if (timeline.size === 0) historyStatus.append('No messages yet. What you write here reaches every member live, and stays in the history.');
    else if (history.older === undefined) historyStatus.append('The beginning of this room.');
  };

  const drawMembers = () => {
    drawnRole = model.room(roomId)?.role;
    const state = model.members(roomId);
    const presence = model.presence(roomId);
    const showPresence = presence.status === 'loaded' || (presence.status === 'not-loaded' && presence.online.size > 0);
    memberStatus.textContent =
      state.status === 'loading' ? 'Loading members…' : state.status === 'failed' ? `Could not load the members: ${state.error ?? ''}` : '';
    memberList.replaceChildren(
      ...[...state.members]
        .sort((a, b) => Number(b.userId === model.userId) - Number(a.userId === model.userId) || names.of(a.userId).localeCompare(names.of(b.userId)))
        .map((member) => {
          const online = presence.online.has(member.userId);
          const you = member.userId === model.userId;
          return h(
            'li',
            { 'data-testid': 'member', 'data-user-id': member.userId, ...(showPresence ? { 'data-online': String(online) } : {}) },
            showPresence ? h('span', { class: `presence-dot ${online ? 'online' : 'offline'}`, 'aria-hidden': 'true' }) : null,
            h('span', { class: 'member-id', title: member.userId }, you ? `${names.of(member.userId)} (you)` : names.of(member.userId)),
            showPresence ? h('span', { class: 'visually-hidden' }, online ? ', online' : ', offline') : null,
            h('span', { class: 'muted small' }, member.role),
            isOwner() && !you
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'ghost small-button',
                    'data-testid': `remove-member-${member.userId}`,
                    'aria-label': `Remove ${names.full(member.userId)}`,
                    onClick: () => void model.removeMember(roomId, member.userId).catch((error: unknown) => toast(errorText(error))),
                  },
                  'Remove',
                )
              : null,
          );
        }),
      ...(state.more
        ? [h('li', {}, h('button', { type: 'button', class: 'ghost small-button', onClick: () => void model.loadMembers(roomId, state.more) }, 'More members'))]
        : []),
    );
  };

  drawTitle();
  drawTimeline();
  drawMembers();
  return {
    element,
    update(change) {
      if (change.kind === 'rooms') {
        drawTitle();
        if (model.room(roomId)?.role !== drawnRole) drawMembers();
      } else if (change.kind === 'timeline' && change.roomId === roomId) drawTimeline();
      else if (change.kind === 'members' && change.roomId === roomId) drawMembers();
    },
  };
}
