/**
 * What the broker knows about one MQTT connection, from the WebSocket upgrade that authenticated it to its close.
 * Every step (CONNECT, authorization, limits, lifecycle) reads and records here; none of it is aedes state.
 */
import { type Deployment, iotArn } from '../../../core/deployment.js';
import { describePrincipal, type Principal, principalIdentifier } from '../account/principal.js';
import { denied, type EmulatorLogger, LogBudget } from '../log.js';
import { ConnectionRateLimiter, type IotLimits } from './limits.js';

/**
 * IoT: the `disconnectReason` of a disconnect lifecycle event, as the table of
 * https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html names them (the ones the emulator
 * can produce; FORBIDDEN_ACCESS, SERVER_ERROR, API_INITIATED_DISCONNECT, THROTTLED, WEBSOCKET_TTL_EXPIRED and
 * CUSTOMAUTH_TTL_EXPIRED have no local cause).
 */
export type DisconnectReason =
  | 'AUTH_ERROR'
  | 'CLIENT_INITIATED_DISCONNECT'
  | 'CLIENT_ERROR'
  | 'CONNECTION_LOST'
  | 'DUPLICATE_CLIENTID'
  | 'MQTT_KEEP_ALIVE_TIMEOUT'
  | 'SERVER_INITIATED_DISCONNECT';

/** The Last Will of a CONNECT, as the checks read it. */
export interface WillRequest {
  topic: string;
  qos: number;
  retain: boolean;
  payloadBytes: number;
}

export interface Connection {
  readonly principal: Principal;
  /** The principal as log lines name it. */
  readonly who: string;
  /** The principal as lifecycle events name it (`principalIdentifier`). */
  readonly principalIdentifier: string;
  readonly sourceIp: string;
  /** IoT: `sessionIdentifier` of the lifecycle events, one per connection. */
  readonly sessionIdentifier: string;
  /** Per-connection publish and byte budget (IoT throttles in and out together). */
  readonly rate: ConnectionRateLimiter;
  /** iot:Receive decisions by topic, cached for the connection's life like IoT's own policy cache. */
  readonly receiveDecisions: Map<string, boolean>;
  /** Refusal log lines of this connection, rate-limited so a misbehaving client cannot flood the log. */
  readonly refusals: LogBudget;
  /** The client id the CONNECT asked for (before aedes fills in an empty one). */
  requestedClientId: string | undefined;
  /** The CONNECT's Last Will, if it had one. */
  will: WillRequest | undefined;
  /** Set once iot:Connect allowed the client id. */
  clientId: string | undefined;
  /** Set once CONNACK went out: before it, a subscription is one of a persistent session being restored. */
  connackSent: boolean;
  /** IoT: `versionNumber` of this connection's connect and disconnect events (they share it). */
  versionNumber: number;
  /** Set by the packet inspector when a SUBSCRIBE breaks a per-packet limit; its filters are then refused. */
  subscribeRefusal: string | undefined;
  /** Why the connection is closing, as far as the broker knows; CONNECTION_LOST when nothing else was recorded. */
  disconnectReason: DisconnectReason | undefined;
  /** Deliveries the outbound throttle dropped, by QoS, not yet reported in the log. */
  readonly throttledDeliveries: { qos0: number; qos1: number };
}

export function openConnection(principal: Principal, sourceIp: string, limits: IotLimits, logger: EmulatorLogger): Connection {
  return {
    principal,
    who: describePrincipal(principal),
    principalIdentifier: principalIdentifier(principal),
    sourceIp,
    sessionIdentifier: crypto.randomUUID(),
    rate: new ConnectionRateLimiter(limits),
    receiveDecisions: new Map(),
    refusals: new LogBudget(logger),
    requestedClientId: undefined,
    will: undefined,
    clientId: undefined,
    connackSent: false,
    versionNumber: 0,
    subscribeRefusal: undefined,
    disconnectReason: undefined,
    throttledDeliveries: { qos0: 0, qos1: 0 },
  };
}

/** Names the ARNs of the resources MQTT actions are authorized on (docs/aws-iot-facts.md section 2). */
export type ArnOf = (kind: 'client' | 'topic' | 'topicfilter', name: string) => string;

export function arnsIn(deployment: Pick<Deployment, 'region' | 'accountId'>): ArnOf {
  return (kind, name) => iotArn(deployment, kind, name);
}

/** The client id as log lines name it. */
export function clientOf(connection: Connection): string {
  return connection.clientId ?? connection.requestedClientId ?? '?';
}

/** The one denial line per refusal: who (and which client), what, on which resource, and why; within the connection's log budget. */
export function logDenial(connection: Connection, action: string, resource: string, reason: string): void {
  denied(connection.refusals, { service: 'mqtt', who: `${connection.who} (client ${clientOf(connection)})`, action, resource, reason });
}

/** Payload size in bytes, as IoT's payload limit and throughput throttle count it. */
export function payloadBytes(payload: Buffer | string): number {
  return typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
}
