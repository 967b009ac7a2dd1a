/** The sign-in screen (first load): demo users of the local token issuer, Cognito sign-in, and guests. */
import { api } from './api.js';
import type { DemoConfig } from './config.js';
import { h, toast } from './dom.js';
import type { Identity } from './identity.js';

type Start = (identity: Identity) => Promise<void>;

function demoUserButtons(config: DemoConfig, start: Start): HTMLElement | null {
  const demoUsers = config.demoUsers ?? [];
  if (demoUsers.length === 0) return null;
  const signInAs = (user: { id: string; name: string }) =>
    void api.demoToken(config.apiUrl, user.id).then(
      ({ token }) => start({ kind: 'app', userId: user.id, name: user.name, token }),
      (error: Error) => toast(error.message),
    );
  return h(
    'div',
    { class: 'users' },
    ...demoUsers.map((u) =>
      h(
        'button',
        { class: 'user', 'data-testid': `signin-${u.id}`, onClick: () => signInAs(u) },
        h('strong', {}, u.name),
        // Room membership lives in the rooms API now, not in the token: the button names the user only.
        h('span', { class: 'muted' }, `@${u.id}`),
      ),
    ),
  );
}

/** Amplify is loaded only when the form is submitted. */
async function signInWithCognito(config: DemoConfig, username: string, password: string, start: Start): Promise<void> {
  const { configureAmplify, cognitoSignIn } = await import('./cognito.js');
  configureAmplify(config);
  try {
    await cognitoSignIn(username, password);
    await start({ kind: 'cognito-user', username });
  } catch (error) {
    toast(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function cognitoForm(config: DemoConfig, start: Start): HTMLElement | null {
  if (!config.userPoolId) return null;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    void signInWithCognito(config, String(data.get('username')), String(data.get('password')), start);
  };
  return h(
    'form',
    { class: 'cognito-form', onSubmit },
    h('input', { name: 'username', type: 'email', placeholder: 'email', required: true, autocomplete: 'username' }),
    h('input', { name: 'password', type: 'password', placeholder: 'password', required: true, autocomplete: 'current-password' }),
    h('button', { type: 'submit' }, 'Sign in with Cognito'),
  );
}

export function signInScreen(config: DemoConfig, start: Start): HTMLElement {
  return h(
    'main',
    { class: 'card signin' },
    h('h1', {}, 'iot-realtime'),
    h('p', { class: 'muted' }, 'Live rooms and jobs over AWS IoT Core. Pick who you are:'),
    demoUserButtons(config, start),
    cognitoForm(config, start),
    config.allowGuests ? h('button', { class: 'ghost', 'data-testid': 'signin-guest', onClick: () => void start({ kind: 'cognito-guest' }) }, 'Continue as guest (broadcast only)') : null,
    h('p', { class: 'muted small' }, config.mode === 'local' ? 'Local stack: everything runs on this machine.' : `AWS ${config.region}`),
  );
}
