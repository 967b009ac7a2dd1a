/**
 * The signed-in page: a one-row top bar (banner) with the connection badge and, when not live, a notice under it;
 * the rooms as a sidebar (navigation) and the open room as the main content for signed-in users; jobs (app users) and
 * broadcast beside them. Guests get broadcast as their main content. Incoming payloads go where they belong: room
 * messages and presence by the inbox topic they came on, job events by their job's topic, announcements by the
 * broadcast topic. Only new messages from others are announced to screen readers.
 */

import type { BroadcastList } from '../../core/contracts/http.js';
import type { TopicScheme } from '../../core/topics.js';
import { broadcastPanel } from './broadcast-panel.js';
import { announce, h } from './dom.js';
import { type JobsApi, jobsPanel } from './jobs-panel.js';
import type { DisplayNames } from './names.js';
import { noticeRegion } from './notices.js';
import { readPayload } from './payloads.js';
import type { RoomsModel } from './rooms-model.js';
import { roomsPanel } from './rooms-panel.js';
import { type ConnectionActions, type ConnectionStatus, connectionStatus } from './status-badge.js';
import { type TopBar, topBar } from './top-bar.js';
import { isJobTopic } from './topics.js';

export interface SessionPageOptions {
  topics: TopicScheme;
  /** The owner of the private topics, where room messages and job events arrive. */
  userId: string;
  displayName: string;
  names: DisplayNames;
  /** Absent for guests: rooms need a signed-in user. */
  rooms: RoomsModel | undefined;
  /** Absent for identities the jobs API does not serve (Cognito). */
  jobs: JobsApi | undefined;
  /** Admins only: posts to broadcast. */
  broadcast: ((text: string) => Promise<void>) | undefined;
  /** Signed-in users: the latest broadcasts (guests get them live only). */
  recentBroadcasts: (() => Promise<BroadcastList>) | undefined;
  connection: ConnectionActions;
}

export interface SessionPage {
  status: ConnectionStatus;
  bar: TopBar;
  /** Shows a parsed payload that arrived on `topic`, where it belongs; drops it if it satisfies no contract. */
  showPayload(topic: string, json: unknown): void;
  /** Stops the page's listeners (sign-out). */
  dispose(): void;
}

export function renderSessionPage(root: HTMLElement, options: SessionPageOptions): SessionPage {
  const { topics, userId, names } = options;
  const status = connectionStatus(options.connection);
  const bar = topBar(options.displayName, status, options.connection.signOut);
  const workspace = h('div', { class: options.rooms ? 'workspace' : 'workspace guest' });
  const guest = options.rooms === undefined;
  const rooms = options.rooms ? roomsPanel(options.rooms, names, (roomOpen) => (workspace.dataset.roomOpen = String(roomOpen))) : undefined;
  const jobs = options.jobs ? jobsPanel(options.jobs) : undefined;
  const broadcast = broadcastPanel({
    names,
    guest,
    ...(options.broadcast ? { post: options.broadcast } : {}),
    ...(options.recentBroadcasts ? { recent: options.recentBroadcasts } : {}),
  });
  const main = h('main', { id: 'main', tabindex: '-1', class: 'main' });
  if (rooms) {
    main.append(rooms.content);
    workspace.append(rooms.sidebar, main, h('aside', { class: 'side', 'aria-label': 'Jobs and broadcast' }, jobs?.element, broadcast.element));
  } else {
    main.append(
      h(
        'section',
        { class: 'panel guest-intro', 'aria-labelledby': 'guest-heading' },
        h('h2', { id: 'guest-heading' }, 'You are a guest'),
        h(
          'p',
          { class: 'muted' },
          'Guests get Cognito credentials that may receive only the broadcast topic: no rooms, no jobs. Sign in to create rooms and talk to other users.',
        ),
      ),
      broadcast.element,
    );
    workspace.append(main);
  }
  // The top stays in view: the bar, the connection notice and the notices; what sticks below it is placed under it.
  const top = h('div', { class: 'top', 'data-testid': 'top' }, bar.element, status.notice, noticeRegion());
  root.replaceChildren(h('div', { class: 'app' }, top, workspace));
  const resized = new ResizeObserver(() => document.documentElement.style.setProperty('--top-offset', `${top.getBoundingClientRect().height}px`));
  resized.observe(top);

  let firstShown = true;
  /** A live message was taken in (read by `npm run bench:web`). */
  const shownLive = () => {
    if (firstShown) performance.mark('realtime-first-message');
    firstShown = false;
  };
  const showPayload = (topic: string, json: unknown) => {
    const payload = readPayload(json);
    if (payload === undefined) return;
    if (payload.type === 'job') {
      if (isJobTopic(topics, userId, payload.jobId, topic)) jobs?.update(payload);
      return;
    }
    if (topic === topics.broadcast()) {
      // Announcements: the contract's broadcast messages (and plain messages from older publishers).
      if (payload.type !== 'broadcast' && payload.type !== 'message') return;
      const { messageId, from, text, sentAt } = payload;
      if (payload.fromName !== undefined) names.learn(from, payload.fromName);
      const fromName = payload.fromName ?? names.of(from);
      if (broadcast.show({ messageId, roomId: 'broadcast', from, fromName, text, sentAt })) {
        shownLive();
        announce(`Broadcast from ${fromName}: ${text}`);
      }
      return;
    }
    const roomId = topics.roomOfInbox(userId, topic);
    if (roomId === undefined || options.rooms === undefined) return;
    const rooms = options.rooms;
    switch (payload.type) {
      case 'presence':
        if (payload.roomId === roomId) rooms.presenceChanged(payload);
        return;
      case 'read':
        if (payload.roomId === roomId) rooms.readElsewhere(payload);
        return;
      case 'message':
        if (!rooms.receive(roomId, payload)) return;
        shownLive();
        if (payload.from !== userId) announce(`${payload.fromName} in ${rooms.room(roomId)?.name ?? roomId}: ${payload.text}`);
        return;
      case 'member_added':
      case 'member_removed':
      case 'role_changed':
      case 'room_renamed':
      case 'room_deleted':
        rooms.roomEvent(roomId, payload);
        return;
    }
  };
  return {
    status,
    bar,
    showPayload,
    dispose: () => {
      resized.disconnect();
      document.documentElement.style.removeProperty('--top-offset');
      status.dispose();
      rooms?.dispose();
    },
  };
}
