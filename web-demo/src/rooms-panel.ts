/**
 * The rooms: a sidebar (navigation) with the user's rooms (GET /rooms, paged), their unread counts and creating a
 * room, and the open room for the page's main content. The open room is named in the address (`#room=<roomId>`), so
 * a reload, or a link, opens it again. Phones show one of the two at a time (styles.css, `data-room-open`). A room the
 * user was reading when they were taken out of it (removed, deleted) is replaced by why, with no composer; what the
 * model has to tell (added to a room, made an owner) becomes a notice.
 */

import { h } from './dom.js';
import type { DisplayNames } from './names.js';
import { notify } from './notices.js';
import { type RoomView, roomView } from './room-view.js';
import type { ClosedRoom } from './rooms/closed-rooms.js';
import type { RoomsModel } from './rooms-model.js';

export interface RoomsPanel {
  /** The room list: a navigation landmark. */
  sidebar: HTMLElement;
  /** The open room, or what to do when none is: goes in the page's main landmark. */
  content: HTMLElement;
  /** Stops listening to the address and the page's visibility. */
  dispose(): void;
}

const HASH_PREFIX = '#room=';

/** The room named by the address, if any. */
export function roomInAddress(hash: string): string | undefined {
  if (!hash.startsWith(HASH_PREFIX)) return undefined;
  const roomId = decodeURIComponent(hash.slice(HASH_PREFIX.length));
  return roomId === '' ? undefined : roomId;
}

function createRoomForm(model: RoomsModel, open: (roomId: string) => void): HTMLFormElement {
  const input = h('input', {
    name: 'name',
    placeholder: 'New room name',
    maxlength: '100',
    'aria-label': 'New room name',
    autocomplete: 'off',
    'data-testid': 'new-room-name',
  });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const name = input.value.trim();
    if (name === '') return;
    model.createRoom(name).then(
      (roomId) => {
        input.value = '';
        open(roomId);
      },
      (error: unknown) => notify(error instanceof Error ? error.message : String(error)),
    );
  };
  return h('form', { class: 'create-room', onSubmit }, input, h('button', { type: 'submit', 'data-testid': 'create-room' }, 'Create room'));
}

/** In place of a room the user was taken out of: why, what they wrote there that was not sent, and the way back. */
function closedRoomView(closed: ClosedRoom, back: () => void): HTMLElement {
  return h(
    'section',
    { class: 'empty-state room-closed', 'data-testid': 'room-closed', 'data-room-id': closed.roomId, tabindex: '-1', 'aria-labelledby': 'room-closed-title' },
    h('h2', { id: 'room-closed-title' }, `You are no longer in ${closed.name}`),
    h('p', { 'data-testid': 'room-closed-reason' }, closed.text),
    closed.unsent.length > 0
      ? h(
          'div',
          { class: 'unsent' },
          h('p', { class: 'muted small' }, closed.unsent.length === 1 ? 'This message was not sent:' : 'These messages were not sent:'),
          h('ul', { 'data-testid': 'room-closed-unsent' }, ...closed.unsent.map((text) => h('li', {}, text))),
        )
      : null,
    h('button', { type: 'button', class: 'ghost back-to-rooms-closed', 'data-testid': 'room-closed-back', onClick: back }, '‹ Your rooms'),
  );
}

