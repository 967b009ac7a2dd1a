/**
 * The signed-in page: top bar, rooms (users with an API token), jobs (app users) and broadcast, and where each
 * incoming payload goes: room messages by the inbox topic they came on, job events by their job's topic.
 */
import type { TopicScheme } from '../../core/topics.js';
import { broadcastPanel } from './broadcast-panel.js';
import { h } from './dom.js';
import { jobsPanel, type StartJob } from './jobs-panel.js';
import { readPayload } from './payloads.js';
import type { RoomsModel } from './rooms-model.js';
import { roomsPanel } from './rooms-panel.js';
import { statusBadge, type StatusBadge } from './status-badge.js';
import { isJobTopic } from './topics.js';
import { topBar, type TopBar } from './top-bar.js';

export interface SessionPageOptions {
  topics: TopicScheme;
  /** The owner of the private topics, where room messages and job events arrive. */
  userId: string;
  displayName: string;
  /** Absent for guests: rooms need a signed-in user. */
  rooms: RoomsModel | undefined;
  /** Absent for identities the jobs API does not serve (Cognito). */
  startJob: StartJob | undefined;
  onSignOut(): void;
}

export interface SessionPage {
  badge: StatusBadge;
  bar: TopBar;
  /** Shows a parsed payload that arrived on `topic`, where it belongs; drops it if it satisfies no contract. */
  showPayload(topic: string, json: unknown): void;
  /** Stops the page's listeners (sign-out). */
  dispose(): void;
}

export function renderSessionPage(root: HTMLElement, options: SessionPageOptions): SessionPage {
  const { topics, userId } = options;
  const badge = statusBadge();
  const bar = topBar(options.displayName, badge, options.onSignOut);
  const rooms = options.rooms ? roomsPanel(options.rooms) : undefined;
  const jobs = options.startJob ? jobsPanel(options.startJob) : undefined;
  const broadcast = broadcastPanel();
  root.replaceChildren(h('div', { class: 'layout' }, bar.element, rooms?.element, jobs?.element, broadcast.element));

  let firstShown = true;
  /** A live message was accepted: its delivery latency (server clock to this one) goes to the top bar. */
  const shownLive = (sentAt: string) => {
    if (firstShown) performance.mark('realtime-first-message'); // read by `npm run bench:web`
    firstShown = false;
    bar.showLatency(Date.now() - Date.parse(sentAt));
  };
  const showPayload = (topic: string, json: unknown) => {
    const payload = readPayload(json);
    if (payload?.type === 'job') {
      if (isJobTopic(topics, userId, payload.jobId, topic)) jobs?.update(payload);
    } else if (payload?.type === 'message') {
      const roomId = topics.roomOfInbox(userId, topic);
      const shown = roomId !== undefined ? options.rooms?.receive(roomId, payload) : topic === topics.broadcast() && broadcast.show(payload);
      if (shown) shownLive(payload.sentAt);
    }
  };
  return { badge, bar, showPayload, dispose: () => rooms?.dispose() };
}
