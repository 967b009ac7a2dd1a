/**
 * The open room: a header that stays in view (the way back to the list on phones, the room's name, Delete for owners,
 * Leave), its messages (history merged with live ones, older pages on demand, and those being sent), a composer that
 * stays at the bottom of the screen, its members by display name with who is online (live: room events and presence),
 * and for owners inviting by username or email, promoting members and removing them. Drawn once per opened room and
 * updated in place from the model's changes, so typing is never interrupted by an arriving message.
 *
 * Reading position: the room opens at its newest message; an older page loads above the reader without moving what
 * they read; a message arriving while they read further up shows a "new messages" button (announced politely) that
 * takes them down, and their own message, once sent, is brought into view. Leaving, deleting, promoting and removing
 * ask first.
 */

import * as v from 'valibot';
import { InviteRequestSchema } from '../../core/contracts/rooms.js';
import { ApiError } from './api.js';
import { composer } from './composer.js';
import { confirmAction } from './confirm-dialog.js';
import { h } from './dom.js';
import { messageList } from './message-list.js';
import type { DisplayNames } from './names.js';
import { notify } from './notices.js';
import { inviteRequestOf } from './rooms/members.js';
import type { RoomsChange, RoomsModel } from './rooms-model.js';

export interface RoomView {
  element: HTMLElement;
  update(change: RoomsChange): void;
  /** The view is on the page: it shows the newest message. */
  shown(): void;
  /** The view leaves the page. */
  dispose(): void;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Owners invite people by what they know of them: a username (an app user's is their user id) or an email. Nobody
 * matching is a 404 with the API's sentence ("No user named dana"), said plainly here; nobody is added then.
 */
function inviteForm(model: RoomsModel, roomId: string): HTMLFormElement {
  const input = h('input', {
    name: 'invitee',
    placeholder: 'username or email',
    'aria-label': 'Username or email of the person to add',
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    maxlength: '254',
    'data-testid': 'member-id',
  });
  const button = h('button', { type: 'submit', class: 'ghost', 'data-testid': 'add-member' }, 'Add member');
  let busy = false;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const who = input.value.trim();
    if (who === '' || busy) return;
    // Checked here first, by the API's own contract: a name that cannot be anyone's costs no request.
    const checked = v.safeParse(InviteRequestSchema, inviteRequestOf(who));
    if (!checked.success) return notify(`"${who}" is not a username or email: it ${checked.issues[0]?.message ?? 'is not valid'}`);
    busy = true;
    button.setAttribute('aria-disabled', 'true');
    model
      .invite(roomId, who)
      .then(
        ({ member, added }) => {
          input.value = '';
          notify(added ? `${member.displayName} was added` : `${member.displayName} is a member already`, 'info');
        },
        (error: unknown) =>
          notify(
            error instanceof ApiError && error.status === 404
              ? `No such user: nobody has the username or email "${who}". Check the spelling; invites need it exactly.`
              : errorText(error),
          ),
      )
      .finally(() => {
        busy = false;
        button.removeAttribute('aria-disabled');
      });
  };
  return h('form', { class: 'add-member', onSubmit }, input, button);
}

export function roomView(model: RoomsModel, roomId: string, names: DisplayNames, onClose: () => void): RoomView {
  const roomName = () => model.room(roomId)?.name ?? roomId;
  const title = h('h2', { 'data-testid': 'room-title', id: `room-title-${roomId}` });
  const leave = h(
    'button',
    {
      type: 'button',
      class: 'ghost',
      'data-testid': 'leave-room',
      onClick: async () => {
        const sure = await confirmAction({
          title: `Leave ${roomName()}?`,
          text:
            'You stop getting its messages, here and on your other devices. To come back, an owner of the room has to add you again.' +
            (isOwner() ? ' If you are its last owner, the member who joined first becomes its owner; if you are its last member, the room is deleted.' : ''),
          confirm: 'Leave room',
        });
        if (!sure) return;
        model.leave(roomId).then(
          () => onClose(),
          (error: unknown) => notify(errorText(error)),
        );
      },
    },
    'Leave room',
  );
  const remove = h(
    'button',
    {
      type: 'button',
      class: 'ghost danger-text',
      'data-testid': 'delete-room',
      onClick: async () => {
        const sure = await confirmAction({
          title: `Delete ${roomName()}?`,
          text: 'The room is deleted for every member, at once: it leaves their lists and its history can no longer be read. This cannot be undone.',
          confirm: 'Delete room',
        });
        if (!sure) return;
        const name = roomName();
        model.deleteRoom(roomId).then(
          () => {
            notify(`${name} was deleted`, 'info');
            onClose();
          },
          (error: unknown) => notify(errorText(error)),
        );
      },
    },
    'Delete room',
  );
  // Phones show one pane at a time: the way back to the room list.
  const back = h('button', { type: 'button', class: 'ghost back-to-rooms', 'data-testid': 'back-to-rooms', onClick: onClose }, '‹ Rooms');
  const header = h('header', { class: 'room-header' }, back, title, h('div', { class: 'room-actions' }, remove, leave));
  const footer = h('div', { class: 'room-footer' });
  const list = messageList({
    testId: 'messages',
    names,
    label: 'Messages',
    onRetry: (localId) => model.retrySend(roomId, localId),
    onDiscard: (localId) => model.discardSend(roomId, localId),
    // Read between the sticky header and the sticky composer.
    viewport: () => ({ top: header.getBoundingClientRect().bottom, bottom: footer.getBoundingClientRect().top }),
  });
  /** An older page is loading: the button stays, saying so, so that nothing above the reader moves meanwhile. */
  let loadingOlder = false;
  const older = h('button', { type: 'button', class: 'ghost small-button', 'data-testid': 'load-older' }, 'Load older messages');
  older.addEventListener('click', () => {
    if (loadingOlder) return;
    loadingOlder = true;
    void model.loadOlder(roomId);
  });
  const historyStatus = h('p', { class: 'muted small', 'data-testid': 'history-status' });

  // "New messages": shown while the reader is further up when others' messages arrive; its region says it politely.
  let unseen = 0;
  const cueButton = h('button', { type: 'button', class: 'new-messages small-button', 'data-testid': 'new-messages', hidden: true });
  const cue = h('div', { class: 'new-messages-cue', role: 'status', 'data-testid': 'new-messages-status' }, cueButton);
  const drawCue = () => {
    cueButton.hidden = unseen === 0;
    cueButton.textContent = unseen === 0 ? '' : `↓ ${unseen} new ${unseen === 1 ? 'message' : 'messages'}`;
  };
  const seen = () => {
    if (unseen === 0) return;
    unseen = 0;
    drawCue();
  };
  cueButton.addEventListener('click', () => {
    list.revealEnd(true);
    seen();
    // The button is gone: focus goes to the messages it led to, not to the page's start.
    list.element.focus({ preventScroll: true });
  });
  list.element.tabIndex = -1;

  const input = composer({
    label: 'Message',
    placeholder: 'Write a message',
    sendText: 'Send message',
    fieldTestId: `input-${roomId}`,
    sendTestId: `send-${roomId}`,
    onSend: (text) => {
      // Shown at once as sending (or queued while offline); a refusal is shown on the message itself, with "Send again".
      model.send(roomId, text);
      list.revealEnd();
      seen();
    },
  });
  footer.append(cue, input.element);

  const memberList = h('ul', { class: 'members', 'data-testid': 'members' });
  const memberStatus = h('p', { class: 'muted small' });
  const ownerTools = inviteForm(model, roomId);
  const element = h(
    'article',
    { class: 'room', 'data-testid': `room-${roomId}`, 'data-room-id': roomId, 'aria-labelledby': `room-title-${roomId}` },
    header,
    older,
    historyStatus,
    list.element,
    footer,
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
    remove.hidden = !isOwner();
  };

  /** Whether the newest page had been drawn: what comes after it is news, what comes with it is not. */
  let historyDrawn = false;
  const drawTimeline = () => {
    const timeline = model.timeline(roomId);
    const history = timeline.history;
    const position = list.position();
    element.dataset.history = history.status; // for tests and styles: not-loaded, loading, loaded, failed
    if (history.status !== 'loading') loadingOlder = false;
    older.hidden = !(loadingOlder || (history.status === 'loaded' && history.older !== undefined));
    older.textContent = loadingOlder ? 'Loading older messages…' : 'Load older messages';
    older.setAttribute('aria-disabled', String(loadingOlder));
    historyStatus.replaceChildren();
    if (loadingOlder) {
      // Said by the button.
    } else if (history.status === 'loading' || history.status === 'not-loaded') historyStatus.append('Loading history…');
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
    const added = list.render(timeline.messages(), model.outbox(roomId));
    list.restore(position);
    if (!historyDrawn) {
      historyDrawn = history.status === 'loaded';
      if (historyDrawn && position.kind === 'end') list.revealEnd(true);
      return;
    }
    const news = added.filter((m) => m.from !== model.userId).length;
    if (news > 0 && position.kind === 'at') {
      unseen += news;
      drawCue();
    }
  };

  const drawMembers = () => {
    drawnRole = model.room(roomId)?.role;
    const state = model.members(roomId);
    const presence = model.presence(roomId);
    const showPresence = presence.status === 'loaded' || (presence.status === 'not-loaded' && presence.online.size > 0);
    memberStatus.textContent =
      state.status === 'loading' ? 'Loading members…' : state.status === 'failed' ? `Could not load the members: ${state.error ?? ''}` : '';
    const position = list.position();
    const nameOf = (member: { userId: string; displayName: string }) => member.displayName || names.of(member.userId);
    const owner = isOwner();
    /** An owner's controls for another member: Make owner (for a member) and Remove, each asking first. */
    const memberActions = (member: { userId: string; role: string }, name: string, full: string): HTMLButtonElement[] => [
      ...(member.role === 'member'
        ? [
            h(
              'button',
              {
                type: 'button',
                class: 'ghost small-button',
                'data-testid': `promote-member-${member.userId}`,
                'aria-label': `Make owner: ${full}`,
                onClick: async () => {
                  const sure = await confirmAction({
                    title: `Make ${name} an owner of ${roomName()}?`,
                    text: `${name} can then add and remove members, promote others, and delete the room; owners can remove each other.`,
                    confirm: 'Make owner',
                  });
                  if (sure) void model.putMember(roomId, member.userId, 'owner').catch((error: unknown) => notify(errorText(error)));
                },
              },
              'Make owner',
            ),
          ]
        : []),
      h(
        'button',
        {
          type: 'button',
          class: 'ghost small-button',
          'data-testid': `remove-member-${member.userId}`,
          'aria-label': `Remove ${full}`,
          onClick: async () => {
            const sure = await confirmAction({
              title: `Remove ${name} from ${roomName()}?`,
              text: `${name} stops getting this room's messages at once, and is told so. You can add them again later.`,
              confirm: 'Remove',
            });
            if (sure) void model.removeMember(roomId, member.userId).catch((error: unknown) => notify(errorText(error)));
          },
        },
        'Remove',
      ),
    ];
    memberList.replaceChildren(
      ...[...state.members]
        .sort((a, b) => Number(b.userId === model.userId) - Number(a.userId === model.userId) || nameOf(a).localeCompare(nameOf(b)))
        .map((member) => {
          const online = presence.online.has(member.userId);
          const you = member.userId === model.userId;
          const name = nameOf(member);
          const full = name === member.userId ? name : `${name} (${member.userId})`;
          return h(
            'li',
            { 'data-testid': 'member', 'data-user-id': member.userId, 'data-role': member.role, ...(showPresence ? { 'data-online': String(online) } : {}) },
            showPresence ? h('span', { class: `presence-dot ${online ? 'online' : 'offline'}`, 'aria-hidden': 'true' }) : null,
            h('span', { class: 'member-id', title: full }, you ? `${name} (you)` : name),
            showPresence ? h('span', { class: 'visually-hidden' }, online ? ', online' : ', offline') : null,
            h('span', { class: 'muted small' }, member.role),
            owner && !you ? h('span', { class: 'member-actions' }, ...memberActions(member, name, full)) : null,
          );
        }),
      ...(state.more
        ? [h('li', {}, h('button', { type: 'button', class: 'ghost small-button', onClick: () => void model.loadMembers(roomId, state.more) }, 'More members'))]
        : []),
    );
    list.restore(position);
  };

  // Back at the end by scrolling: the news has been seen.
  let frame = 0;
  const onScroll = () => {
    if (frame !== 0 || unseen === 0) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (list.atEnd()) seen();
    });
  };
  window.addEventListener('scroll', onScroll, { passive: true });

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
    shown() {
      list.revealEnd(true);
    },
    dispose() {
      window.removeEventListener('scroll', onScroll);
      cancelAnimationFrame(frame);
    },
  };
}
