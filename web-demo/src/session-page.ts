/** The signed-in page: top bar, rooms, jobs (app users) and broadcast, and where each incoming payload is shown. */
import type { TopicScheme } from '../../core/topics.js';
import { broadcastPanel } from './broadcast-panel.js';
import { h } from './dom.js';
import { jobsPanel, type StartJob } from './jobs-panel.js';
import { readPayload } from './payloads.js';
import { roomsPanel, type SendToRoom } from './rooms-panel.js';
import { statusBadge, type StatusBadge } from './status-badge.js';
import { isJobTopic } from './topics.js';
import { topBar, type TopBar } from './top-bar.js';

export interface SessionPageOptions {
  topics: TopicScheme;
  /** The owner of the private topics, where room messages and job events arrive. */
  userId: string;
  displayName: string;
  /** Absent for identities that may only read (Cognito). */
  actions: { send: SendToRoom; startJob: StartJob } | undefined;
  onSignOut(): void;
}

export interface SessionPage {
  badge: StatusBadge;
  bar: TopBar;
  /** Shows a parsed payload that arrived on `topic`, where it belongs; drops it if it satisfies no contract. */
  showPayload(topic: string, json: unknown): void;
}

export function renderSessionPage(root: HTMLElement, options: SessionPageOptions): SessionPage {
  const { topics, actions, userId } = options;
  const badge = statusBadge();
  const bar = topBar(options.displayName, badge, options.onSignOut);
  const rooms = roomsPanel(actions?.send);
  const jobs = actions ? jobsPanel(actions.startJob) : undefined;
  const broadcast = broadcastPanel();
  root.replaceChildren(h('div', { class: 'layout' }, bar.element, rooms.element, jobs?.element, broadcast.element));

  let firstShown = true;
  const shown = (ms: number | undefined) => {
    if (ms === undefined) return;
    if (firstShown) performance.mark('realtime-first-message'); // read by `npm run bench:web`
    firstShown = false;
    bar.showLatency(ms);
  };
  const showPayload = (topic: string, json: unknown) => {
    const payload = readPayload(json);
    if (payload?.type === 'job') {
      if (isJobTopic(topics, userId, payload.jobId, topic)) jobs?.update(payload);
    } else if (payload?.type === 'message') {
      const roomId = topics.roomOfInbox(userId, topic);
      shown(roomId !== undefined ? rooms.show(roomId, payload) : topic === topics.broadcast() ? broadcast.feed.append(payload) : undefined);
    }
  };
  return { badge, bar, showPayload };
}
