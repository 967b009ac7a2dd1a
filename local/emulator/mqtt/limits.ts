/**
 * IoT Core message broker limits and the checks that apply them. Defaults are IoT Core's documented quotas (see
 * docs/aws-iot-facts.md section 3); all are configurable because some are adjustable in AWS.
 */
export interface IotLimits {
  /** IoT: topic names and filters are at most 256 bytes of UTF-8. */
  maxTopicBytes: number;
  /** IoT: at most 7 forward slashes (8 levels); the `$aws/rules/<rule>/` prefix is not counted. */
  maxTopicSlashes: number;
  /** IoT: a PUBLISH payload is at most 128 KB. */
  maxPayloadBytes: number;
  /** IoT: client ids are at most 128 bytes. */
  maxClientIdBytes: number;
  /** IoT: keep-alive is clamped to [30, 1200] s; 0 means 1200. */
  keepAliveMinSeconds: number;
  keepAliveMaxSeconds: number;
  /** IoT: at most 8 topic filters in one SUBSCRIBE. */
  maxFiltersPerSubscribe: number;
  /** IoT: at most 50 subscriptions per connection. */
  maxSubscriptionsPerConnection: number;
  /** IoT: publish requests per connection per second, inbound and outbound together; excess is dropped. 0 = off. */
  publishesPerSecondPerConnection: number;
  /** IoT: throughput per connection (512 KiB/s); excess is dropped. 0 = off. */
  bytesPerSecondPerConnection: number;
  /** IoT: persistent sessions expire after 1 hour by default (adjustable up to 7 days). */
  persistentSessionExpirySeconds: number;
  /** IoT: a resumed persistent session gets its stored messages at most 10 per second. 0 = no pacing. */
  storedMessagesPerSecond: number;
  /** Local bound (IoT's account quotas are far larger): retained messages kept; a new one over it is throttled. */
  maxRetainedMessages: number;
  /**
   * Local bound: persistent sessions (connected or waiting for their client) kept at most; at it, a CONNECT that would
   * start a new one is refused (CONNACK 3, server unavailable). No session is ever expired early to make room.
   */
  maxPersistentSessions: number;
  /** Local bound: persistent sessions of one user (the identity that connected them); at it, refused as above. */
  maxPersistentSessionsPerUser: number;
  /** Local bound: QoS 1 messages stored for one persistent session; IoT drops what exceeds its limit. */
  maxQueuedMessagesPerSession: number;
}

export const IOT_CORE_LIMITS: IotLimits = {
  maxTopicBytes: 256,
  maxTopicSlashes: 7,
  maxPayloadBytes: 128 * 1024,
  maxClientIdBytes: 128,
  keepAliveMinSeconds: 30,
  keepAliveMaxSeconds: 1200,
  maxFiltersPerSubscribe: 8,
  maxSubscriptionsPerConnection: 50,
  publishesPerSecondPerConnection: 100,
  bytesPerSecondPerConnection: 512 * 1024,
  persistentSessionExpirySeconds: 3600,
  storedMessagesPerSecond: 10,
  maxRetainedMessages: 1000,
  maxPersistentSessions: 5000,
  maxPersistentSessionsPerUser: 20,
  maxQueuedMessagesPerSession: 1000,
};

/**
 * The largest remaining length an MQTT packet IoT would accept can declare: a CONNECT with a maximal client id and a
 * maximal will (topic and payload), plus 1 KiB for a username and password (SDKs send their name as username). Any
 * PUBLISH under IoT's payload and topic limits is smaller. A packet declaring more is refused before it is read.
 */
export function maxPacketRemainingLength(limits: Pick<IotLimits, 'maxPayloadBytes' | 'maxTopicBytes' | 'maxClientIdBytes'>): number {
  const variableHeader = 10;
  return variableHeader + 2 + limits.maxClientIdBytes + 2 + limits.maxTopicBytes + 2 + limits.maxPayloadBytes + 1024;
}

const RULES_PREFIX = /^\$aws\/rules\/[^/]+\//;

function checkLengthAndLevels(kind: string, value: string, limits: IotLimits): string | undefined {
  if (value.length === 0) return `${kind} is empty`;
  // MQTT-4.7.3-2: topic names and filters must not contain U+0000.
  if (value.includes('\u0000')) return `${kind} contains the null character U+0000 (MQTT-4.7.3-2)`;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > limits.maxTopicBytes) return `${kind} is ${bytes} bytes; IoT allows at most ${limits.maxTopicBytes}`;
  const counted = value.replace(RULES_PREFIX, '');
  const slashes = counted.split('/').length - 1;
  if (slashes > limits.maxTopicSlashes)
    return `${kind} has ${slashes} slashes; IoT allows at most ${limits.maxTopicSlashes} (${limits.maxTopicSlashes + 1} levels)`;
  return undefined;
}

