/**
 * Disconnects and Last Wills: why a connection closed (its lifecycle event, the expiry of a persistent session), and
 * the will a WebSocket Close frame cancels.
 */
import type { Client } from 'aedes';
import type { BrokerContext } from './broker-context.js';
import type { Connection } from './connection.js';

/** A registered client went (disconnected event, session expiry), or its keep-alive ran out, or it erred. */
export function onDisconnectEvents(context: BrokerContext): void {
  const { aedes } = context.adapter;
  aedes.on('clientDisconnect', (client) => {
    const connection = context.byClient.get(client);
    if (connection !== undefined) {
      context.lifecycle.disconnected(client.id, connection);
      connection.refusals.flush({ clientId: client.id });
    }
    if (!client.clean) context.sessions.disconnected(client.id);
  });
  aedes.on('keepaliveTimeout', (client) => context.lifecycle.closing(context.byClient.get(client), 'MQTT_KEEP_ALIVE_TIMEOUT'));
  aedes.on('clientError', (client, error) => {
    context.lifecycle.clientError(context.byClient.get(client));
    context.logger.log({ level: 'debug', message: 'mqtt client error', clientId: client.id, error: error.message });
  });
}

/**
 * IoT: a WebSocket Close frame is a client-initiated disconnect, and then no Last Will is sent
 * (life-cycle-events.html, CLIENT_INITIATED_DISCONNECT: "The broker will send the LWT messages: No").
 */
export function onPeerClose(context: BrokerContext, connection: Connection, client: Client | undefined): void {
  context.lifecycle.closing(connection, 'CLIENT_INITIATED_DISCONNECT');
  if (client) context.adapter.dropWill(client);
}
