/**
 * What a signed-in identity gets on the realtime layer: refreshing credentials, the client id it connects with, the
 * endpoint, and the topic filters it may subscribe to; and the bearer token of the HTTP API. App users get all of it
 * from POST /credentials, for the client id of this browser tab; Cognito identities from Amplify, with the topics
 * named here (and the IoT policy attached first for signed-in users).
 */
import {
  AUTHORIZATION_PROPAGATION_MS,
  CognitoCredentialSource,
  type CredentialSource,
  CustomCredentialSource,
  RefreshingCredentials,
} from '@iot-realtime/realtime-client';
import type { TopicScheme } from '../../core/topics.js';
import { attachPolicy, type TokenSource } from './api.js';
import { appTokenSource, readClaims } from './app-token.js';
import type { DemoConfig } from './config.js';
import type { Identity } from './identity.js';
import { userTopicsFilter } from './topics.js';

export interface RealtimeAccess {
  credentials: RefreshingCredentials;
  clientId: string;
  endpoint: string;
  topicFilters: string[];
  /** The owner of the private topics (`users/<userId>/...`): the app's user id, or the Cognito identity id. */
  userId: string;
  displayName: string;
  /** The bearer token of the HTTP API (rooms, jobs); absent for guests. */
  apiToken: TokenSource | undefined;
  /** Whether the token says the user may broadcast (the API decides; this only shows the form). */
  admin: boolean;
  /** Whether the client id is this tab's own (app users), or shared by every tab of the identity (Cognito). */
  perTab: boolean;
  /** Until then a refused CONNECT is the IoT policy just attached still propagating (RealtimeClientOptions). */
  authorizationPendingUntil?: number;
}

export interface CredentialHooks {
  onRefreshed(expiration: Date): void;
  /** Only for refreshes after the first: a failed first fetch fails the sign-in instead. */
  onRefreshFailed(message: string, retryInMs: number | undefined): void;
}

/** The first fetch decides whether the session starts; a failure there is reported by the caller, once. */
async function firstCredentials(source: CredentialSource, hooks: CredentialHooks): Promise<RefreshingCredentials> {
  let started = false;
  const credentials = new RefreshingCredentials(source, {
    onRefreshed: (c) => hooks.onRefreshed(c.expiration),
    onRefreshFailed: (error, retryInMs) => started && hooks.onRefreshFailed(error instanceof Error ? error.message : String(error), retryInMs),
  });
  try {
    await credentials.refresh();
  } catch (error) {
    credentials.stop();
    throw error;
  }
  started = true;
  return credentials;
}

async function appAccess(config: DemoConfig, identity: Extract<Identity, { kind: 'app' }>, tab: string, hooks: CredentialHooks): Promise<RealtimeAccess> {
  const token = appTokenSource(config, identity);
  // One client id per tab: tabs of one user never take each other's connection over.
  const source = new CustomCredentialSource(config.apiUrl, token, { tab });
  const credentials = await firstCredentials(source, hooks);
  const session = source.session;
  if (!session) throw new Error('the credentials response named no realtime session');
  return {
    credentials,
    clientId: session.clientId,
    endpoint: session.iotEndpoint,
    topicFilters: session.topics.subscribe,
    userId: identity.userId,
    displayName: identity.name,
    apiToken: token,
    admin: readClaims(identity.token).roles.includes('admin'),
    perTab: true,
  };
}

async function cognitoAccess(
  config: DemoConfig,
  identity: Exclude<Identity, { kind: 'app' }>,
  topics: TopicScheme,
  hooks: CredentialHooks,
): Promise<RealtimeAccess> {
  const cognito = await import('./cognito.js'); // Amplify: only Cognito identities load it
  cognito.configureAmplify(config);
  if (identity.kind === 'cognito-user' && (await cognito.currentCognitoUser()) === undefined) {
    throw Object.assign(new Error('Your Cognito session has ended; sign in again'), { permanent: true });
  }
  const source = new CognitoCredentialSource(config.region, cognito.fetchAuthSession);
  const credentials = await firstCredentials(source, hooks);
  const identityId = source.identityId;
  try {
    if (identityId === undefined) throw new Error('Cognito returned no identity id');
    const topicFilters = [topics.broadcast()];
    let authorizationPendingUntil: number | undefined;
    if (identity.kind === 'cognito-user') {
      // Once per identity: IoT needs the policy attached before the first connect, and applies it within minutes, so
      // refusals until then are retried rather than taken as final.
      await attachPolicy(config.apiUrl, await cognito.cognitoApiAuth());
      authorizationPendingUntil = Date.now() + AUTHORIZATION_PROPAGATION_MS;
      topicFilters.push(userTopicsFilter(topics, identityId));
    }
    const displayName = identity.kind === 'cognito-user' ? identity.username : 'Guest';
    // Signed-in Cognito users call the API with their ID token and access token; the functions name them by identity id.
    const apiToken = identity.kind === 'cognito-user' ? cognito.cognitoApiAuth : undefined;
    // A Cognito identity connects as <app>.<stage>.<identity id>, the only client id its IoT policy allows: one for all
    // its tabs.
    return {
      credentials,
      clientId: topics.clientId(identityId),
      ...(authorizationPendingUntil !== undefined ? { authorizationPendingUntil } : {}),
      endpoint: config.iotEndpoint,
      topicFilters,
      userId: identityId,
      displayName,
      apiToken,
      admin: false,
      perTab: false,
    };
  } catch (error) {
    credentials.stop();
    throw error;
  }
}

export function realtimeAccess(config: DemoConfig, identity: Identity, topics: TopicScheme, tab: string, hooks: CredentialHooks): Promise<RealtimeAccess> {
  return identity.kind === 'app' ? appAccess(config, identity, tab, hooks) : cognitoAccess(config, identity, topics, hooks);
}