/** A topic a client (or the data plane) publishes to. Returns a reason when it is refused. */
export function checkPublishTopic(topic: string, limits: IotLimits): string | undefined {
  const problem = checkLengthAndLevels('topic', topic, limits);
  if (problem) return problem;
  if (topic.includes('+') || topic.includes('#')) return 'wildcards are not allowed in a topic name';
  // IoT: `$` topics are reserved; clients may not publish to $aws/events and other reserved topics.
  if (topic.startsWith('$') && !RULES_PREFIX.test(topic)) return `topics starting with "$" are reserved (${topic})`;
  return undefined;
}

/** A topic filter in SUBSCRIBE. */
export function checkTopicFilter(filter: string, limits: IotLimits): string | undefined {
  const problem = checkLengthAndLevels('topic filter', filter, limits);
  if (problem) return problem;
  const levels = filter.split('/');
  for (const [i, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return '"#" must be the last level on its own';
    if (level.includes('+') && level !== '+') return '"+" must occupy a whole level';
  }
  // IoT: of the reserved topics, subscribers may use $aws/... (lifecycle events, shadows, jobs); other $ topics are refused.
  if (filter.startsWith('$') && !filter.startsWith('$aws/')) return `topic filters starting with "$" other than $aws/ are reserved (${filter})`;
  return undefined;
}

export function checkClientId(clientId: string, limits: IotLimits): string | undefined {
  const bytes = Buffer.byteLength(clientId, 'utf8');
  if (bytes > limits.maxClientIdBytes) return `client id is ${bytes} bytes; IoT allows at most ${limits.maxClientIdBytes}`;
  if (clientId.startsWith('$')) return 'client ids starting with "$" are reserved';
  return undefined;
}

/** IoT: 0 or above the maximum becomes the maximum; below the minimum becomes the minimum. */
export function clampKeepAlive(seconds: number, limits: IotLimits): number {
  if (seconds === 0 || seconds > limits.keepAliveMaxSeconds) return limits.keepAliveMaxSeconds;
  return Math.max(seconds, limits.keepAliveMinSeconds);
}

export function hasWildcard(filter: string): boolean {
  return filter.includes('+') || filter.includes('#');
}

/**
 * Does `filter` match `topic` the way IoT Core matches? As MQTT 3.1.1, except that `x/#` does not match the parent
 * `x` (IoT: "a subscription to sensor/# receives messages published to sensor/, sensor/temperature, ... but not to
 * sensor"; https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-differences), and a filter starting
 * with a wildcard never matches a `$` topic (MQTT-4.7.2-1).
 */
export function iotTopicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return !hasWildcard(filter);
  if (!hasWildcard(filter)) return false;
  if (topic.charCodeAt(0) === 36 && (filter.charCodeAt(0) === 43 || filter.charCodeAt(0) === 35)) return false;
  let f = 0;
  let t = 0;
  while (f < filter.length) {
    const fEnd = levelEnd(filter, f);
    const level = filter.slice(f, fEnd);
    // `#` is last: it needs at least one more level of the topic (the parent itself does not match).
    if (level === '#') return t <= topic.length && (f === 0 || t < topic.length || topic.endsWith('/'));
    if (t > topic.length) return false;
    const tEnd = levelEnd(topic, t);
    if (level !== '+' && level !== topic.slice(t, tEnd)) return false;
    f = fEnd + 1;
    t = tEnd + 1;
  }
  return t === topic.length + 1;
}

function levelEnd(value: string, from: number): number {
  const slash = value.indexOf('/', from);
  return slash === -1 ? value.length : slash;
}

/** Per-connection publish and byte budget over one-second windows (IoT drops the excess). */
export class ConnectionRateLimiter {
  #windowStart = 0;
  #messages = 0;
  #bytes = 0;
  dropped = 0;

  constructor(
    private readonly limits: IotLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one message of `bytes`; false when it exceeds this second's budget and must be dropped. */
  take(bytes: number): boolean {
    const { publishesPerSecondPerConnection: maxMessages, bytesPerSecondPerConnection: maxBytes } = this.limits;
    if (maxMessages === 0 && maxBytes === 0) return true;
    const t = this.now();
    if (t - this.#windowStart >= 1000) {
      this.#windowStart = t;
      this.#messages = 0;
      this.#bytes = 0;
    }
    if ((maxMessages > 0 && this.#messages + 1 > maxMessages) || (maxBytes > 0 && this.#bytes + bytes > maxBytes)) {
      this.dropped += 1;
      return false;
    }
    this.#messages += 1;
    this.#bytes += bytes;
    return true;
  }
}
