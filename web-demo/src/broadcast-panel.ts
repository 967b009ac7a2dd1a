/**
 * The broadcast panel: announcements to everyone, guests included, each once and in order, live. Admins (a `roles`
 * claim with "admin" in their token; locally alice) post them here through POST /broadcast.
 */
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
  const element = h(
    'section',
    { class: 'panel broadcast', 'aria-labelledby': 'broadcast-heading', 'data-testid': 'broadcast-panel' },
    heading,
    empty,
    feed.element,
    options.post ? broadcastComposer(options.post) : null,
  );
  return {
    element,
    show(message) {
      if (!timeline.add(message)) return false;
      const position = feed.position();
      empty.hidden = true;
      feed.render(timeline.messages());
      feed.restore(position);
      return true;
    },
  };
}
