/**
 * A confirmation before a destructive action (remove a member, leave a room, sign out): a modal <dialog> (the rest of
 * the page is inert while it is open) whose title and text say what will happen. Focus starts on Cancel (the safe
 * choice), Tab and Shift+Tab stay within it, Escape cancels, and focus returns to the control that opened it.
 *
 * Confirmation rather than an undo window: these actions take effect on the server and in other people's pages at
 * once (the removed member stops getting messages, tokens are dropped on sign-out), so an undo would have to delay
 * them, and a page closed during the delay would either lose the action or do it unseen.
 */
import { h } from './dom.js';

export interface ConfirmOptions {
  title: string;
  text: string;
  /** The confirming button's words: the action itself ("Leave room"), never "OK". */
  confirm: string;
}

let dialogs = 0;

/** Resolves true when the user confirms, false when they cancel (button, Escape). */
export function confirmAction(options: ConfirmOptions): Promise<boolean> {
  const id = `confirm-${++dialogs}`;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
  const cancel = h('button', { type: 'button', class: 'ghost', 'data-testid': 'confirm-cancel' }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'danger', 'data-testid': 'confirm-ok' }, options.confirm);
  const dialog = h(
    'dialog',
    { class: 'confirm-dialog', 'aria-labelledby': `${id}-title`, 'aria-describedby': `${id}-text`, 'data-testid': 'confirm-dialog' },
    h('h2', { id: `${id}-title` }, options.title),
    h('p', { id: `${id}-text` }, options.text),
    h('div', { class: 'dialog-actions' }, cancel, confirm),
  );
  document.body.append(dialog);
  return new Promise<boolean>((resolve) => {
    let confirmed = false;
    const close = (result: boolean) => {
      confirmed = result;
      dialog.close();
    };
    cancel.addEventListener('click', () => close(false));
    confirm.addEventListener('click', () => close(true));
    dialog.addEventListener('keydown', (event) => {
      if (event.key !== 'Tab') return;
      // Within the dialog only: from the last control forward, or the first backward, focus wraps around.
      const controls = [cancel, confirm];
      const at = controls.indexOf(document.activeElement as HTMLButtonElement);
      event.preventDefault();
      const next = event.shiftKey ? (at <= 0 ? controls.length - 1 : at - 1) : (at + 1) % controls.length;
      controls[next]?.focus();
    });
    // Escape fires `cancel`, then `close`; the buttons only `close`.
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener?.isConnected) opener.focus();
      else document.getElementById('main')?.focus({ preventScroll: true });
      resolve(confirmed);
    });
    dialog.showModal();
    cancel.focus();
  });
}

/** Answers every open confirmation with Cancel (the session ended under it: signed out in another tab). */
export function cancelConfirmations(): void {
  for (const dialog of document.querySelectorAll<HTMLDialogElement>('dialog.confirm-dialog[open]')) dialog.close();
}