export function roomsPanel(model: RoomsModel, names: DisplayNames, onLayout: (roomOpen: boolean) => void): RoomsPanel {
  const open = (roomId: string | undefined) => {
    const hash = roomId === undefined ? '' : `${HASH_PREFIX}${encodeURIComponent(roomId)}`;
    if (location.hash !== hash) history.pushState(null, '', hash === '' ? location.pathname + location.search : hash);
    model.open(roomId);
  };

  const list = h('ul', { class: 'room-list', 'data-testid': 'rooms' });
  const status = h('p', { class: 'muted small', 'data-testid': 'rooms-status' });
  const more = h(
    'button',
    { type: 'button', class: 'ghost small-button', 'data-testid': 'more-rooms', onClick: () => void model.loadMoreRooms() },
    'More rooms',
  );
  const empty = h(
    'p',
    { class: 'muted', 'data-testid': 'no-rooms' },
    'You are not in any room yet. Create one, or ask an owner of a room to add you by your username or email.',
  );
  const sidebar = h(
    'nav',
    { class: 'panel sidebar', 'aria-labelledby': 'rooms-heading', 'data-testid': 'rooms-panel' },
    h('h2', { id: 'rooms-heading' }, 'Rooms'),
    status,
    empty,
    list,
    more,
    createRoomForm(model, open),
    h('p', { class: 'muted small user-id' }, 'Your user id: ', h('code', { 'data-testid': 'my-user-id' }, model.userId)),
  );
  const content = h('div', { class: 'open-room' });

  const drawList = () => {
    const rooms = model.rooms();
    const state = model.list;
    list.replaceChildren(
      ...rooms.map((room) => {
        const unread = model.unread(room.roomId);
        const unreadMore = model.unreadMore(room.roomId);
        const current = room.roomId === model.selected;
        return h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: 'room-link',
              'data-testid': 'room-link',
              'data-room-id': room.roomId,
              'aria-current': current ? 'page' : false,
              onClick: () => open(room.roomId),
            },
            h('span', { class: 'room-name' }, room.name),
            room.role === 'owner' ? h('span', { class: 'role small' }, 'owner') : null,
            unread > 0
              ? h('span', { class: 'unread', 'data-testid': 'unread' }, `${unread}${unreadMore ? '+' : ''}`, h('span', { class: 'visually-hidden' }, ' unread'))
              : null,
          ),
        );
      }),
    );
    status.replaceChildren();
    if (state.status === 'loading' && rooms.length === 0) status.append('Loading your rooms…');
    if (state.status === 'failed') {
      status.append(
        `Could not load your rooms: ${state.error} `,
        h('button', { type: 'button', class: 'ghost small-button', onClick: () => void model.refreshRooms() }, 'Try again'),
      );
    }
    empty.hidden = !(state.status === 'loaded' && rooms.length === 0);
    more.hidden = state.status === 'loading' || state.more === undefined;
  };

  let view: RoomView | undefined;
  const drawOpenRoom = () => {
    const roomId = model.selected;
    // Phones show the room pane for a closed room too: why it closed is what the user needs to read.
    onLayout(roomId !== undefined || model.closedRoom !== undefined);
    if (view && view.element.dataset.roomId === roomId) return;
    view?.dispose();
    view = roomId === undefined ? undefined : roomView(model, roomId, names, () => open(undefined));
    const closed = model.closedRoom;
    content.replaceChildren(
      view?.element ??
        (closed
          ? closedRoomView(closed, () => open(undefined))
          : h(
              'div',
              { class: 'empty-state', 'data-testid': 'no-room-open' },
              h('h2', {}, 'No room open'),
              h('p', { class: 'muted' }, 'Open a room from the list to read its history and write to its members; new messages arrive here live.'),
            )),
    );
    // Keyboard and screen reader users are taken to why the room they were in is gone.
    if (!view && closed) content.querySelector<HTMLElement>('[data-testid=room-closed]')?.focus();
    // A room opens at its newest message.
    view?.shown();
  };

  // The tab's title counts what is unread, so it shows among other tabs: "(3) iot-realtime demo".
  const baseTitle = document.title;
  const drawTitle = () => {
    const count = model.totalUnread();
    const title = count > 0 ? `(${count}${model.totalUnreadMore() ? '+' : ''}) ${baseTitle}` : baseTitle;
    if (document.title !== title) document.title = title;
  };

  model.on((change) => {
    if (change.kind === 'notice') return notify(change.text, 'info');
    if (change.kind === 'rooms') drawTitle();
    if (change.kind === 'rooms' || change.kind === 'selected') drawList();
    if (change.kind === 'selected') drawOpenRoom();
    view?.update(change);
  });
  const onAddress = () => model.open(roomInAddress(location.hash));
  // Back in the tab: rooms may have been joined or left meanwhile, and what arrived in the open room is read now.
  const onVisible = () => {
    const visible = document.visibilityState === 'visible';
    model.setPageVisible(visible);
    if (visible) void model.refreshRooms();
  };
  model.setPageVisible(document.visibilityState !== 'hidden');
  window.addEventListener('popstate', onAddress);
  document.addEventListener('visibilitychange', onVisible);

  drawList();
  drawOpenRoom();
  void model.loadRooms();
  const initial = roomInAddress(location.hash);
  if (initial !== undefined) model.open(initial);
  return {
    sidebar,
    content,
    dispose() {
      window.removeEventListener('popstate', onAddress);
      document.removeEventListener('visibilitychange', onVisible);
      view?.dispose();
      model.close();
      document.title = baseTitle;
    },
  };
}
