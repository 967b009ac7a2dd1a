/**
 * A signed-in session (lazy-loaded after sign-in with the IoT SDK): this tab's client id, credentials for the
 * identity, the realtime connection, the page, and the wiring between them. After a reconnection the open rooms
 * catch up from the history; signing out here (or in another tab) ends it.
 */
import { browserNetwork, type Claim, claim, claimTabId, RealtimeClient } from '@iot-realtime/realtime-client';
import { apiClient, deviceOffline } from './api.js';
import type { DemoConfig } from './config.js';
import { cancelConfirmations } from './confirm-dialog.js';
import type { Identity } from './identity.js';
import { DisplayNames } from './names.js';
import { notify } from './notices.js';
import { mountNotificationsPanel } from './notifications-panel.js';
import { payloadKey } from './payloads.js';
import { realtimeAccess } from './realtime-access.js';
import { RoomsModel } from './rooms-model.js';
import { renderSessionPage, type SessionPage } from './session-page.js';
import { onSignedOutElsewhere } from './session-store.js';
import { topicSchemeFor } from './topics.js';

export interface SessionHooks {
  /** The page is drawn and the identity works: keep it for a reload. */
  onStarted(identity: Identity): void;
  /** Signed out, here or (`elsewhere`) in another tab: back to the sign-in screen. */
  onSignedOut(elsewhere: boolean): void;
}

/** Counted on the page for the end-to-end suite, which checks that credentials were rotated. */
function countCredentialRefresh(): void {
  document.body.dataset.credentialRefreshes = String(Number(document.body.dataset.credentialRefreshes ?? '0') + 1);
}

