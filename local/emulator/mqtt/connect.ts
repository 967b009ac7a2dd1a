/**
 * Step 2 of authentication: the MQTT CONNECT of a connection whose upgrade was already verified. Client id rules
 * first, then the `iot:Connect` policy on `client/<clientId>`, then the Last Will's topic (docs/aws-iot-facts.md
 * sections 2 and 3; https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html).
 * IoT on MQTT 3.1.1: a refused CONNECT gets a CONNACK with a return code, then the socket closes; a CONNECT refused by
 * policy also publishes a connect_failed lifecycle event (the broker does, from the verdict).
 */
import type { AuthenticateError } from 'aedes';
import type { LocalAccount } from '../account/account.js';
import type { EmulatorLogger } from '../log.js';
import type { PolicyAuthorizer } from './authorizer.js';
import { type ArnOf, type Connection, logDenial, type WillRequest } from './connection.js';
import { checkClientId, checkPublishTopic, clampKeepAlive, type IotLimits } from './limits.js';

export type { WillRequest } from './connection.js';

/** The CONNECT fields this step reads. */
export interface ConnectRequest {
  /** The client id on the wire; empty when the client asked the broker to assign one. */
  requestedClientId: string;
  /** The id the connection will have (aedes assigns one to an empty request). */
  clientId: string;
  clean: boolean;
  will?: WillRequest | undefined;
}

/**
 * MQTT 3.1.1 CONNACK return codes IoT answers a refused CONNECT with: 2 identifier rejected, 5 not authorized.
 * `connectFailed`: a policy refusal, which IoT announces with a connect_failed lifecycle event.
 */
export type ConnectVerdict = { allowed: true } | { allowed: false; returnCode: 2 | 5; message: string; connectFailed: boolean };

/**
 * Before aedes acts on a CONNECT: go on with this keep-alive, or close; without a CONNACK unless `connack` names the
 * MQTT 5 CONNACK to answer first (an MQTT 5 CONNECT, which aedes would answer in MQTT 3.1.1 form).
 */
export type AcceptVerdict =
  | { accepted: true; keepAlive: number }
  | { accepted: false; error: string; connack?: { protocolVersion: 5; reasonCode: typeof UNSUPPORTED_PROTOCOL_VERSION; reasonString: string } };

/** MQTT 5.0 section 3.2.2.2, Connect Reason Code 0x84 (132): "Unsupported Protocol Version". */
export const UNSUPPORTED_PROTOCOL_VERSION = 0x84;

/** What an MQTT 5 client is told, as the CONNACK's Reason String (MQTT 5.0 section 3.2.2.3.9). */
export const MQTT5_REFUSAL =
  'MQTT 5 is not emulated: the local AWS IoT Core emulator speaks MQTT 3.1.1 only; connect with protocol level 4 (docs/architecture.md, ADR 7)';

/**
 * A refused CONNECT as aedes takes it: it answers CONNACK with `returnCode`, then closes. 3 (server unavailable) is the
 * local bound on persistent sessions (sessions.ts).
 */
