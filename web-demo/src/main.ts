/**
 * First load: configuration, and either the saved session (a reload, or another tab of a signed-in user) or the
 * sign-in screen. The realtime code (the IoT SDK, and Amplify for Cognito) is loaded only for a session, so the first
 * paint needs only this small chunk.
 */
import './styles.css';
import { type DemoConfig, loadConfig } from './config.js';
import { h } from './dom.js';
import type { Identity } from './identity.js';
import { clearNotices, noticeRegion, notify } from './notices.js';
import { forgetSession, savedSession, saveSession } from './session-store.js';
import { signInScreen } from './sign-in.js';

function appRoot(): HTMLElement {
  const element = document.getElementById('app');
  if (!element) throw new Error('index.html has no #app element');
  return element;
}

const root = appRoot();

/** Moves focus to the page's main content, so keyboard and screen reader users start there. */
function focusMain(): void {
  document.getElementById('main')?.focus({ preventScroll: true });
}

async function startSession(config: DemoConfig, identity: Identity, restoring: boolean): Promise<void> {
  root.replaceChildren(
    noticeRegion(),
    h(
      'main',
      { class: 'loading', id: 'main', tabindex: '-1' },
      h('h1', {}, 'iot-realtime'),
      h('p', { 'data-testid': 'loading' }, restoring ? 'Restoring your session…' : 'Signing in…'),
    ),
  );
  try {
    const session = await import('./session.js');
    await session.startSession(root, config, identity, {
      onStarted: (signedIn) => {
        saveSession(signedIn);
        focusMain();
      },
      onSignedOut: (elsewhere) => {
        forgetSession();
        // What the last user was told is not for the next one.
        clearNotices();
        render(config, elsewhere ? 'You signed out in another tab of this browser.' : undefined);
      },
    });
  } catch (error) {
    // A sign-in that was refused (expired beyond renewal, revoked) is forgotten; one that failed for another reason
    // (the backend is down) is kept, so the next reload tries it again.
    if (!restoring || (error as { permanent?: unknown }).permanent === true) forgetSession();
    notify(error instanceof Error ? error.message : String(error));
    render(config);
  }
}

/** The sign-in screen; `why` says why it is shown when it is not the user's own doing (signed out elsewhere). */
function render(config: DemoConfig, why?: string): void {
  root.replaceChildren(
    noticeRegion(),
    signInScreen(config, (identity) => startSession(config, identity, false), why),
  );
  focusMain();
}

loadConfig().then(
  (config) => {
    const saved = savedSession();
    if (saved) void startSession(config, saved, true);
    else render(config);
  },
  (error: Error) => root.replaceChildren(h('main', { class: 'card' }, h('h1', {}, 'iot-realtime'), h('p', { class: 'error' }, error.message))),
);
