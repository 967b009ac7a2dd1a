/**
 * First load: configuration and sign-in only. The realtime code (the IoT SDK, and Amplify for Cognito) is loaded
 * after sign-in, so the first paint needs only this small chunk.
 */
import './styles.css';
import { loadConfig, type DemoConfig } from './config.js';
import { h, toast } from './dom.js';
import type { Identity } from './identity.js';
import { signInScreen } from './sign-in.js';

function appRoot(): HTMLElement {
  const element = document.getElementById('app');
  if (!element) throw new Error('index.html has no #app element');
  return element;
}

const root = appRoot();

async function startSession(config: DemoConfig, identity: Identity): Promise<void> {
  root.replaceChildren(h('p', { class: 'loading' }, 'Connecting…'));
  try {
    const session = await import('./session.js');
    await session.startSession(root, config, identity, () => render(config));
  } catch (error) {
    toast(error instanceof Error ? error.message : String(error));
    render(config);
  }
}

function render(config: DemoConfig): void {
  root.replaceChildren(signInScreen(config, (identity) => startSession(config, identity)));
}

loadConfig().then(render, (error: Error) => root.replaceChildren(h('main', { class: 'card' }, h('h1', {}, 'iot-realtime'), h('p', { class: 'error' }, error.message))));
