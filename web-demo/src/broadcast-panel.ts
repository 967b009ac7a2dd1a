/**
 * The broadcast panel: announcements to everyone, guests included, each once and in order, live. Signed-in users also
 * get the latest ones when the page loads (GET /broadcasts), so a reload shows what was announced. Admins (a `roles`
 * claim with "admin" in their token; locally alice) post them here through POST /broadcast.
 */
import type { BroadcastList } from '../../core/contracts/http.js';
import type { StoredMessage } from '../../core/contracts/rooms.js';
import { composer } from './composer.js';
import { h } from './dom.js';
import { messageList } from './message-list.js';
import type { DisplayNames } from './names.js';
import { notify } from './notices.js';
import { Timeline } from './timeline.js';

export interface BroadcastPanel {
  element: HTMLElement;
  /** Shows the message; false if it was already shown (a QoS 1 redelivery). */
  show(message: StoredMessage): boolean;
}

export interface BroadcastPanelOptions {
  names: DisplayNames;
  /** For admins: posts an announcement (rejects with a readable error). */
  post?: (text: string) => Promise<void>;
  /** The guest view: the panel is the page's main content and says how to see something arrive. */
  guest?: boolean;
  /** Signed-in users: the latest broadcasts, read once when the panel is drawn. */
  recent?: () => Promise<BroadcastList>;
}

function broadcastComposer(post: (text: string) => Promise<void>): HTMLFormElement {
  const form = composer({
    label: 'Announcement',
    placeholder: 'An announcement for everyone',
    sendText: 'Send broadcast',
    fieldTestId: 'broadcast-input',
    sendTestId: 'send-broadcast',
    className: 'stacked',
    onSend: (text) => {
      post(text.trim()).catch((error: unknown) => {
        form.restore(text); // nothing is lost: it can be sent again
        notify(error instanceof Error ? error.message : String(error));
      });
    },
  });
  return form.element;
}

export function broadcastPanel(options: BroadcastPanelOptions): BroadcastPanel {
  const timeline = new Timeline();
  const feed = messageList({ testId: 'broadcast', names: options.names, label: 'Broadcast messages' });
  const empty = h(
    'p',
    { class: 'muted small', 'data-testid': 'broadcast-empty' },
    'Announcements to everyone, guests included, appear here live. Admins post them (POST /broadcast).',
    options.guest ? ' To see one arrive, sign in as an admin in another tab (locally: Alice) and send a broadcast.' : '',
  );
  const heading = h('h2', { id: 'broadcast-heading' }, 'Broadcast');
  const status = h('p', { class: 'muted small', 'data-testid': 'broadcast-status', hidden: true });
  const element = h(
    'section',
    { class: 'panel broadcast', 'aria-labelledby': 'broadcast-heading', 'data-testid': 'broadcast-panel' },
    heading,
    empty,
    status,
    feed.element,
    options.post ? broadcastComposer(options.post) : null,
  );
  const show = (messages: readonly StoredMessage[]): boolean => {
    let added = false;
    for (const message of messages) added = timeline.add(message) || added;
    if (!added) return false;
    const position = feed.position();
    empty.hidden = true;
    feed.render(timeline.messages());
    feed.restore(position);
    return true;
  };
  // What was announced before the page loaded; live ones that came meanwhile are merged by id, each once, in order.
  options.recent?.().then(
    ({ broadcasts }) => show(broadcasts.map((b) => ({ ...b, roomId: 'broadcast' }))),
    (error: Error) => {
      status.textContent = `Could not load the latest announcements: ${error.message}`;
      status.hidden = false;
    },
  );
  return { element, show: (message) => show([message]) };
}
