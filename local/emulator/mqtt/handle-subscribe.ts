/** SUBSCRIBE, filter by filter (limits, then iot:Subscribe), and the subscribed/unsubscribed events. */
import type { Client, Subscription } from 'aedes';
import type { BrokerContext } from './broker-context.js';

/** SUBSCRIBE (aedes `authorizeSubscribe`), once per filter; also each stored filter of a resumed persistent session. */
export function onSubscribe(
  context: BrokerContext,
  client: Client,
  subscription: Subscription,
  callback: (error: Error | null, subscription?: Subscription | null) => void,
): void {
  const connection = context.byClient.get(client);
  if (connection === undefined) {
    callback(new Error('unknown connection'));
    return;
  }
  if (!connection.connackSent) {
    // Before CONNACK, aedes is restoring a persistent session's stored subscriptions (a client's own SUBSCRIBE
    // waits for the CONNACK: MQTT-3.1.4, aedes queues it).
    if (context.policy.restore(connection, client.id, subscription.topic)) {
      callback(null, subscription);
      return;
    }
    context.adapter.forgetSubscription(client.id, subscription.topic).catch(() => undefined);
    callback(null, null);
    return;
  }
  const limits = context.inspector.checkFilter(connection, subscription.topic, subscription.qos);
  if (limits.outcome === 'close') {
    callback(new Error(limits.error));
    return;
  }
  const verdict = context.policy.subscribe(connection, client.id, subscription.topic);
  if (!verdict.allowed) {
    callback(new Error(verdict.error));
    return;
  }
  callback(null, subscription);
}

/** Granted SUBSCRIBEs and UNSUBSCRIBE packets: lifecycle events. */
export function onSubscriptionEvents(context: BrokerContext): void {
  context.adapter.aedes.on('subscribe', (subscriptions, client) => {
    const connection = context.byClient.get(client);
    if (connection === undefined) return;
    // IoT: "topics: An array of the MQTT topics to which the client has subscribed" (the granted ones).
    const granted = subscriptions.filter((s) => (s.qos as number) !== 128).map((s) => s.topic);
    context.lifecycle.subscriptions('subscribed', client.id, connection, granted);
  });
  context.adapter.aedes.on('unsubscribe', (unsubscriptions, client) => {
    const connection = context.byClient.get(client);
    // aedes also "unsubscribes" everything of a closing client: only an UNSUBSCRIBE packet is an event.
    if (connection === undefined || client.closed) return;
    context.lifecycle.subscriptions('unsubscribed', client.id, connection, unsubscriptions);
  });
}
