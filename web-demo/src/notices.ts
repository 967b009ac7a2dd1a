/**
 * The page's notices as the user sees them: a named region the page places in its sticky top (so a notice never
 * covers the composer or its Send button, and stays in view in a long room), newest last, at most `visible` at once
 * with "Show all" for the earlier ones. Each has a Dismiss button; Escape dismisses the one with focus; errors stay
 * until dismissed, info notices go after a while (not while the pointer or focus is on them). Each new notice is
 * announced: errors assertively, info politely.
 */
import { h } from './dom.js';
import { type Notice, type NoticeKind, NoticeQueue } from './notice-queue.js';

const queue = new NoticeQueue();
let view: { region: HTMLElement; polite: HTMLElement; assertive: HTMLElement } | undefined;

/** Raises a notice: what went wrong (error, the default) or right (info) with something the user did. */
export function notify(text: string, kind: NoticeKind = 'error'): void {
  const { polite, assertive } = ensureView();
  const notice = queue.add(kind, text);
  // A repeated notice says so, or a screen reader would not say the same text again.
  const spoken = notice.count > 1 ? `${text} (${notice.count} times)` : text;
  (kind === 'error' ? assertive : polite).textContent = spoken;
}

/** The notices region, for the page to place (it moves there with every render; one region per page). */
export function noticeRegion(): HTMLElement {
  return ensureView().region;
}

/** Forgets every notice (sign-out: the next user does not inherit them). */
export function clearNotices(): void {
  queue.dismissAll();
}

function ensureView(): NonNullable<typeof view> {
  if (view) return view;
  // Live regions exist before anything is said in them (or screen readers miss the first announcement).
  const polite = document.body.appendChild(h('div', { class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'notice-announcer' }));
  const assertive = document.body.appendChild(h('div', { class: 'visually-hidden', role: 'alert', 'data-testid': 'notice-alert' }));
  const list = h('ul', { class: 'notice-list' });
  const earlierText = h('span');
  const toggle = h('button', { type: 'button', class: 'ghost small-button notice-action', 'data-testid': 'show-all-notices' });
  const earlier = h('p', { class: 'notices-earlier small' }, earlierText, toggle);
  const dismissAll = h('button', { type: 'button', class: 'ghost small-button notice-action', 'data-testid': 'dismiss-all-notices' }, 'Dismiss all');
  const region = h('section', { class: 'notices', 'aria-label': 'Notices', 'data-testid': 'notices', hidden: true }, earlier, list, dismissAll);
  let showAll = false;
  /** Where focus was before it came into the notices: it goes back there when the last one is dismissed. */
  let returnFocus: HTMLElement | undefined;
  const items = new Map<number, HTMLLIElement>();

  const focusAfterDismiss = (index: number) => {
    const buttons = [...list.querySelectorAll<HTMLButtonElement>('.notice-dismiss')];
    const next = buttons[Math.min(index, buttons.length - 1)];
    if (next) next.focus();
    else if (returnFocus?.isConnected) returnFocus.focus();
    else document.getElementById('main')?.focus({ preventScroll: true });
  };
  const dismiss = (notice: Notice) => {
    const hadFocus = items.get(notice.id)?.contains(document.activeElement) ?? false;
    const index = [...list.children].indexOf(items.get(notice.id) as Element);
    queue.dismiss(notice.id);
    if (hadFocus) focusAfterDismiss(Math.max(0, index));
  };
  const item = (notice: Notice): HTMLLIElement => {
    const text = h('p', { class: 'notice-text' });
    const li = h(
      'li',
      { class: `notice notice-${notice.kind}`, 'data-testid': 'toast', 'data-kind': notice.kind },
      text,
      h(
        'button',
        {
          type: 'button',
          class: 'notice-dismiss small-button',
          'data-testid': 'dismiss-notice',
          'aria-label': `Dismiss: ${notice.text}`,
          onClick: () => dismiss(notice),
        },
        'Dismiss',
      ),
    );
    return li;
  };
  const draw = () => {
    const all = queue.all();
    region.hidden = all.length === 0;
    if (all.length <= queue.visible) showAll = false;
    const shown = showAll ? all : all.slice(-queue.visible);
    const hiddenCount = all.length - shown.length;
    earlier.hidden = hiddenCount === 0 && !showAll;
    earlierText.textContent = showAll ? '' : `${hiddenCount} earlier ${hiddenCount === 1 ? 'notice' : 'notices'} `;
    toggle.textContent = showAll ? 'Show fewer' : 'Show all';
    dismissAll.hidden = all.length < 2;
    const wanted = new Set(shown.map((n) => n.id));
    for (const [id, li] of items) {
      if (!wanted.has(id)) {
        li.remove();
        items.delete(id);
      }
    }
    let previous: Element | null = null;
    for (const notice of shown) {
      let li = items.get(notice.id);
      if (!li) {
        li = item(notice);
        items.set(notice.id, li);
      }
      const text = li.querySelector('.notice-text');
      if (text) text.textContent = notice.count > 1 ? `${notice.text} (${notice.count} times)` : notice.text;
      const expectedAt: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
      if (expectedAt !== li) list.insertBefore(li, expectedAt);
      previous = li;
    }
  };
  queue.onChange(draw);
  toggle.addEventListener('click', () => {
    showAll = !showAll;
    draw();
  });
  dismissAll.addEventListener('click', () => {
    queue.dismissAll();
    focusAfterDismiss(0);
  });
  region.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    const within = [...items.entries()].find(([, li]) => li.contains(document.activeElement));
    const notice = queue.all().find((n) => n.id === (within?.[0] ?? queue.all().at(-1)?.id));
    if (!notice) return;
    event.preventDefault();
    dismiss(notice);
    if (!within) focusAfterDismiss(0);
  });
  region.addEventListener('focusin', (event) => {
    const from = event.relatedTarget;
    if (from instanceof HTMLElement && !region.contains(from)) returnFocus = from;
    queue.hold(true);
  });
  region.addEventListener('focusout', (event) => {
    if (!(event.relatedTarget instanceof Node && region.contains(event.relatedTarget))) queue.hold(region.matches(':hover'));
  });
  region.addEventListener('pointerenter', () => queue.hold(true));
  region.addEventListener('pointerleave', () => queue.hold(region.contains(document.activeElement)));
  view = { region, polite, assertive };
  return view;
}
