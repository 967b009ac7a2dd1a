/**
 * First load: configuration and sign-in only. The realtime code (the IoT SDK, and Amplify for Cognito) is loaded
 * after sign-in, so the first paint needs only this small chunk.
 */
import './styles.css';
import { api } from './api.js';
import { loadConfig, type DemoConfig } from './config.js';
import { h, toast } from './dom.js';

export type Identity =
  | { kind: 'app'; userId: string; name: string; token: string }
  | { kind: 'cognito-guest' }
  | { kind: 'cognito-user'; username: string };

const root = document.getElementById('app')!;

function signInScreen(config: DemoConfig): HTMLElement {
  const start = async (identity: Identity) => {
    root.replaceChildren(h('p', { class: 'loading' }, 'Connecting…'));
    try {
      const { startSession } = await import('./session.js');
      await startSession(root, config, identity, () => render(config));
    } catch (error) {
      toast(error instanceof Error ? error.message : String(error));
      render(config);
    }
  };
  const demoUsers = config.demoUsers ?? [];
  const cognitoForm = config.userPoolId
    ? h(
        'form',
        {
          class: 'cognito-form',
          onSubmit: (e: Event) => {
            e.preventDefault();
            const form = e.target as HTMLFormElement;
            const data = new FormData(form);
            void (async () => {
              const { configureAmplify, cognitoSignIn } = await import('./realtime/providers/cognito.js');
              configureAmplify({ ...config, userPoolId: config.userPoolId, userPoolClientId: config.userPoolClientId });
              try {
                await cognitoSignIn(String(data.get('username')), String(data.get('password')));
                await start({ kind: 'cognito-user', username: String(data.get('username')) });
              } catch (error) {
                toast(`Sign-in failed: ${error instanceof Error ? error.message : String(error)}`);
              }
            })();
          },
        },
        h('input', { name: 'username', type: 'email', placeholder: 'email', required: true, autocomplete: 'username' }),
        h('input', { name: 'password', type: 'password', placeholder: 'password', required: true, autocomplete: 'current-password' }),
        h('button', { type: 'submit' }, 'Sign in with Cognito'),
      )
    : null;
  return h(
    'main',
    { class: 'card signin' },
    h('h1', {}, 'iot-realtime'),
    h('p', { class: 'muted' }, 'Live rooms and jobs over AWS IoT Core. Pick who you are:'),
    demoUsers.length > 0
      ? h(
          'div',
          { class: 'users' },
          ...demoUsers.map((u) =>
            h(
              'button',
              {
                class: 'user',
                'data-testid': `signin-${u.id}`,
                onClick: () =>
                  void api.demoToken(config.apiUrl, u.id).then(
                    ({ token }) => start({ kind: 'app', userId: u.id, name: u.name, token }),
                    (error: Error) => toast(error.message),
                  ),
              },
              h('strong', {}, u.name),
              h('span', { class: 'muted' }, u.rooms.length ? u.rooms.map((r) => `#${r}`).join(' ') : 'no rooms'),
            ),
          ),
        )
      : null,
    cognitoForm,
    config.allowGuests ? h('button', { class: 'ghost', 'data-testid': 'signin-guest', onClick: () => void start({ kind: 'cognito-guest' }) }, 'Continue as guest (broadcast only)') : null,
    h('p', { class: 'muted small' }, config.mode === 'local' ? 'Local stack: everything runs on this machine.' : `AWS ${config.region}`),
  );
}

function render(config: DemoConfig): void {
  root.replaceChildren(signInScreen(config));
}

loadConfig().then(render, (error: Error) => root.replaceChildren(h('main', { class: 'card' }, h('h1', {}, 'iot-realtime'), h('p', { class: 'error' }, error.message))));