export class ConnectRefusedError extends Error implements AuthenticateError {
  override readonly name = 'ConnectRefusedError';
  constructor(
    readonly returnCode: 2 | 3 | 5,
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectAuthenticatorOptions {
  account: LocalAccount;
  arn: ArnOf;
  limits: IotLimits;
  logger: EmulatorLogger;
  policy: PolicyAuthorizer;
}

export class ConnectAuthenticator {
  constructor(private readonly options: ConnectAuthenticatorOptions) {}

  /**
   * Before aedes acts on a CONNECT: records the requested client id, refuses MQTT 5 (which IoT speaks and the emulator
   * does not), checks the Last Will against IoT's limits, and returns the keep-alive the connection will run with.
   */
  accept(
    connection: Connection,
    packet: { clientId: string; keepalive?: number | undefined; protocolVersion?: number | undefined; will?: WillRequest | undefined },
  ): AcceptVerdict {
    connection.requestedClientId = packet.clientId;
    connection.will = packet.will;
    // MQTT 5.0 section 3.2.2.2: a server that does not support the version asked for answers CONNACK 0x84
    // (Unsupported Protocol Version) and closes. aedes would answer with MQTT 3.1.1's CONNACK 0x01, which MQTT 3.1.1
    // section 3.1.2.2 prescribes for a level it does not support, but which an MQTT 5 client cannot decode. IoT
    // documents no lifecycle event for this (connect_failed is for authorization failures), so none is published.
    if (packet.protocolVersion === 5) {
      logDenial(connection, 'iot:Connect', this.options.arn('client', packet.clientId), MQTT5_REFUSAL);
      return {
        accepted: false,
        error: MQTT5_REFUSAL,
        connack: { protocolVersion: 5, reasonCode: UNSUPPORTED_PROTOCOL_VERSION, reasonString: MQTT5_REFUSAL },
      };
    }
    const willProblem = packet.will ? this.#willProblem(packet.will) : undefined;
    if (willProblem) {
      logDenial(connection, 'iot:Connect', this.options.arn('client', packet.clientId), willProblem);
      connection.disconnectReason = 'CLIENT_ERROR';
      return { accepted: false, error: willProblem };
    }
    // IoT: keep-alive is clamped to [30, 1200] s; the broker disconnects after 1.5 x keep-alive of silence.
    return { accepted: true, keepAlive: clampKeepAlive(packet.keepalive ?? 0, this.options.limits) };
  }

  /**
   * IoT: a will with QoS 2 gets no CONNACK, the connection closes (QoS 2 is not supported: mqtt.html#mqtt-differences;
   * reported in bertmelis/espMqttClient#116); a will must fit the limits of a PUBLISH.
   */
  #willProblem(will: WillRequest): string | undefined {
    if (will.qos === 2) return 'the Last Will has QoS 2, which AWS IoT Core does not support (no CONNACK; the connection closes)';
    if (will.payloadBytes > this.options.limits.maxPayloadBytes)
      return `the Last Will payload is ${will.payloadBytes} bytes; IoT allows at most ${this.options.limits.maxPayloadBytes}`;
    const topicProblem = checkPublishTopic(will.topic, this.options.limits);
    return topicProblem === undefined ? undefined : `Last Will topic: ${topicProblem}`;
  }

  /** Decides the CONNECT; on success the connection holds its client id. */
  authenticate(connection: Connection, request: ConnectRequest): ConnectVerdict {
    const { account, arn, limits } = this.options;
    // MQTT-3.1.3-8: an empty client id requires clean session; IoT refuses it otherwise (identifier rejected).
    if (request.requestedClientId === '' && !request.clean) {
      logDenial(connection, 'iot:Connect', '(empty client id)', 'an empty client id needs clean session (MQTT-3.1.3-8)');
      return { allowed: false, returnCode: 2, message: 'identifier rejected', connectFailed: false };
    }
    // IoT: client ids are at most 128 bytes and may not start with `$`. Ids with `+` or `#` are accepted: they only
    // get no lifecycle events (life-cycle-events.html), and MQTT 3.1.1 lets a server accept any UTF-8 client id.
    const idProblem = checkClientId(request.clientId, limits);
    if (idProblem) {
      logDenial(connection, 'iot:Connect', request.clientId, idProblem);
      return { allowed: false, returnCode: 2, message: idProblem, connectFailed: false };
    }
    const resource = arn('client', request.clientId);
    const decision = account.authorize(connection.principal, 'iot:Connect', resource, {
      'iot:ClientId': request.clientId,
      'aws:SourceIp': connection.sourceIp,
    });
    if (!decision.allowed) {
      logDenial(connection, 'iot:Connect', resource, decision.reason);
      connection.disconnectReason = 'AUTH_ERROR';
      return { allowed: false, returnCode: 5, message: 'not authorized', connectFailed: true };
    }
    // IoT: a CONNECT whose will topic the client may not publish to is refused, with a connect_failed event.
    if (request.will && !this.options.policy.will(connection, request.clientId, request.will.topic, request.will.retain)) {
      connection.disconnectReason = 'AUTH_ERROR';
      return { allowed: false, returnCode: 5, message: 'not authorized (Last Will topic)', connectFailed: true };
    }
    connection.clientId = request.clientId;
    return { allowed: true };
  }
}