export async function startSession(root: HTMLElement, config: DemoConfig, identity: Identity, hooks: SessionHooks): Promise<void> {
  const topics = topicSchemeFor(config.topicPrefix);
  // This tab's id, kept across reloads and unique among open tabs: with it, app users get a client id of their own.
  const tab = await claimTabId();
  let page: SessionPage | undefined; // drawn once the first credentials are in
  const accessLoading = realtimeAccess(config, identity, topics, tab.id, {
    onRefreshed: (expiration) => {
      page?.bar.showCredentialsUntil(expiration);
      countCredentialRefresh();
    },
    onRefreshFailed: (message, retryInMs) => {
      // Offline, the badge says why nothing works; the refresh is tried again when it is due.
      if (retryInMs !== undefined && !deviceOffline())
        notify(`Could not refresh the realtime credentials (${message}); retrying in ${Math.max(1, Math.round(retryInMs / 1000))} s`);
    },
  });
  // The SDK (a chunk of its own) is loaded and run while the credentials request is out, not before it.
  const transportLoading = import('./realtime-transport.js');
  const [accessResult, transportResult] = await Promise.allSettled([accessLoading, transportLoading]);
  if (accessResult.status === 'rejected' || transportResult.status === 'rejected') {
    if (accessResult.status === 'fulfilled') accessResult.value.credentials.stop();
    tab.claim.release();
    throw accessResult.status === 'rejected' ? accessResult.reason : (transportResult as PromiseRejectedResult).reason;
  }
  const access = accessResult.value;
  const { routeIotWebSockets, sdkTransport } = transportResult.value;
  if (config.mode === 'local' && config.emulatorMqttUrl) routeIotWebSockets(config.iotEndpoint, config.emulatorMqttUrl);

  const client = new RealtimeClient({
    endpoint: access.endpoint,
    clientId: access.clientId,
    credentials: access.credentials,
    transport: sdkTransport,
    dedupKey: payloadKey,
    ...(access.authorizationPendingUntil !== undefined ? { authorizationPendingUntil: access.authorizationPendingUntil } : {}),
  });
  // Ends with the session: what is still in flight at sign-out is dropped, not answered for a user who is gone.
  const lifetime = new AbortController();
  const api = access.apiToken ? apiClient(config.apiUrl, access.apiToken, lifetime.signal) : undefined;
  const network = browserNetwork();
  const names = new DisplayNames(config.demoUsers ?? [], access.userId, access.displayName);
  const rooms = api
    ? new RoomsModel(api, access.userId, { network, displayName: access.displayName, learnName: (userId, name) => names.learn(userId, name) })
    : undefined;
  let connectionClaim: Claim | undefined;
  let ended = false;

  const end = async (signOutOfCognito: boolean, elsewhere = false) => {
    if (ended) return;
    ended = true;
    stopWatchingSignOut();
    cancelConfirmations();
    page?.dispose();
    lifetime.abort();
    await client.close();
    connectionClaim?.release();
    tab.claim.release();
    // The open room in the address belongs to this user's session; a reload keeps it, signing out does not.
    history.replaceState(null, '', location.pathname + location.search);
    if (signOutOfCognito && identity.kind !== 'app') await (await import('./cognito.js')).cognitoSignOut();
    hooks.onSignedOut(elsewhere);
  };
  const stopWatchingSignOut = onSignedOutElsewhere(() => void end(false, true));

  /** Subscribes once connected; the page is ready for the end-to-end suite once the subscriptions are in. */
  const subscribeAll = async () => {
    // One subscription per granted filter, all sent at once (no SUBACK waits for another): the user's own subtree
    // covers every room inbox and job.
    await Promise.all(access.topicFilters.map((filter) => client.subscribe(filter)));
    document.body.dataset.ready = 'true';
  };

  /**
   * Connects, unless another tab of this browser holds this client id (a Cognito identity's is the same in every tab):
   * then the page says so and connects when the user takes it over (`steal`), which pauses the other tab.
   */
  const takeConnection = async (steal: boolean) => {
    connectionClaim ??= await claim(`realtime-client:${access.clientId}`, {
      steal,
      onLost: () => {
        connectionClaim = undefined;
        client.standDown('this account went live in another tab of this browser');
      },
    });
    if (!connectionClaim) {
      page?.status.show({ state: 'taken-over', detail: 'this account is live in another tab of this browser' });
      return;
    }
    try {
      if (client.state === 'idle') {
        await client.connect();
        await subscribeAll();
      } else await client.reconnect();
    } catch (error) {
      // A subscription refused while connected is worth saying; otherwise the state (failed, taken over, closed) is on
      // the page already.
      if (!ended && client.state === 'connected') notify(error instanceof Error ? error.message : String(error));
    }
  };

  // Connecting starts here and the page is drawn while the socket opens: the connection's first step waits for the
  // tab's lock, so the listeners below are in place before it reports anything.
  const connecting = takeConnection(false);
  page = renderSessionPage(root, {
    topics,
    userId: access.userId,
    displayName: access.displayName,
    names,
    // Rooms for every signed-in user (app or Cognito); the jobs API serves app users only.
    rooms,
    jobs: api && identity.kind === 'app' ? { start: api.startJob, list: api.jobs } : undefined,
    broadcast: api && access.admin ? async (text) => void (await api.broadcast(text)) : undefined,
    recentBroadcasts: api ? api.broadcasts : undefined,
    connection: { reconnect: () => void takeConnection(true), signOut: () => void end(true) },
  });
  const current = access.credentials.current();
  if (current) page.bar.showCredentialsUntil(current.expiration);

  let lost = false;
  client.on('state', (change) => {
    page?.status.show(change);
    rooms?.setSelfOnline(change.state === 'connected');
    if (change.state === 'connected') {
      performance.mark('realtime-connected'); // read by `npm run bench:web`
      // Back after a drop: what the persistent session could not replay comes from the history.
      if (lost) void rooms?.catchUp();
      lost = false;
    } else if (change.previous === 'connected') {
      lost = true;
      rooms?.connectionLost();
    }
  });
  client.on('json', ({ topic, json }) => page?.showPayload(topic, json));
  const notifications = mountNotificationsPanel(root, topics, access.userId);
  client.on('json', ({ topic, json }) => notifications.show(topic, json));
  hooks.onStarted(identity);
  await connecting;
}
