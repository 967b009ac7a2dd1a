/**
 * IoT Core's per-packet limits and per-connection throttles (docs/aws-iot-facts.md section 3;
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits), checked before any policy.
 * A PUBLISH or SUBSCRIBE that breaks a limit closes the connection (CLIENT_ERROR); traffic over a throttle is dropped.
 */
import type { EmulatorLogger } from '../log.js';
import { type ArnOf, type Connection, logDenial } from './connection.js';
import { checkPublishTopic, checkTopicFilter, type IotLimits } from './limits.js';

/** A throttled inbound PUBLISH is diverted here: `$` topics other than `$aws/` cannot be subscribed, so it reaches nobody. */
export const THROTTLED_TOPIC = '$emulator/throttled';

/** A PUBLISH as the limits see it. */
export interface InboundPublish {
  topic: string;
  qos: number;
  payloadBytes: number;
}

/** What becomes of one filter of a SUBSCRIBE: checked further, refused alone (SUBACK 0x80), or the connection closes. */
export type FilterVerdict = { outcome: 'check-policy' } | { outcome: 'refuse-filter' } | { outcome: 'close'; error: string };

const CHECK_POLICY: FilterVerdict = { outcome: 'check-policy' };

export interface PacketInspectorOptions {
  arn: ArnOf;
  limits: IotLimits;
  logger: EmulatorLogger;
}

export class PacketInspector {
  constructor(private readonly options: PacketInspectorOptions) {}

  /**
   * A whole SUBSCRIBE, before its filters are handled one by one: the filter count per packet and the subscription
   * count per connection are properties of the packet, so the verdict is recorded for the per-filter step.
   * `heldFilters` are the connection's current subscriptions.
   */
  inspectSubscribe(connection: Connection, filters: readonly string[], heldFilters: ReadonlySet<string>): void {
    const { maxFiltersPerSubscribe, maxSubscriptionsPerConnection } = this.options.limits;
    const added = new Set(filters.filter((f) => !heldFilters.has(f))).size;
    if (filters.length > maxFiltersPerSubscribe) {
      // IoT: at most 8 topic filters in one SUBSCRIBE.
      connection.subscribeRefusal = `a SUBSCRIBE may carry at most ${maxFiltersPerSubscribe} topic filters (got ${filters.length})`;
    } else if (heldFilters.size + added > maxSubscriptionsPerConnection) {
      // IoT: at most 50 subscriptions per connection.
      connection.subscribeRefusal = `a connection may hold at most ${maxSubscriptionsPerConnection} subscriptions`;
    } else {
      connection.subscribeRefusal = undefined;
    }
  }

  /** One filter of a SUBSCRIBE. */
  checkFilter(connection: Connection, filter: string, qos: number): FilterVerdict {
    const resource = this.options.arn('topicfilter', filter);
    const problem = connection.subscribeRefusal ?? checkTopicFilter(filter, this.options.limits);
    if (problem) return { outcome: 'close', error: this.#refuse(connection, 'iot:Subscribe', resource, problem) };
    // IoT: QoS 2 is not supported; that filter is refused (SUBACK 0x80), the connection stays.
    if (qos === 2) {
      logDenial(this.options.logger, connection, 'iot:Subscribe', resource, 'QoS 2 is not supported by AWS IoT Core (SUBACK failure for this filter)');
      return { outcome: 'refuse-filter' };
    }
    return CHECK_POLICY;
  }

  /** A PUBLISH from a client; returns the error to close the connection with, or undefined. */
  checkPublish(connection: Connection, packet: InboundPublish): string | undefined {
    const { limits } = this.options;
    // IoT: QoS 2 is not supported; a QoS 2 PUBLISH disconnects the client.
    let problem: string | undefined = packet.qos === 2 ? 'QoS 2 is not supported by AWS IoT Core' : undefined;
    // IoT: a PUBLISH payload is at most 128 KB.
    if (!problem && packet.payloadBytes > limits.maxPayloadBytes) problem = `payload is ${packet.payloadBytes} bytes; IoT allows at most ${limits.maxPayloadBytes}`;
    problem ??= checkPublishTopic(packet.topic, limits);
    return problem === undefined ? undefined : this.#refuse(connection, 'iot:Publish', this.options.arn('topic', packet.topic), problem);
  }

  /** IoT: publishes over the per-connection rate or throughput are dropped, not refused. False: drop this one. */
  admitInbound(connection: Connection, clientId: string, topic: string, bytes: number): boolean {
    if (connection.rate.take(bytes)) return true;
    this.options.logger.log({ level: 'warn', message: 'throttled inbound PUBLISH (per-connection limit)', clientId, topic });
    return false;
  }

  /** IoT: the per-connection budget counts deliveries to the client too; a delivery over it is dropped. */
  admitOutbound(connection: Connection, bytes: number): boolean {
    return connection.rate.take(bytes);
  }

  /** Logs the refusal and records why the connection is about to close; returns the reason as the error. */
  #refuse(connection: Connection, action: string, resource: string, reason: string): string {
    logDenial(this.options.logger, connection, action, resource, reason);
    connection.disconnectReason = 'CLIENT_ERROR';
    return reason;
  }
}
