/**
 * The sign-in screen (first load): demo users and any other user id of the local token issuer, Cognito users of the
 * user pool (the emulator's locally: sign in, or create an account with an email and a password that meets the
 * pool's rules, shown before it is typed, and confirm it with the emailed code), and guests.
 */
import type { DemoConfig } from './config.js';
import { h } from './dom.js';
import type { Identity } from './identity.js';
import { demoToken } from './local-tokens.js';
import { notify } from './notices.js';
import { looksLikeEmail, PASSWORD_RULES, passwordProblem } from './password-rules.js';

type Start = (identity: Identity) => Promise<void>;

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

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

/** A labelled input: the label is visible, so every field is named for everyone. */
function field(label: string, input: HTMLInputElement): HTMLElement {
  const id = `field-${input.name}-${Math.random().toString(36).slice(2, 8)}`;
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input);
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

/** A form's inline error: announced when it appears (role=alert), cleared on the next try. */
function formError(testId: string): { element: HTMLElement; show(message: string): void; clear(): void } {
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
async function busy(form: HTMLFormElement, work: () => Promise<void>): Promise<void> {
  const buttons = [...form.querySelectorAll('button')];
  for (const b of buttons) b.disabled = true;
  try {
    await work();
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** Amplify is loaded only when a Cognito form is used. */
async function amplify(config: DemoConfig) {
  const cognito = await import('./cognito.js');
  cognito.configureAmplify(config);
  return cognito;
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

/** The password rules, listed before anything is typed, each marked as it is met. */
function passwordRulesList(id: string): { element: HTMLElement; update(password: string): void } {
  const items = PASSWORD_RULES.map((rule) =>
    h(
      'li',
      { 'data-rule': rule.id, 'data-met': 'false' },
      h('span', { class: 'rule-mark', 'aria-hidden': 'true' }),
      rule.text,
      h('span', { class: 'visually-hidden' }),
    ),
  );
  const element = h('div', { id, class: 'password-rules small', 'data-testid': 'password-rules' }, h('p', {}, 'The password needs:'), h('ul', {}, ...items));
  return {
    element,
    update(password) {
      PASSWORD_RULES.forEach((rule, i) => {
        const item = items[i]!;
        const met = rule.test(password);
        item.dataset.met = String(met);
        const state = item.lastElementChild;
        if (state) state.textContent = met ? ' (met)' : '';
      });
    },
  };
}

/** Create an account with an email and a password, confirm it with the code, and sign in with it: all in the page. */
function signUpFlow(config: DemoConfig, start: Start): HTMLElement {
  const email = h('input', {
    name: 'email',
    type: 'email',
    required: true,
    autocomplete: 'email',
    autocapitalize: 'off',
    spellcheck: 'false',
    'data-testid': 'signup-email',
  });
  const rules = passwordRulesList('signup-password-rules');
  const password = h('input', {
    name: 'new-password',
    type: 'password',
    required: true,
    autocomplete: 'new-password',
    'aria-describedby': 'signup-password-rules',
    'data-testid': 'signup-password',
  });
  password.addEventListener('input', () => {
    rules.update(password.value);
    if (password.getAttribute('aria-invalid') === 'true' && passwordProblem(password.value) === undefined) password.removeAttribute('aria-invalid');
  });
  const code = h('input', { name: 'code', required: true, inputmode: 'numeric', autocomplete: 'one-time-code', 'data-testid': 'signup-code' });
  const signUpError = formError('signup-error');
  const confirmError = formError('confirm-error');
  // The browser's own checks would stop the form with their own bubbles; the page says what is wrong instead.
  const signUpForm = h(
    'form',
    { class: 'stack-form', 'data-testid': 'signup-form', novalidate: true },
    field('Email', email),
    field('New password', password),
    rules.element,
    signUpError.element,
    h('button', { type: 'submit', 'data-testid': 'signup' }, 'Create account'),
  );
  const where =
    config.mode === 'local'
      ? 'Locally no email is sent: the code is in the terminal running `npm start` (the emulator logs it).'
      : 'The code was sent to your email.';
  const confirmForm = h(
    'form',
    { class: 'stack-form', 'data-testid': 'confirm-form', hidden: true },
    h('p', { class: 'small', 'data-testid': 'confirm-hint' }, where),
    field('Confirmation code', code),
    confirmError.element,
    h('button', { type: 'submit', 'data-testid': 'confirm-signup' }, 'Confirm and sign in'),
  );
  /** The pool's username is the email: signing in uses it. */
  const username = () => email.value.trim();
  const confirmAndSignIn = async () => {
    const cognito = await amplify(config);
    await cognito.cognitoSignIn(username(), password.value);
    await start({ kind: 'cognito-user', username: username() });
  };
  /** What is wrong before anything is sent, with the field to fix focused. */
  const checked = (): boolean => {
    email.removeAttribute('aria-invalid');
    password.removeAttribute('aria-invalid');
    if (!looksLikeEmail(username())) {
      email.setAttribute('aria-invalid', 'true');
      signUpError.show(username() === '' ? 'Enter your email: it is your username.' : `"${username()}" is not an email address.`);
      email.focus();
      return false;
    }
    const problem = passwordProblem(password.value);
    if (problem !== undefined) {
      password.setAttribute('aria-invalid', 'true');
      signUpError.show(problem);
      password.focus();
      return false;
    }
    return true;
  };
  signUpForm.addEventListener('submit', (e) => {
    e.preventDefault();
    signUpError.clear();
    if (!checked()) return;
    void busy(signUpForm, async () => {
      try {
        const cognito = await amplify(config);
        const needsCode = await cognito.cognitoSignUp(username(), password.value);
        if (!needsCode) return await confirmAndSignIn();
        signUpForm.hidden = true;
        confirmForm.hidden = false;
        code.focus();
      } catch (error) {
        signUpError.show(`Could not create the account: ${errorText(error)}`);
      }
    });
  });
  confirmForm.addEventListener('submit', (e) => {
    e.preventDefault();
    confirmError.clear();
    void busy(confirmForm, async () => {
      try {
        const cognito = await amplify(config);
        await cognito.cognitoConfirmSignUp(username(), code.value.trim());
        await confirmAndSignIn();
      } catch (error) {
        confirmError.show(`Could not confirm the account: ${errorText(error)}`);
      }
    });
  });
  return h('details', { class: 'signup', 'data-testid': 'signup-section' }, h('summary', {}, 'Create a Cognito account'), signUpForm, confirmForm);
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
