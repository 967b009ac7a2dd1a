/**
 * @iot-realtime/realtime-client: a browser client for AWS IoT Core over SigV4 WebSockets (MQTT 3.1.1 through
 * aws-iot-device-sdk-v2), with refreshing credentials, de-duplication and connection state. See README.md.
 *
 * Importing this module installs, once, what the SDK's browser build needs (a minimal `process` and `Buffer`) and
 * the WebSocket wrapper used by routeIotWebSockets(); import it lazily if the first page load must stay small.
 */
export {
  AUTHORIZATION_PROPAGATION_MS,
  type DedupKey,
  RealtimeClient,
  type RealtimeClientEvents,
  type RealtimeClientOptions,
  type RealtimeClientStats,
  RealtimeConnectionError,
  type TakeoverRule,
} from './client.js';
export { type Clock, systemClock } from './clock.js';
export { CredentialsExpiredError, isPermanentError, RefreshingCredentials, type RefreshOptions } from './credentials.js';
export type { Listener } from './emitter.js';
export { isBrowser, UnsupportedEnvironmentError } from './environment.js';
export { routeIotWebSockets } from './local-socket.js';
export { type Claim, type ClaimOptions, claim, claimTabId, type LockManagerLike, randomTabId, type TabIdOptions } from './locks.js';
export { browserNetwork, type NetworkStatus } from './network.js';
export { explainSdkError, sdkTransport } from './sdk-transport.js';
export { type CognitoAuthSession, CognitoCredentialSource, type FetchAuthSession } from './sources/cognito.js';
export { CredentialsRequestError, CustomCredentialSource, type CustomCredentialSourceOptions, type RealtimeSession } from './sources/custom.js';
export type { Transport, TransportEvents, TransportFactory, TransportOptions } from './transport.js';
export type { ConnectionState, CredentialSource, JsonMessage, RawMessage, RealtimeCredentials, StateChange } from './types.js';
