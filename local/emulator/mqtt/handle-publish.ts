/** PUBLISH from a client (limits, iot:Publish, throttles, retained limit) and each delivery (iot:Receive, outbound throttle). */
import type { AedesPublishPacket, Client, PublishPacket } from 'aedes';
import type { BrokerContext } from './broker-context.js';
import { payloadBytes } from './connection.js';
import { THROTTLED_TOPIC } from './packet-inspector.js';

/** PUBLISH (aedes `authorizePublish`) of a client, its Last Will included. */
export function onPublish(context: BrokerContext, client: Client, packet: PublishPacket, callback: (error?: Error | null) => void): void {
  const connection = context.byClient.get(client);
  if (connection === undefined) {
    callback(new Error('unknown connection'));
    return;
  }
  // aedes asks about a closing client's Last Will: checked again (policies may have changed), never a new reason.
  if (client.closed) {
    callback(context.policy.will(connection, client.id, packet.topic, packet.retain) ? null : new Error('Last Will not authorized'));
    return;
  }
  const bytes = payloadBytes(packet.payload);
  const problem = context.inspector.checkPublish(connection, { topic: packet.topic, qos: packet.qos, payloadBytes: bytes });
  if (problem) {
    callback(new Error(problem));
    return;
  }
  const verdict = context.policy.publish(connection, client.id, packet.topic, packet.retain);
  if (!verdict.allowed) {
    callback(new Error(verdict.error));
    return;
  }
  if (!context.inspector.admitInbound(connection, client.id, packet.topic, bytes)) {
    context.adapter.divert(packet, THROTTLED_TOPIC);
  } else if (packet.retain && !context.canRetain(packet.topic, bytes)) {
    connection.refusals.log({
      level: 'warn',
      message: 'retained PUBLISH throttled: the retained-message limit is reached',
      clientId: client.id,
      topic: packet.topic,
      limit: context.limits.maxRetainedMessages,
    });
    context.adapter.divert(packet, THROTTLED_TOPIC);
  }
  callback(null);
}

/** Every delivery to every subscriber: keep it cheap (the Receive decision is cached per connection). */
export function onDeliver(context: BrokerContext, client: Client, packet: AedesPublishPacket): AedesPublishPacket | null {
  const connection = context.byClient.get(client);
  if (connection === undefined || !context.policy.receive(connection, client.id, packet.topic)) return null;
  return context.inspector.admitOutbound(connection, packet.topic, packet.qos, payloadBytes(packet.payload)) ? packet : null;
}
