/**
 * IoT Core's per-packet limits and per-connection throttles (docs/aws-iot-facts.md section 3;
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits), checked before any policy.
 * A PUBLISH or SUBSCRIBE that breaks a limit closes the connection (CLIENT_ERROR); traffic over a throttle is dropped,
 * and every drop is logged within the connection's log budget (never silently).
 */
import { type ArnOf, type Connection, clientOf, logDenial } from './connection.js';
import { checkPublishTopic, checkTopicFilter, type IotLimits, maxPacketRemainingLength } from './limits.js';

/** A throttled inbound PUBLISH is diverted here: `$` topics other than `$aws/` cannot be subscribed, so it reaches nobody. */
export const THROTTLED_TOPIC = '$emulator/throttled';

/** A PUBLISH as the limits see it. */
export interface InboundPublish {
  topic: string;
  qos: number;
  payloadBytes: number;
}

/** What becomes of one filter of a SUBSCRIBE: checked further, refused alone (SUBACK 0x80), or the connection closes. */
export type FilterVerdict = { outcome: 'check-policy' } | { outcome: 'close'; error: string };

const CHECK_POLICY: FilterVerdict = { outcome: 'check-policy' };

export interface PacketInspectorOptions {
  arn: ArnOf;
  limits: IotLimits;
}

export class PacketInspector {
  /** The largest remaining length a packet may declare (see maxPacketRemainingLength). */
  readonly maxRemainingLength: number;

  constructor(private readonly options: PacketInspectorOptions) {
    this.maxRemainingLength = maxPacketRemainingLength(options.limits);
  }

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
    let problem = connection.subscribeRefusal ?? checkTopicFilter(filter, this.options.limits);
    // IoT: "AWS IoT doesn't support publishing or subscribing with QoS level 2. When QoS level 2 is requested, the
    // message broker doesn't send a PUBACK or SUBACK" (mqtt.html#mqtt-differences); clients report the connection
    // closed (aws-iot-device-sdk-embedded-C#1941). So: no SUBACK, the connection closes.
    if (!problem && qos === 2) problem = 'QoS 2 is not supported by AWS IoT Core (no SUBACK; the connection closes)';
    if (problem) return { outcome: 'close', error: this.#refuse(connection, 'iot:Subscribe', resource, problem) };
    return CHECK_POLICY;
  }

  /** A PUBLISH from a client; returns the error to close the connection with, or undefined. */
  checkPublish(connection: Connection, packet: InboundPublish): string | undefined {
    const { limits } = this.options;
    // IoT: QoS 2 is not supported; a QoS 2 PUBLISH disconnects the client.
    let problem: string | undefined = packet.qos === 2 ? 'QoS 2 is not supported by AWS IoT Core' : undefined;
    // IoT: a PUBLISH payload is at most 128 KB.
    if (!problem && packet.payloadBytes > limits.maxPayloadBytes)
      problem = `payload is ${packet.payloadBytes} bytes; IoT allows at most ${limits.maxPayloadBytes}`;
    problem ??= checkPublishTopic(packet.topic, limits);
    return problem === undefined ? undefined : this.#refuse(connection, 'iot:Publish', this.options.arn('topic', packet.topic), problem);
  }

  /** IoT: publishes over the per-connection rate or throughput are dropped, not refused. False: drop this one. */
  admitInbound(connection: Connection, clientId: string, topic: string, bytes: number): boolean {
    if (connection.rate.take(bytes)) return true;
    connection.refusals.log({ level: 'warn', message: 'throttled inbound PUBLISH (per-connection limit)', clientId, topic });
    return false;
  }

  /**
   * IoT: the per-connection budget counts deliveries to the client too; a delivery over it is dropped, and IoT counts
   * it as a throttled outbound publish. Each drop is logged (within the connection's log budget), QoS 1 ones too: the
   * message is not redelivered.
   */
  admitOutbound(connection: Connection, topic: string, qos: number, bytes: number): boolean {
    if (connection.rate.take(bytes)) return true;
    if (qos > 0) connection.throttledDeliveries.qos1 += 1;
    else connection.throttledDeliveries.qos0 += 1;
    connection.refusals.log({
      level: 'warn',
      message: 'throttled outbound delivery dropped (per-connection limit)',
      clientId: clientOf(connection),
      topic,
      qos,
    });
    return false;
  }

  /**
   * A packet whose fixed header declares more than any packet IoT accepts: refused before its bytes are read (the
   * connection closes as CLIENT_ERROR, as for a PUBLISH over the payload limit). Returns the reason.
   */
  refuseOversized(connection: Connection, declared: number): string {
    const reason = Number.isFinite(declared)
      ? `an MQTT packet declares at least ${declared} bytes; IoT accepts at most ${this.options.limits.maxPayloadBytes} bytes of payload (refused before reading it)`
      : 'malformed MQTT remaining length (more than 4 bytes)';
    return this.#refuse(connection, 'MQTT packet', '(connection)', reason);
  }

  /** Logs the refusal and records why the connection is about to close; returns the reason as the error. */
  #refuse(connection: Connection, action: string, resource: string, reason: string): string {
    logDenial(connection, action, resource, reason);
    connection.disconnectReason = 'CLIENT_ERROR';
    return reason;
  }
}
