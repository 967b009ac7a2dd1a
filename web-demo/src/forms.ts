/** What the sign-in forms share: labelled fields, inline errors, busy buttons, Amplify loaded on first use. */
import type { DemoConfig } from './config.js';
import { h } from './dom.js';
import type { Identity } from './identity.js';

/** Starts a session for the identity that signed in. */
export type Start = (identity: Identity) => Promise<void>;

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** A labelled input: the label is visible, so every field is named for everyone. */
export function field(label: string, input: HTMLInputElement): HTMLElement {
  const id = `field-${input.name}-${Math.random().toString(36).slice(2, 8)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
}

/** A form's inline error: announced when it appears (role=alert), cleared on the next try. */
export function formError(testId: string): { element: HTMLElement; show(message: string): void; clear(): void } {
  const element = h('p', { class: 'error', role: 'alert', 'data-testid': testId, hidden: true });
  return {
    element,
    show(message) {
      element.textContent = message;
      element.hidden = false;
    },
    clear() {
      element.textContent = '';
      element.hidden = true;
    },
  };
}

/** Runs `work` with the form's buttons disabled, so a slow answer is not submitted twice. */
export async function busy(form: HTMLFormElement, work: () => Promise<void>): Promise<void> {
  const buttons = [...form.querySelectorAll('button')];
  for (const b of buttons) b.disabled = true;
  try {
    await work();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** Amplify is loaded only when a Cognito form is used. */
export async function amplify(config: DemoConfig) {
  const cognito = await import('./cognito.js');
  cognito.configureAmplify(config);
  return cognito;
}
