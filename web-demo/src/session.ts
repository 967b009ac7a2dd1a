/**
 * A signed-in session (lazy-loaded after sign-in with the IoT SDK): credentials for the identity, the realtime
 * connection, the page, and the wiring between them.
 */
import { RealtimeClient, routeIotWebSockets, sdkTransport } from '@iot-realtime/realtime-client';
import { apiClient } from './api.js';
import type { DemoConfig } from './config.js';
import { toast } from './dom.js';
import type { Identity } from './identity.js';
import { payloadKey } from './payloads.js';
import { realtimeAccess } from './realtime-access.js';
import { RoomsModel } from './rooms-model.js';
import { renderSessionPage } from './session-page.js';
import type { TopBar } from './top-bar.js';
import { topicSchemeFor } from './topics.js';

/** Counted on the page for the end-to-end suite, which checks that credentials were rotated. */
function countCredentialRefresh(): void {
  document.body.dataset.credentialRefreshes = String(Number(document.body.dataset.credentialRefreshes ?? '0') + 1);
}

export async function startSession(root: HTMLElement, config: DemoConfig, identity: Identity, onSignOut: () => void): Promise<void> {
  if (config.mode === 'local' && config.emulatorMqttUrl) routeIotWebSockets(config.iotEndpoint, config.emulatorMqttUrl);
  const topics = topicSchemeFor(config.topicPrefix);
  let bar: TopBar | undefined; // the page is drawn once the first credentials are in
  const access = await realtimeAccess(config, identity, topics, {
    onRefreshed: (expiration) => {
      bar?.showCredentialsUntil(expiration);
      countCredentialRefresh();
    },
    onRefreshFailed: (message, retryInMs) => toast(`Could not refresh credentials (${message}); retrying in ${Math.round(retryInMs / 1000)} s`),
  });
  const client = new RealtimeClient({ endpoint: access.endpoint, clientId: access.clientId, credentials: access.credentials, transport: sdkTransport, dedupKey: payloadKey });
  const api = access.apiToken ? apiClient(config.apiUrl, access.apiToken) : undefined;
  const page = renderSessionPage(root, {
    topics,
    userId: access.userId,
    displayName: access.displayName,
    // Rooms for every signed-in user (app or Cognito); the jobs API serves app users only.
    rooms: api ? new RoomsModel(api, access.userId) : undefined,
    startJob: api && identity.kind === 'app' ? api.startJob : undefined,
    onSignOut: () => {
      page.dispose();
      void client.close();
      // The open room in the address belongs to this user's session; a reload keeps it, signing out does not.
      history.replaceState(null, '', location.pathname + location.search);
      onSignOut();
    },
  });
  bar = page.bar;
  const current = access.credentials.current();
  if (current) bar.showCredentialsUntil(current.expiration);

  client.on('state', (change) => {
    page.badge.show(change);
    if (change.state === 'failed' && change.detail) toast(`Connection refused: ${change.detail}`);
    if (change.state === 'connected') performance.mark('realtime-connected'); // read by `npm run bench:web`
  });
  client.on('json', ({ topic, json }) => page.showPayload(topic, json));
  try {
    await client.connect();
    // One subscription per granted filter: the user's own subtree covers every room inbox and job.
    for (const filter of access.topicFilters) await client.subscribe(filter);
  } catch (error) {
    page.dispose();
    void client.close();
    throw error;
  }
  document.body.dataset.ready = 'true';
}
