/**
 * What the broker knows about one MQTT connection, from the WebSocket upgrade that authenticated it to its close.
 * Every step (CONNECT, authorization, limits, lifecycle) reads and records here; none of it is aedes state.
 */
import { iotArn, type Deployment } from '../../../core/deployment.js';
import { describePrincipal, type Principal } from '../account/principal.js';
import { denied, type EmulatorLogger } from '../log.js';
import { ConnectionRateLimiter, type IotLimits } from './limits.js';

/**
 * IoT: the `disconnectReason` of a disconnect lifecycle event.
 * https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html
 * (`AUTHORIZATION_ERROR` is the emulator's name so far; AWS documents `AUTH_ERROR`.)
 */
export type DisconnectReason =
  | 'CLIENT_INITIATED_DISCONNECT'
  | 'DUPLICATE_CLIENTID'
  | 'MQTT_KEEP_ALIVE_TIMEOUT'
  | 'AUTHORIZATION_ERROR'
  | 'CLIENT_ERROR'
  | 'CONNECTION_LOST'
  | 'SERVER_INITIATED_DISCONNECT';

export interface Connection {
  readonly principal: Principal;
  /** The principal as log lines and lifecycle events name it. */
  readonly who: string;
  readonly sourceIp: string;
  /** IoT: `sessionIdentifier` of the lifecycle events, one per connection. */
  readonly sessionIdentifier: string;
  /** Per-connection publish and byte budget (IoT throttles in and out together). */
  readonly rate: ConnectionRateLimiter;
  /** iot:Receive decisions by topic, cached for the connection's life like IoT's own policy cache. */
  readonly receiveDecisions: Map<string, boolean>;
  /** The client id the CONNECT asked for (before aedes fills in an empty one). */
  requestedClientId: string | undefined;
  /** Set once iot:Connect allowed the client id. */
  clientId: string | undefined;
  /** Set by the packet inspector when a SUBSCRIBE breaks a per-packet limit; its filters are then refused. */
  subscribeRefusal: string | undefined;
  /** Why the connection is closing, as far as the broker knows; CONNECTION_LOST when nothing else was recorded. */
  disconnectReason: DisconnectReason | undefined;
}

export function openConnection(principal: Principal, sourceIp: string, limits: IotLimits): Connection {
  return {
    principal,
    who: describePrincipal(principal),
    sourceIp,
    sessionIdentifier: crypto.randomUUID(),
    rate: new ConnectionRateLimiter(limits),
    receiveDecisions: new Map(),
    requestedClientId: undefined,
    clientId: undefined,
    subscribeRefusal: undefined,
    disconnectReason: undefined,
  };
}

/** Names the ARNs of the resources MQTT actions are authorized on (docs/aws-iot-facts.md section 2). */
export type ArnOf = (kind: 'client' | 'topic' | 'topicfilter', name: string) => string;

export function arnsIn(deployment: Pick<Deployment, 'region' | 'accountId'>): ArnOf {
  return (kind, name) => iotArn(deployment, kind, name);
}

/** The one denial line per refusal: who (and which client), what, on which resource, and why. */
export function logDenial(logger: EmulatorLogger, connection: Connection, action: string, resource: string, reason: string): void {
  const client = connection.clientId ?? connection.requestedClientId ?? '?';
  denied(logger, { service: 'mqtt', who: `${connection.who} (client ${client})`, action, resource, reason });
}

/** Payload size in bytes, as IoT's payload limit and throughput throttle count it. */
export function payloadBytes(payload: Buffer | string): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}
