/**
 * Step 2 of authentication: the MQTT CONNECT of a connection whose upgrade was already verified. Client id rules
 * first, then the `iot:Connect` policy on `client/<clientId>` (docs/aws-iot-facts.md sections 2 and 3;
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html).
 * IoT on MQTT 3.1.1: a refused CONNECT gets a CONNACK with a return code, then the socket closes.
 */
import type { AuthenticateError } from 'aedes';
import type { LocalAccount } from '../account/account.js';
import type { EmulatorLogger } from '../log.js';
import { type ArnOf, type Connection, logDenial } from './connection.js';
import { checkClientId, clampKeepAlive, type IotLimits } from './limits.js';

/** The CONNECT fields this step reads. */
export interface ConnectRequest {
  /** The client id on the wire; empty when the client asked the broker to assign one. */
  requestedClientId: string;
  /** The id the connection will have (aedes assigns one to an empty request). */
  clientId: string;
  clean: boolean;
}

/** MQTT 3.1.1 CONNACK return codes IoT answers a refused CONNECT with: 2 identifier rejected, 5 not authorized. */
export type ConnectVerdict = { allowed: true } | { allowed: false; returnCode: 2 | 5; message: string };

/** A refused CONNECT as aedes takes it: it answers CONNACK with `returnCode`, then closes. */
export class ConnectRefusedError extends Error implements AuthenticateError {
  override readonly name = 'ConnectRefusedError';
  constructor(
    readonly returnCode: 2 | 5,
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
}

export class ConnectAuthenticator {
  constructor(private readonly options: ConnectAuthenticatorOptions) {}

  /**
   * Before aedes acts on a CONNECT: records the requested client id, warns about protocols IoT would take but the
   * emulator does not speak, and returns the keep-alive the connection will run with.
   */
  accept(connection: Connection, packet: { clientId: string; keepalive?: number | undefined; protocolVersion?: number | undefined }): number {
    connection.requestedClientId = packet.clientId;
    if (packet.protocolVersion !== 4 && packet.protocolVersion !== 3) {
      this.options.logger.log({
        level: 'warn',
        message: 'refused CONNECT: the emulator speaks MQTT 3.1.1 only (MQTT 5 is not emulated yet)',
        clientId: packet.clientId,
        protocolVersion: packet.protocolVersion,
      });
    }
    // IoT: keep-alive is clamped to [30, 1200] s; the broker disconnects after 1.5 x keep-alive of silence.
    return clampKeepAlive(packet.keepalive ?? 0, this.options.limits);
  }

  /** Decides the CONNECT; on success the connection holds its client id. */
  authenticate(connection: Connection, request: ConnectRequest): ConnectVerdict {
    const { account, arn, limits, logger } = this.options;
    // MQTT-3.1.3-8: an empty client id requires clean session; IoT refuses it otherwise (identifier rejected).
    if (request.requestedClientId === '' && !request.clean) {
      logDenial(logger, connection, 'iot:Connect', '(empty client id)', 'an empty client id needs clean session (MQTT-3.1.3-8)');
      return { allowed: false, returnCode: 2, message: 'identifier rejected' };
    }
    // IoT: client ids are at most 128 bytes and may not start with `$`.
    const idProblem = checkClientId(request.clientId, limits);
    if (idProblem) {
      logDenial(logger, connection, 'iot:Connect', request.clientId, idProblem);
      return { allowed: false, returnCode: 2, message: idProblem };
    }
    const resource = arn('client', request.clientId);
    const decision = account.authorize(connection.principal, 'iot:Connect', resource, { 'iot:ClientId': request.clientId, 'aws:SourceIp': connection.sourceIp });
    if (!decision.allowed) {
      logDenial(logger, connection, 'iot:Connect', resource, decision.reason);
      connection.disconnectReason = 'AUTHORIZATION_ERROR';
      return { allowed: false, returnCode: 5, message: 'not authorized' };
    }
    connection.clientId = request.clientId;
    return { allowed: true };
  }
}
