/**
 * Creating a Cognito account in the page, as the deployed user pool has it (infra/constructs/identity.ts): the email is
 * the username, and the password's rules (password-rules.ts) are listed before anything is typed, marked as they are
 * met, and checked before anything is sent; then the emailed code (locally: the emulator's log) confirms the account
 * and the user is signed in with the email.
 */
import type { DemoConfig } from './config.js';
import { h } from './dom.js';
import { amplify, busy, errorText, field, formError, type Start } from './forms.js';
import { looksLikeEmail, PASSWORD_RULES, passwordProblem } from './password-rules.js';

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
export function signUpFlow(config: DemoConfig, start: Start): HTMLElement {
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
