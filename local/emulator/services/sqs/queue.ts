/**
 * One SQS standard queue: messages, visibility and redrive, with the semantics the functions and the Lambda event
 * source mapping rely on (Amazon SQS Developer Guide):
 * - "Amazon SQS visibility timeout": a received message is invisible for the visibility timeout from the moment SQS
 *   returns it; not deleted by then, it becomes visible again and its ApproximateReceiveCount grows.
 * - "Using dead-letter queues": "when the ReceiveCount for a message exceeds the maxReceiveCount for a queue, Amazon
 *   SQS moves the message to a dead-letter queue" (with its original id, body and attributes).
 * - DeleteMessage and ChangeMessageVisibility take the receipt handle of the most recent receive; an older one may not
 *   delete the message ("ReceiptHandle": "If you receive a message more than once, each time you receive it, you get a
 *   different receipt handle").
 * - Retention ("MessageRetentionPeriod"): a message older than the queue's retention is deleted, received or not.
 * Receives return the oldest visible messages first (best effort for standard queues).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { PolicyDocument } from '../../../../core/policy/document.js';

export interface QueueAttributes {
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  delaySeconds: number;
  receiveMessageWaitTimeSeconds: number;
  maximumMessageSize: number;
  /** RedrivePolicy: the dead-letter queue's ARN and the receives allowed before a message moves there. */
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** A message attribute ("Amazon SQS message attributes"): String, Number or Binary, optionally with a custom suffix. */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  /** Base64 in the JSON protocol. */
  BinaryValue?: string;
}

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  sentAt: number;
  receiveCount: number;
  /** Epoch ms from which the message may be received. */
  visibleAt: number;
  firstReceivedAt?: number;
  /** The receipt handle of the latest receive. */
  receipt?: string;
  /** The queue the message was first sent to (dead-lettered messages keep it for DeadLetterQueueSourceArn). */
  sourceArn?: string;
}

/** Where a queue sends what it dead-letters (resolved by ARN when a message moves, as SQS does). */
export type DeadLetterSink = (targetArn: string, message: StoredMessage) => boolean;

/** A receipt handle that is not one of this queue's (`malformed`), or whose message is no longer in flight under it. */
export class ReceiptHandleError extends Error {
  override readonly name = 'ReceiptHandleError';
  constructor(
    message: string,
    readonly malformed: boolean,
  ) {
    super(message);
  }
}

/**
 * The local queue holds LOCAL_SQS_MAX_MESSAGES messages: a new one is refused, none already queued is dropped. SQS
 * itself stores an unlimited backlog; its nearest real limit is the in-flight quota ("Amazon SQS standard queue
 * quotas", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html: "a maximum
 * of approximately 120,000 in flight messages ... If you reach this quota while using short polling, Amazon SQS returns
 * the OverLimit error message"), so the refusal is OverLimit ("The specified action violates a limit", API reference).
 */
export class QueueFullError extends Error {
  override readonly name = 'QueueFullError';
}

