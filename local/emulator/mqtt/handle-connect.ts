/**
 * CONNECT, as aedes' `lib/handlers/connect` sees it: the packet (`preConnect`), its authentication (`authenticate`),
 * the CONNACK and the registered client (connected event, persistent session resumed).
 */
import type { AuthenticateError, Client, ConnectPacket } from 'aedes';
import type { BrokerContext } from './broker-context.js';
import { ConnectRefusedError } from './connect.js';
import { logDenial, payloadBytes } from './connection.js';
import { mqtt5RefusalConnack } from './mqtt5-connack.js';
import { sessionOwner } from './sessions.js';

/** CONNECT arrived (aedes `preConnect`): tie the client to its authenticated upgrade, watch its packets. */
export function onConnectPacket(context: BrokerContext, client: Client, packet: ConnectPacket, callback: (error: Error | null, ok: boolean) => void): void {
  const connection = client.req ? context.byRequest.get(client.req) : undefined;
  if (connection === undefined) {
    callback(new Error('connection was not authenticated by the WebSocket upgrade'), false);
    return;
  }
  context.byClient.set(client, connection);
  const will = packet.will
    ? { topic: packet.will.topic, qos: packet.will.qos ?? 0, retain: packet.will.retain ?? false, payloadBytes: payloadBytes(packet.will.payload) }
    : undefined;
  const accepted = context.connect.accept(connection, {
    clientId: packet.clientId,
    keepalive: packet.keepalive,
    protocolVersion: packet.protocolVersion,
    will,
  });
  // Refused here: aedes closes the connection without a CONNACK, so an MQTT 5 refusal writes its own CONNACK first
  // and lets aedes close once the bytes are on their way (MQTT 5.0 section 3.2.2.2: CONNACK, then close).
  if (!accepted.accepted) {
    const refuse = () => callback(new Error(accepted.error), false);
    if (accepted.connack === undefined) refuse();
    else client.conn.write(mqtt5RefusalConnack(accepted.connack, packet.properties?.maximumPacketSize), refuse);
    return;
  }
  context.adapter.setKeepAlive(packet, accepted.keepAlive);
  context.adapter.watchPackets(client, (inbound) => {
    if (inbound.cmd === 'disconnect') context.lifecycle.closing(connection, 'CLIENT_INITIATED_DISCONNECT');
    else if (inbound.cmd === 'subscribe' && inbound.subscriptions) {
      context.inspector.inspectSubscribe(
        connection,
        inbound.subscriptions.map((s) => s.topic),
        context.adapter.subscribedFilters(client),
      );
    }
  });
  callback(null, true);
}

/** CONNECT (aedes `authenticate`): client id, iot:Connect and the will's topic; then takeover. */
export function onConnect(context: BrokerContext, client: Client, callback: (error: AuthenticateError | null, success: boolean | null) => void): void {
  const connection = context.byClient.get(client);
  if (connection === undefined) {
    callback(new ConnectRefusedError(5, 'not authenticated'), false);
    return;
  }
  const verdict = context.connect.authenticate(connection, {
    requestedClientId: connection.requestedClientId ?? '',
    clientId: client.id,
    clean: client.clean,
    will: connection.will,
  });
  if (!verdict.allowed) {
    if (verdict.connectFailed && connection.requestedClientId) context.lifecycle.connectFailed(connection.requestedClientId, connection);
    callback(new ConnectRefusedError(verdict.returnCode, verdict.message), false);
    return;
  }
  // Local bounds on persistent sessions (sessions.ts): at them, a CONNECT starting a new one gets CONNACK 3.
  if (!client.clean) {
    const admission = context.sessions.admit(client.id, sessionOwner(connection.principal));
    if (!admission.admitted) {
      logDenial(connection, 'iot:Connect', client.id, admission.reason);
      callback(new ConnectRefusedError(3, `server unavailable: ${admission.reason}`), false);
      return;
    }
  }
  // IoT: a second connection with the same client id takes over; the older one is disconnected.
  const older = context.adapter.connectedClient(client.id);
  if (older && older !== client) context.lifecycle.closing(context.byClient.get(older), 'DUPLICATE_CLIENTID');
  callback(null, true);
}

/** The CONNACK went out (a client's SUBSCRIBEs from now on are its own); the client is registered. */
export function onConnectEvents(context: BrokerContext): void {
  context.adapter.aedes.on('connackSent', (_packet, client) => {
    const connection = context.byClient.get(client);
    if (connection !== undefined) connection.connackSent = true;
  });
  context.adapter.aedes.on('client', (client) => {
    const connection = context.byClient.get(client);
    if (connection === undefined) return;
    context.sessions.connected(client.id, client.clean);
    context.lifecycle.connected(client.id, connection, client.clean);
  });
}
