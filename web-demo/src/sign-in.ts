/**
 * The sign-in screen (first load): demo users and any other user id of the local token issuer, Cognito users of the
 * user pool (the emulator's locally: sign in, or create an account with an email and a password that meets the
 * pool's rules, shown before it is typed, and confirm it with the emailed code), and guests.
 */
import type { DemoConfig } from './config.js';
import { h } from './dom.js';
import { amplify, busy, errorText, field, formError, type Start } from './forms.js';
import { demoToken } from './local-tokens.js';
import { notify } from './notices.js';
import { signUpFlow } from './sign-up.js';

function signInAsAppUser(config: DemoConfig, userId: string, name: string, start: Start): void {
  demoToken(config.apiUrl, userId).then(
    ({ token }) => start({ kind: 'app', userId, name, token }),
    (error: unknown) => notify(errorText(error)),
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
        { type: 'button', class: 'user', 'data-testid': `signin-${u.id}`, onClick: () => signInAsAppUser(config, u.id, u.name, start) },
        h('strong', {}, u.name),
        // Room membership lives in the rooms API, not in the token: the button names the user only.
        h('span', { class: 'muted' }, `@${u.id}`),
      ),
    ),
  );
}

/** Local only: the token issuer signs for any valid user id, so any number of users can be tried. */
function otherAppUserForm(config: DemoConfig, start: Start): HTMLElement | null {
  if (config.mode !== 'local') return null;
  const input = h('input', { name: 'userId', placeholder: 'e.g. dave', required: true, autocomplete: 'off', 'data-testid': 'signin-other-input' });
  const onSubmit = (e: Event) => {
    e.preventDefault();
    const userId = input.value.trim();
    if (userId !== '') signInAsAppUser(config, userId, userId, start);
  };
  return h(
    'form',
    { class: 'inline-form', onSubmit },
    field('Another user id', input),
    h('button', { type: 'submit', class: 'ghost', 'data-testid': 'signin-other' }, 'Sign in as this user'),
  );
}

function cognitoSection(config: DemoConfig, start: Start): HTMLElement | null {
  if (!config.userPoolId) return null;
  // The deployed pool names users by their email (username_attributes = ["email"]); the local demo accounts also
  // have plain usernames.
  const username = h('input', {
    name: 'username',
    required: true,
    autocomplete: 'username',
    inputmode: 'email',
    autocapitalize: 'off',
    spellcheck: 'false',
    'data-testid': 'cognito-username',
  });
  const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password', 'data-testid': 'cognito-password' });
  const signInError = formError('cognito-error');
  const signInForm = h(
    'form',
    { class: 'stack-form', 'data-testid': 'cognito-signin-form' },
    field(config.mode === 'local' ? 'Email (or a demo account below)' : 'Email', username),
    field('Password', password),
    signInError.element,
    h('button', { type: 'submit', 'data-testid': 'signin-cognito' }, 'Sign in with Cognito'),
  );
  signInForm.addEventListener('submit', (e) => {
    e.preventDefault();
    signInError.clear();
    void busy(signInForm, async () => {
      try {
        const cognito = await amplify(config);
        await cognito.cognitoSignIn(username.value.trim(), password.value);
        await start({ kind: 'cognito-user', username: username.value.trim() });
      } catch (error) {
        signInError.show(`Sign-in failed: ${errorText(error)}`);
      }
    });
  });

  const seeded = config.demoCognitoUsers ?? [];
  const seededList = seeded.length
    ? h(
        'div',
        { class: 'seeded', 'data-testid': 'seeded-cognito-users' },
        h('p', { class: 'muted small' }, 'Demo accounts in the local user pool:'),
        h(
          'ul',
          { class: 'plain-list' },
          ...seeded.map((u) =>
            h(
              'li',
              { class: 'seeded-user' },
              h('span', {}, h('strong', {}, u.username), ' · password ', h('code', {}, u.password)),
              h(
                'button',
                {
                  type: 'button',
                  class: 'ghost',
                  'data-testid': `fill-${u.username}`,
                  'aria-label': `Fill in ${u.username}`,
                  onClick: () => {
                    username.value = u.username;
                    password.value = u.password;
                    password.focus();
                  },
                },
                'Fill in',
              ),
            ),
          ),
        ),
      )
    : null;

  return h(
    'section',
    { class: 'signin-section', 'aria-labelledby': 'cognito-heading' },
    h('h2', { id: 'cognito-heading' }, 'Cognito account'),
    signInForm,
    seededList,
    signUpFlow(config, start),
  );
}

/** Said when the screen comes back without the user asking here: a status, filled once it is on the page so that it is read out. */
function signedOutNote(why: string): HTMLElement {
  const note = h('p', { class: 'signed-out-note', role: 'status', 'data-testid': 'signed-out-note' });
  setTimeout(() => {
    note.textContent = why;
  }, 100);
  return note;
}

export function signInScreen(config: DemoConfig, start: Start, why?: string): HTMLElement {
  return h(
    'main',
    { class: 'signin-page', id: 'main', tabindex: '-1' },
    h(
      'div',
      { class: 'card signin' },
      h('h1', {}, 'iot-realtime'),
      why ? signedOutNote(why) : null,
      h('p', { class: 'muted' }, 'Live rooms and jobs over AWS IoT Core. Pick who you are:'),
      config.demoUsers?.length || config.mode === 'local'
        ? h(
            'section',
            { class: 'signin-section', 'aria-labelledby': 'app-users-heading' },
            h('h2', { id: 'app-users-heading' }, 'App users'),
            demoUserButtons(config, start),
            otherAppUserForm(config, start),
          )
        : null,
      cognitoSection(config, start),
      config.allowGuests
        ? h(
            'section',
            { class: 'signin-section', 'aria-labelledby': 'guest-heading' },
            h('h2', { id: 'guest-heading' }, 'Just looking'),
            h(
              'button',
              { type: 'button', class: 'ghost', 'data-testid': 'signin-guest', onClick: () => void start({ kind: 'cognito-guest' }) },
              'Continue as guest (broadcast only)',
            ),
          )
        : null,
      h('p', { class: 'muted small' }, config.mode === 'local' ? 'Local stack: everything runs on this machine.' : `AWS ${config.region}`),
    ),
  );
}
