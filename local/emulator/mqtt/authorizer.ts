/**
 * Policy checks of SUBSCRIBE, PUBLISH and every delivery, by the documents AWS would evaluate
 * (docs/aws-iot-facts.md section 2; https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html):
 * `iot:Subscribe` on `topicfilter/<the literal filter>`, `iot:Publish` (and `iot:RetainPublish` with retain) on
 * `topic/<topic>`, `iot:Receive` on `topic/<the concrete topic>` of each message delivered.
 * IoT on MQTT 3.1.1: a denied SUBSCRIBE or PUBLISH closes the connection; a denied Receive drops that delivery only.
 */
import type { LocalAccount } from '../account/account.js';
import { type ArnOf, type Connection, logDenial } from './connection.js';

/** Receive decisions cached per connection; bounded so a client cannot grow it without limit. */
export const RECEIVE_CACHE_LIMIT = 1024;

/** Allowed, or refused with the error the connection is closed with (the denial is already logged). */
export type PolicyVerdict = { allowed: true } | { allowed: false; error: string };

const ALLOWED: PolicyVerdict = { allowed: true };

export interface PolicyAuthorizerOptions {
  account: LocalAccount;
  arn: ArnOf;
}

export class PolicyAuthorizer {
  constructor(private readonly options: PolicyAuthorizerOptions) {}

  /** `iot:Subscribe` on the filter string as sent: `+` and `#` are literal characters in a policy resource. */
  subscribe(connection: Connection, clientId: string, filter: string): PolicyVerdict {
    const resource = this.options.arn('topicfilter', filter);
    return this.#decide(connection, clientId, 'iot:Subscribe', resource, 'not authorized to subscribe');
  }

  /**
   * A stored subscription of a persistent session being restored on reconnect. Not allowed any more (the policy
   * changed, or new credentials are narrower): the subscription is dropped from the session and the connection
   * goes on; refusing the CONNECT would lock the client id out until the session expires, and every refused attempt
   * would restart that expiry. AWS documents no behaviour here (docs/aws-iot-facts.md section 3).
   */
  restore(connection: Connection, clientId: string, filter: string): boolean {
    const resource = this.options.arn('topicfilter', filter);
    const decision = this.options.account.authorize(connection.principal, 'iot:Subscribe', resource, {
      'iot:ClientId': clientId,
      'aws:SourceIp': connection.sourceIp,
    });
    if (!decision.allowed)
      logDenial(connection, 'iot:Subscribe', resource, `${decision.reason} (stored subscription of the persistent session dropped on resume)`);
    return decision.allowed;
  }

  /** `iot:Publish`, and `iot:RetainPublish` as well for a retained message (it needs both). */
  publish(connection: Connection, clientId: string, topic: string, retain: boolean): PolicyVerdict {
    const resource = this.options.arn('topic', topic);
    const publish = this.#decide(connection, clientId, 'iot:Publish', resource, 'not authorized to publish');
    if (!publish.allowed || !retain) return publish;
    return this.#decide(connection, clientId, 'iot:RetainPublish', resource, 'not authorized to publish retained messages');
  }

  /**
   * The Last Will: `iot:Publish` (and `iot:RetainPublish` for a retained will) on its topic, checked at CONNECT and
   * again when the broker publishes it. A denial is logged but never changes the disconnect reason.
   */
  will(connection: Connection, clientId: string, topic: string, retain: boolean): boolean {
    const resource = this.options.arn('topic', topic);
    for (const action of retain ? ['iot:Publish', 'iot:RetainPublish'] : ['iot:Publish']) {
      const decision = this.options.account.authorize(connection.principal, action, resource, {
        'iot:ClientId': clientId,
        'aws:SourceIp': connection.sourceIp,
      });
      if (!decision.allowed) {
        logDenial(connection, action, resource, `${decision.reason} (Last Will)`);
        return false;
      }
    }
    return true;
  }

  /**
   * `iot:Receive` for one delivery. Runs on every message to every subscriber, so decisions are cached per
   * connection and topic, and a denial is logged once per connection and topic (like IoT's own policy cache).
   */
  receive(connection: Connection, clientId: string, topic: string): boolean {
    const cached = connection.receiveDecisions.get(topic);
    if (cached !== undefined) return cached;
    const resource = this.options.arn('topic', topic);
    const decision = this.options.account.authorize(connection.principal, 'iot:Receive', resource, {
      'iot:ClientId': clientId,
      'aws:SourceIp': connection.sourceIp,
    });
    if (connection.receiveDecisions.size >= RECEIVE_CACHE_LIMIT) connection.receiveDecisions.clear();
    connection.receiveDecisions.set(topic, decision.allowed);
    if (!decision.allowed) logDenial(connection, 'iot:Receive', resource, `${decision.reason} (deliveries on this topic are dropped)`);
    return decision.allowed;
  }

  #decide(connection: Connection, clientId: string, action: string, resource: string, error: string): PolicyVerdict {
    const decision = this.options.account.authorize(connection.principal, action, resource, { 'iot:ClientId': clientId, 'aws:SourceIp': connection.sourceIp });
    if (decision.allowed) return ALLOWED;
    logDenial(connection, action, resource, decision.reason);
    // IoT: a connection cut off because authorization failed is disconnected with AUTH_ERROR (life-cycle-events.html).
    connection.disconnectReason = 'AUTH_ERROR';
    return { allowed: false, error };
  }
}
