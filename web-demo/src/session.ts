/** A signed-in session: credentials, the realtime connection, and the rooms / jobs / broadcast panels. */
import type { JobEvent, RoomMessage } from '../../core/messages.js';
import { api, ApiError } from './api.js';
import type { DemoConfig } from './config.js';
import { h, toast } from './dom.js';
import type { Identity } from './main.js';
import { RealtimeClient } from './realtime/client.js';
import { RefreshingCredentials } from './realtime/credentials.js';
import { routeIotWebSockets } from './realtime/local-socket.js';
import { CustomCredentialSource } from './realtime/providers/custom.js';
import { sdkTransport } from './realtime/sdk-transport.js';
import type { ConnectionState, CredentialSource } from './realtime/types.js';


const STATE_LABEL: Record<ConnectionState, string> = {
  idle: 'Offline',
  connecting: 'Connecting',
  connected: 'Live',
  interrupted: 'Reconnecting',
  resumed: 'Live',
  failed: 'Connection failed',
  closed: 'Disconnected',
};

export async function startSession(root: HTMLElement, config: DemoConfig, identity: Identity, signOut: () => void): Promise<void> {
  if (config.mode === 'local' && config.emulatorMqttUrl) routeIotWebSockets(config.iotEndpoint, config.emulatorMqttUrl);

  let source: CredentialSource;
  let clientId: string;
  let topics: string[];
  let displayName: string;
  let running = false;
  if (identity.kind === 'app') {
    const custom = new CustomCredentialSource(config.apiUrl, () => identity.token);
    source = custom;
    displayName = identity.name;
    const credentials = await firstCredentials(source);
    return run(credentials, custom.session!.clientId, custom.session!.topics.subscribe, custom.session!.iotEndpoint);
  }
  const cognito = await import('./realtime/providers/cognito.js');
  cognito.configureAmplify({ ...config, identityPoolEndpoint: config.identityPoolEndpoint });
  const cognitoSource = new cognito.CognitoCredentialSource(config.region);
  source = cognitoSource;
  const credentials = await firstCredentials(source);
  clientId = cognitoSource.identityId!;
  topics = [`${config.topicPrefix}/broadcast`];
  displayName = 'Guest';
  if (identity.kind === 'cognito-user') {
    const idToken = await cognito.cognitoIdToken();
    if (!idToken) throw new Error('signed in, but Cognito returned no ID token');
    await api.attachPolicy(config.apiUrl, idToken); // once per identity: IoT needs it before the first connect
    topics.push(`${config.topicPrefix}/users/${clientId}/#`);
    displayName = identity.username;
  }
  return run(credentials, clientId, topics, config.iotEndpoint);

  /** The first fetch decides whether the session starts; a failure there is reported by the caller, once. */
  async function firstCredentials(from: CredentialSource): Promise<RefreshingCredentials> {
    const credentials = new RefreshingCredentials(from, credentialOptions());
    try {
      await credentials.refresh();
    } catch (error) {
      credentials.stop();
      throw error;
    }
    running = true;
    return credentials;
  }

  function credentialOptions() {
    return {
      onRefreshed: (c: { expiration: Date }) => {
        const badge = document.querySelector('[data-testid="credentials"]');
        if (badge) badge.textContent = `credentials until ${c.expiration.toLocaleTimeString()}`;
        document.body.dataset.credentialRefreshes = String(Number(document.body.dataset.credentialRefreshes ?? '0') + 1);
      },
      onRefreshFailed: (error: unknown, retryInMs: number) =>
        running &&
        toast(`Could not refresh credentials (${error instanceof Error ? error.message : String(error)}); retrying in ${Math.round(retryInMs / 1000)} s`),
    };
  }

  async function run(credentials: RefreshingCredentials, id: string, subscribeTo: string[], endpoint: string): Promise<void> {
    const client = new RealtimeClient({ endpoint, clientId: id, credentials, transport: sdkTransport });
    const rooms = subscribeTo.filter((t) => t.startsWith(`${config.topicPrefix}/rooms/`)).map((t) => t.split('/').at(-1)!);
    const badge = h('span', { class: 'badge badge-idle', 'data-testid': 'connection', 'data-state': 'idle' }, STATE_LABEL.idle);
    client.onStateChange((state, _previous, detail) => {
      badge.className = `badge badge-${state}`;
      badge.dataset.state = state;
      badge.textContent = STATE_LABEL[state];
      badge.title = detail ?? '';
      if (state === 'failed' && detail) toast(`Connection refused: ${detail}`);
      if (state === 'connected') performance.mark('realtime-connected');
    });

    const roomPanels = new Map<string, HTMLElement>();
    const roomSection = h(
      'section',
      { class: 'panel rooms' },
      h('h2', {}, 'Rooms'),
      rooms.length === 0 ? h('p', { class: 'muted', 'data-testid': 'no-rooms' }, 'You are not in any room yet.') : null,
      ...rooms.map((roomId) => {
        const list = h('ol', { class: 'messages', 'data-testid': `room-${roomId}` });
        roomPanels.set(roomId, list);
        const input = h('input', { placeholder: `Message #${roomId}`, maxlength: '2000', 'aria-label': `Message #${roomId}`, 'data-testid': `input-${roomId}` });
        const form = h(
          'form',
          {
            class: 'composer',
            onSubmit: (e: Event) => {
              e.preventDefault();
              const text = input.value;
              if (identity.kind !== 'app' || text.trim() === '') return;
              input.value = '';
              api.postMessage(config.apiUrl, identity.token, roomId, text).catch((error: ApiError) => {
                input.value = text;
                toast(error.message);
              });
            },
          },
          input,
          h('button', { type: 'submit', 'data-testid': `send-${roomId}` }, 'Send'),
        );
        return h('div', { class: 'room' }, h('h3', {}, `#${roomId}`), list, identity.kind === 'app' ? form : null);
      }),
    );

    const jobList = h('ul', { class: 'jobs', 'data-testid': 'jobs' });
    const jobRows = new Map<string, HTMLElement>();
    const startJob = (job: { kind: string; failAtStep?: number }) => {
      if (identity.kind !== 'app') return;
      api.startJob(config.apiUrl, identity.token, { steps: 5, stepMs: 300, ...job }).then(({ jobId }) => upsertJob({ type: 'job', jobId, kind: job.kind, status: 'running', progress: 0, step: 0, steps: 5, at: new Date().toISOString() }), (e: ApiError) => toast(e.message));
    };
    function upsertJob(event: JobEvent): void {
      let row = jobRows.get(event.jobId);
      if (!row) {
        row = h('li', { class: 'job', 'data-testid': 'job', 'data-job-id': event.jobId });
        jobRows.set(event.jobId, row);
        jobList.prepend(row);
      }
      // Events may arrive out of order after a reconnect: never move a finished job back.
      if (row.dataset.status === 'succeeded' || row.dataset.status === 'failed') return;
      if (Number(row.dataset.progress ?? -1) > event.progress && event.status === 'running') return;
      row.dataset.status = event.status;
      row.dataset.progress = String(event.progress);
      const label = event.status === 'failed' ? `failed: ${event.error ?? ''}` : event.status === 'succeeded' ? (event.result?.summary ?? 'done') : `step ${event.step}/${event.steps}`;
      row.replaceChildren(
        h('span', { class: 'job-kind' }, event.kind),
        h('progress', { max: '100', value: String(event.progress), 'data-testid': 'job-progress' }),
        h('span', { class: `job-status job-${event.status}` }, `${event.progress}% ${label}`),
      );
    }
    const jobSection =
      identity.kind === 'app'
        ? h(
            'section',
            { class: 'panel' },
            h('h2', {}, 'Jobs'),
            h(
              'div',
              { class: 'actions' },
              h('button', { 'data-testid': 'start-job', onClick: () => startJob({ kind: 'report' }) }, 'Start a report'),
              h('button', { class: 'ghost', 'data-testid': 'start-failing-job', onClick: () => startJob({ kind: 'import', failAtStep: 3 }) }, 'Start a job that fails'),
            ),
            jobList,
          )
        : null;

    const feed = h('ol', { class: 'messages', 'data-testid': 'broadcast' });
    const latency = h('span', { class: 'muted small', 'data-testid': 'latency' }, '');
    root.replaceChildren(
      h(
        'div',
        { class: 'layout' },
        h(
          'header',
          { class: 'topbar' },
          h('strong', {}, 'iot-realtime'),
          h('span', { class: 'who', 'data-testid': 'who' }, displayName),
          badge,
          h('span', { class: 'muted small', 'data-testid': 'credentials' }, ''),
          latency,
          h(
            'button',
            {
              class: 'ghost',
              onClick: () => {
                void client.close();
                signOut();
              },
            },
            'Sign out',
          ),
        ),
        roomSection,
        jobSection,
        h('section', { class: 'panel' }, h('h2', {}, 'Broadcast'), feed),
      ),
    );

    let firstMessage = true;
    const received = (list: HTMLElement, m: RoomMessage) => {
      if (firstMessage) performance.mark('realtime-first-message');
      firstMessage = false;
      const ms = Date.now() - Date.parse(m.sentAt);
      latency.textContent = `last message ${ms} ms after it was sent`;
      list.append(
        h(
          'li',
          { 'data-testid': 'message', 'data-id': m.id },
          h('span', { class: 'author' }, m.author),
          h('span', { class: 'text' }, m.text),
          h('span', { class: 'latency', title: 'server timestamp to receipt' }, `${ms} ms`),
        ),
      );
      list.scrollTop = list.scrollHeight;
    };
    await client.connect();
    for (const topic of subscribeTo) {
      await client.subscribe<RoomMessage | JobEvent>(topic, (message, actualTopic) => {
        if (message.type === 'job') return upsertJob(message);
        const roomId = actualTopic.startsWith(`${config.topicPrefix}/rooms/`) ? actualTopic.split('/').at(-1)! : undefined;
        const list = roomId ? roomPanels.get(roomId) : actualTopic.endsWith('/broadcast') ? feed : undefined;
        if (list && message.type === 'message') received(list, message);
      });
    }
    document.body.dataset.ready = 'true';
  }
}