export class StandardQueue {
  /** Insertion order is send order: receives take the oldest visible messages first. */
  readonly #messages = new Map<string, StoredMessage>();
  readonly #waiters = new Set<() => void>();
  /** The queue's access policy (SetQueueAttributes Policy; Terraform: aws_sqs_queue_policy), if any. */
  policy: PolicyDocument | undefined;

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly url: string,
    public attributes: QueueAttributes,
    readonly createdAt: number,
    private readonly options: { maxMessages: number; deadLetterSink: DeadLetterSink; now: () => number },
  ) {}

  get depth(): number {
    return this.#messages.size;
  }

  /** ApproximateNumberOfMessages, ...NotVisible and ...Delayed at `now`. */
  counts(now: number): { visible: number; inFlight: number; delayed: number } {
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const m of this.#messages.values()) {
      if (m.visibleAt <= now) visible += 1;
      else if (m.receiveCount > 0) inFlight += 1;
      else delayed += 1;
    }
    return { visible, inFlight, delayed };
  }

  send(
    body: string,
    delaySeconds = this.attributes.delaySeconds,
    sourceArn?: string,
    messageAttributes?: Record<string, MessageAttributeValue>,
  ): StoredMessage {
    if (this.#messages.size >= this.options.maxMessages)
      throw new QueueFullError(
        `The local queue ${this.name} already holds ${this.options.maxMessages} messages, its bound (LOCAL_SQS_MAX_MESSAGES); this message was not sent and none queued was dropped. Receive and delete messages, or raise the bound.`,
      );
    const now = this.options.now();
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
      sentAt: now,
      receiveCount: 0,
      visibleAt: now + delaySeconds * 1000,
      ...(sourceArn ? { sourceArn } : {}),
      ...(messageAttributes && Object.keys(messageAttributes).length > 0
        ? { messageAttributes, md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes) }
        : {}),
    };
    this.#messages.set(message.messageId, message);
    this.#wake();
    return message;
  }

  /** A dead-lettered message keeps its id and body; its receive count starts again ("Using dead-letter queues"). */
  acceptDeadLetter(message: StoredMessage, sourceArn: string): void {
    const now = this.options.now();
    this.#messages.set(message.messageId, { ...message, receiveCount: 0, visibleAt: now, sourceArn, receipt: undefined, firstReceivedAt: undefined });
    this.#wake();
  }

  receive(maxMessages: number, visibilityTimeoutSeconds = this.attributes.visibilityTimeoutSeconds): StoredMessage[] {
    const now = this.options.now();
    this.#expire(now);
    const batch: StoredMessage[] = [];
    for (const m of this.#messages.values()) {
      if (batch.length >= maxMessages) break;
      if (m.visibleAt > now) continue;
      const redrive = this.attributes.redrive;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        // Moved when it would be received once more; if the target is gone, SQS keeps it here.
        if (this.options.deadLetterSink(redrive.deadLetterTargetArn, m)) {
          this.#messages.delete(m.messageId);
          continue;
        }
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + visibilityTimeoutSeconds * 1000;
      m.receipt = `${Buffer.from(`${this.arn} ${m.messageId} ${randomUUID()}`).toString('base64')}`;
      batch.push({ ...m });
    }
    return batch;
  }

  /** Long polling: resolves at the first send or visibility change, or after `ms`. */
  async waitForMessages(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || this.counts(this.options.now()).visible > 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  delete(receipt: string): void {
    const m = this.#byReceipt(receipt);
    if (m) this.#messages.delete(m.messageId);
  }

  changeVisibility(receipt: string, visibilityTimeoutSeconds: number): void {
    const m = this.#byReceipt(receipt);
    if (!m)
      throw new ReceiptHandleError(
        `Value ${receipt} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
        false,
      );
    m.visibleAt = this.options.now() + visibilityTimeoutSeconds * 1000;
    // Pollers waiting for the next message to become visible recompute when that is.
    this.#wake();
  }

  purge(): void {
    this.#messages.clear();
  }

  /** The earliest moment a message now invisible becomes visible (for pollers waiting without a send to wake them). */
  nextVisibleAt(now: number): number | undefined {
    let next: number | undefined;
    for (const m of this.#messages.values()) if (m.visibleAt > now && (next === undefined || m.visibleAt < next)) next = m.visibleAt;
    return next;
  }

  /** Messages as stored, for the local stack's inspection (not an SQS API). */
  peek(): readonly StoredMessage[] {
    return [...this.#messages.values()].map((m) => ({ ...m }));
  }

  close(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  #byReceipt(receipt: string): StoredMessage | undefined {
    let decoded: string;
    try {
      decoded = Buffer.from(receipt, 'base64').toString('utf8');
    } catch {
      throw new ReceiptHandleError(`The input receipt handle "${receipt}" is not a valid receipt handle.`, true);
    }
    const [arn, messageId] = decoded.split(' ');
    if (arn !== this.arn || !messageId) throw new ReceiptHandleError(`The input receipt handle "${receipt}" is not a valid receipt handle.`, true);
    const m = this.#messages.get(messageId);
    // A stale receipt (the message was received again since) deletes nothing, as SQS may do.
    return m && m.receipt === receipt ? m : undefined;
  }

  #expire(now: number): void {
    const oldest = now - this.attributes.messageRetentionSeconds * 1000;
    for (const m of this.#messages.values()) if (m.sentAt < oldest) this.#messages.delete(m.messageId);
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}

/**
 * MD5OfMessageAttributes ("Calculating the MD5 message digest for message attributes", Amazon SQS Developer Guide):
 * attributes sorted by name; each as its name, its data type (each a 4-byte big-endian length and UTF-8 bytes), a
 * transport byte (1 for String and Number, 2 for Binary) and its value (length and bytes); the MD5 of the whole.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const parts: Buffer[] = [];
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(value.DataType, 'utf8'));
    const binary = value.DataType.startsWith('Binary');
    parts.push(Buffer.from([binary ? 2 : 1]));
    field(binary ? Buffer.from(value.BinaryValue ?? '', 'base64') : Buffer.from(value.StringValue ?? '', 'utf8'));
  }
  return createHash('md5').update(Buffer.concat(parts)).digest('hex');
}
