/**
 * The sign-in screen (first load): demo users and any other user id of the local token issuer, Cognito users of the
 * user pool (the emulator's locally), and guests.
 */
import { demoToken } from './local-tokens.js';
import type { DemoConfig } from './config.js';
import { h, toast } from './dom.js';
import type { Identity } from './identity.js';

type Start = (identity: Identity) => Promise<void>;

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function signInAsAppUser(config: DemoConfig, userId: string, name: string, start: Start): void {
  demoToken(config.apiUrl, userId).then(
    ({ token }) => start({ kind: 'app', userId, name, token }),
    (error: unknown) => toast(errorText(error)),
  );
}

function demoUserButtons(config: DemoConfig, start: Start): HTMLElement | null {
  const demoUsers = config.demoUsers ?? [];
  if (demoUsers.length === 0) return null;
  return h(
    'div',
    { class: 'users' },
    ...demoUsers.map((u) =>
      h(
        'button',
        { class: 'user', 'data-testid': `signin-${u.id}`, onClick: () => signInAsAppUser(config, u.id, u.name, start) },
        h('strong', {}, u.name),
        // Room membership lives in the rooms API, not in the token: the button names the user only.
        h('span', { class: 'muted' }, `@${u.id}`),
      ),
    ),
  );
}

/** A one-field form: `label` names the field, the submitted value is trimmed and never empty. */
function oneFieldForm(options: { label: string; placeholder: string; button: string; testId: string; onValue(value: string): void }): HTMLFormElement {
  const input = h('input', {
    name: 'value',
    placeholder: options.placeholder,
    'aria-label': options.label,
    required: true,
    autocomplete: 'off',
    'data-testid': `${options.testId}-input`,
  });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const value = input.value.trim();
    if (value !== '') options.onValue(value);
  };
  return h('form', { class: 'inline-form', onSubmit }, input, h('button', { type: 'submit', class: 'ghost', 'data-testid': options.testId }, options.button));
}

/** Local only: the token issuer signs for any valid user id, so any number of users can be tried. */
function otherAppUserForm(config: DemoConfig, start: Start): HTMLElement | null {
  if (config.mode !== 'local') return null;
  return oneFieldForm({
    label: 'Another user id',
    placeholder: 'another user id, e.g. dave',
    button: 'Sign in',
    testId: 'signin-other',
    onValue: (userId) => signInAsAppUser(config, userId, userId, start),
  });
}

/** Amplify is loaded only when the form is submitted. */
async function signInWithCognito(config: DemoConfig, username: string, password: string, start: Start): Promise<void> {
  const { configureAmplify, cognitoSignIn } = await import('./cognito.js');
  configureAmplify(config);
  try {
    await cognitoSignIn(username, password);
    await start({ kind: 'cognito-user', username });
  } catch (error) {
    toast(`Sign-in failed: ${errorText(error)}`);
  }
}

function cognitoForm(config: DemoConfig, start: Start): HTMLElement | null {
  if (!config.userPoolId) return null;
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    void signInWithCognito(config, String(data.get('username')).trim(), String(data.get('password')), start);
  };
  return h(
    'form',
    { class: 'cognito-form', onSubmit },
    h('input', { name: 'username', placeholder: 'Cognito username', 'aria-label': 'Cognito username', required: true, autocomplete: 'username', 'data-testid': 'cognito-username' }),
    h('input', { name: 'password', type: 'password', placeholder: 'password', 'aria-label': 'Password', required: true, autocomplete: 'current-password', 'data-testid': 'cognito-password' }),
    h('button', { type: 'submit', 'data-testid': 'signin-cognito' }, 'Sign in with Cognito'),
    config.mode === 'local'
      ? h('p', { class: 'muted small' }, 'Local: the user pool runs in the emulator, with demo users seeded (local/emulator/services/cognito-user-pool/seed.ts).')
      : null,
  );
}

export function signInScreen(config: DemoConfig, start: Start): HTMLElement {
  return h(
    'main',
    { class: 'card signin' },
    h('h1', {}, 'iot-realtime'),
    h('p', { class: 'muted' }, 'Live rooms and jobs over AWS IoT Core. Pick who you are:'),
    demoUserButtons(config, start),
    otherAppUserForm(config, start),
    cognitoForm(config, start),
    config.allowGuests ? h('button', { class: 'ghost', 'data-testid': 'signin-guest', onClick: () => void start({ kind: 'cognito-guest' }) }, 'Continue as guest (broadcast only)') : null,
    h('p', { class: 'muted small' }, config.mode === 'local' ? 'Local stack: everything runs on this machine.' : `AWS ${config.region}`),
  );
}
