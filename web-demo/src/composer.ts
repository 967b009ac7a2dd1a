/**
 * A multi-line composer: Enter sends, Shift+Enter starts a new line (and Enter while an input method is composing
 * does neither), the field grows with its text up to a few lines, and a visible counter shows the length against the
 * API's limit. Nothing is cut: a paste that would go over the limit is refused with a message saying so, and text
 * over it (typed or dropped) is not sent until it is shortened.
 */
import { h } from './dom.js';
import { counterText, formatCount, MAX_TEXT, overBy, pasteRefusal, tooLongMessage } from './text-limit.js';

export interface ComposerOptions {
  /** The field's accessible name ("Message", "Announcement"). */
  label: string;
  placeholder: string;
  sendText: string;
  /** data-testid of the field and of the Send button. */
  fieldTestId: string;
  sendTestId: string;
  /** Hands over a message to send (never empty, never over the limit); the field is cleared. */
  onSend(text: string): void;
  className?: string;
}

export interface Composer {
  element: HTMLFormElement;
  field: HTMLTextAreaElement;
  /** Puts text back (a send that failed before anything was shown), and updates the counter. */
  restore(text: string): void;
}

let composers = 0;

export function composer(options: ComposerOptions): Composer {
  const id = `composer-${++composers}`;
  const field = h('textarea', {
    id: `${id}-field`,
    rows: '1',
    placeholder: options.placeholder,
    'aria-label': options.label,
    'aria-describedby': `${id}-hint ${id}-counter`,
    autocomplete: 'off',
    'data-testid': options.fieldTestId,
  });
  const counter = h('span', { id: `${id}-counter`, class: 'counter small', 'data-testid': 'counter' });
  const hint = h(
    'span',
    { id: `${id}-hint`, class: 'visually-hidden' },
    `Enter sends, Shift+Enter starts a new line; at most ${formatCount(MAX_TEXT)} characters.`,
  );
  // Announced when it appears; cleared when the text fits again.
  const problem = h('p', { class: 'composer-problem small', role: 'alert', 'data-testid': 'composer-problem', hidden: true });
  const send = h('button', { type: 'submit', 'data-testid': options.sendTestId }, options.sendText);
  const element = h(
    'form',
    { class: `composer ${options.className ?? ''}`.trim() },
    h('div', { class: 'composer-row' }, field, send),
    h('div', { class: 'composer-info' }, problem, hint, counter),
  );

  const showProblem = (text: string | undefined) => {
    problem.hidden = text === undefined;
    problem.textContent = text ?? '';
  };
  const update = () => {
    counter.textContent = counterText(field.value);
    const over = overBy(field.value) > 0;
    counter.classList.toggle('over', over);
    field.setAttribute('aria-invalid', String(over));
    // A problem about length goes once the text fits.
    if (!over && !problem.hidden) showProblem(undefined);
    // Grows with its text; CSS caps the height (then it scrolls). Only measurable once on the page.
    if (!field.isConnected) return;
    field.style.height = 'auto';
    field.style.height = `${field.scrollHeight + 2}px`;
  };

  element.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = field.value;
    if (text.trim() === '') return;
    const refusal = tooLongMessage(text);
    if (refusal !== undefined) return showProblem(refusal);
    field.value = '';
    update();
    options.onSend(text);
  });
  field.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    event.preventDefault();
    element.requestSubmit();
  });
  field.addEventListener('paste', (event) => {
    const pasted = event.clipboardData?.getData('text/plain') ?? '';
    const refusal = pasteRefusal(field.value, field.selectionStart, field.selectionEnd, pasted);
    if (refusal === undefined) return;
    event.preventDefault();
    showProblem(refusal);
  });
  field.addEventListener('input', () => {
    update();
    // Said once when the text goes over (the counter shows by how much): not again at every key.
    if (overBy(field.value) > 0 && problem.hidden) showProblem(`Over the limit of ${formatCount(MAX_TEXT)} characters: shorten the message to send it.`);
  });
  update();
  return {
    element,
    field,
    restore(text) {
      field.value = text;
      update();
    },
  };
}
