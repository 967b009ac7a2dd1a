/**
 * A work queue locally (jobs, fan-out): an in-process stand-in for an SQS standard queue and the Lambda event source
 * mapping that consumes it, with the semantics the functions rely on.
 *
 * - Visibility timeout. A received message is invisible for `visibilityTimeoutMs` from the moment it is received
 *   (SQS: "the visibility timeout begins when Amazon SQS returns a message"). Not deleted by then, because it failed or
 *   because it is still being processed, it becomes visible and is received again with ApproximateReceiveCount raised:
 *   that is why the deployed queues' visibility is 6x their consumer's timeout (functions/catalog.ts).
 * - Partial batch failure. The records the consumer names in `batchItemFailures` stay; the others are deleted. A thrown
 *   error fails the whole batch, and so does a response naming a message that is not in the batch, or no message at
 *   all (Lambda developer guide, "Handling errors for an SQS event source": "an itemIdentifier value with a message ID
 *   that doesn't exist", an empty or null itemIdentifier -> complete failure).
 * - Redrive. A message already received `maxReceiveCount` times is moved to the dead-letter list when it would be
 *   received once more (SQS: "when the ReceiveCount for a message exceeds the maxReceiveCount for a queue, Amazon SQS
 *   moves the message to the dead-letter queue").
 * - No head-of-line blocking. Up to `maxConcurrency` batches are processed at once (Lambda starts with five concurrent
 *   batches on an SQS queue), and a failed message waits out its own visibility timeout: neither a slow nor a failing
 *   message holds back the others.
 * - Stale receipts. A message received again while an earlier delivery is still running is settled only by the latest
 *   delivery (SQS: DeleteMessage needs the most recently received receipt handle, or the message "might not be
 *   deleted").
 *
 * One local shortcut, `failureVisibilityMs`: a failed message becomes visible after that delay instead of the rest of
 * its visibility timeout, as if the consumer called ChangeMessageVisibility; the deployed event source mapping does not,
 * so deployed retries wait the full visibility timeout.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { JobMessage } from '../../core/contracts/jobs.js';
import type { JobQueue } from '../../functions/shared/ports.js';

/** What an SQS-triggered function returns: a batch response, or nothing (every record succeeded). */
export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
}

interface QueuedMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  /** Epoch ms from which the message may be received. */
  visibleAt: number;
  /** The receipt handle of the latest receive; only that delivery may delete or release the message. */
  receipt?: string;
  firstReceivedAt?: number;
}

export interface InProcessQueueOptions {
  queueArn: string;
  region: string;
  maxReceiveCount: number;
  batchSize: number;
  /** SQS VisibilityTimeout, from the moment a message is received. */
  visibilityTimeoutMs: number;
  /** Local shortcut: a failed message is visible again after this delay (as with ChangeMessageVisibility). */
  failureVisibilityMs?: number;
  /** Batches processed at once (concurrent invocations of the consumer); 5 by default. */
  maxConcurrency?: number;
  onDeadLetter?: (message: DeadLetter) => void;
}

const DEFAULT_MAX_CONCURRENCY = 5;

export class InProcessQueue implements JobQueue {
  readonly deadLetters: DeadLetter[] = [];
  /** Insertion order is send order: receives take the oldest visible messages first (best effort, as SQS standard). */
  readonly #messages = new Map<string, QueuedMessage>();
  readonly #maxConcurrency: number;
  #inFlight = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #handler: SqsHandler | undefined;

  constructor(private readonly options: InProcessQueueOptions) {
    const { maxReceiveCount, batchSize, visibilityTimeoutMs, failureVisibilityMs } = options;
    this.#maxConcurrency = options.maxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    const positive = (name: string, value: number) => {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
    };
    positive('maxReceiveCount', maxReceiveCount);
    positive('batchSize', batchSize);
    positive('visibilityTimeoutMs', visibilityTimeoutMs);
    positive('maxConcurrency', this.#maxConcurrency);
    if (failureVisibilityMs !== undefined && (!Number.isInteger(failureVisibilityMs) || failureVisibilityMs < 0)) {
      throw new RangeError(`failureVisibilityMs must be a non-negative integer, got ${failureVisibilityMs}`);
    }
  }

  /** The event source mapping: which function consumes the queue. */
  attach(handler: SqsHandler): void {
    this.#handler = handler;
    this.#pump();
  }

  /** JobQueue: SendMessage of one job. */
  async send(job: JobMessage): Promise<void> {
    this.enqueue(JSON.stringify(job));
  }

  /** SendMessage of any body (the fan-out queue's adapter sends tasks through it). */
  enqueue(body: string): void {
    if (this.#closed) throw new Error('the local queue is closed');
    const now = Date.now();
    const messageId = randomUUID();
    this.#messages.set(messageId, { messageId, body, sentAt: now, receiveCount: 0, visibleAt: now });
    this.#pump();
  }

  /** Messages neither deleted nor dead-lettered, visible or in flight (SQS: ApproximateNumberOfMessages + NotVisible). */
  get depth(): number {
    return this.#messages.size;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Receives batches while there is capacity and visible messages, then waits for the next message to become visible. */
  #pump(): void {
    if (!this.#handler || this.#closed) return;
    while (this.#inFlight < this.#maxConcurrency) {
      const batch = this.#receive(Date.now());
      if (batch.length === 0) break;
      this.#invoke(batch);
    }
    this.#wakeAtNextVisibility();
  }

  #receive(now: number): QueuedMessage[] {
    const batch: QueuedMessage[] = [];
    for (const m of this.#messages.values()) {
      if (batch.length >= this.options.batchSize) break;
      if (m.visibleAt > now) continue;
      if (m.receiveCount >= this.options.maxReceiveCount) {
        this.#deadLetter(m);
        continue;
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.visibleAt = now + this.options.visibilityTimeoutMs;
      m.receipt = `${m.messageId}#${m.receiveCount}`;
      batch.push(m);
    }
    return batch;
  }

  #invoke(batch: QueuedMessage[]): void {
    const handler = this.#handler!;
    this.#inFlight += 1;
    const receipts = new Map(batch.map((m) => [m.messageId, m.receipt!]));
    const event: SQSEvent = { Records: batch.map((m) => this.#record(m)) };
    void (async () => {
      let failed: ReadonlySet<string>;
      try {
        failed = failuresOf(await handler(event), receipts);
      } catch {
        failed = new Set(receipts.keys());
      }
      this.#inFlight -= 1;
      if (this.#closed) return;
      this.#settle(receipts, failed, Date.now());
      this.#pump();
    })();
  }

  /** Deletes what succeeded; releases what failed (shortcut only); ignores deliveries whose receipt is stale. */
  #settle(receipts: ReadonlyMap<string, string>, failed: ReadonlySet<string>, now: number): void {
    for (const [messageId, receipt] of receipts) {
      const m = this.#messages.get(messageId);
      if (!m || m.receipt !== receipt) continue;
      if (!failed.has(messageId)) {
        this.#messages.delete(messageId);
      } else if (this.options.failureVisibilityMs !== undefined) {
        m.visibleAt = Math.min(m.visibleAt, now + this.options.failureVisibilityMs);
      }
    }
  }

  #deadLetter(m: QueuedMessage): void {
    this.#messages.delete(m.messageId);
    const dead: DeadLetter = { messageId: m.messageId, body: m.body, receiveCount: m.receiveCount };
    this.deadLetters.push(dead);
    this.options.onDeadLetter?.(dead);
  }

  #wakeAtNextVisibility(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const m of this.#messages.values()) if (m.visibleAt > now && m.visibleAt < next) next = m.visibleAt;
    if (next === Number.POSITIVE_INFINITY) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, next - now);
  }

  #record(m: QueuedMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: m.receipt!,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    };
  }
}

/**
 * The messages a consumer's response fails. Lambda: no response, or a null or empty `batchItemFailures`, is complete
 * success; an identifier that is empty, missing or not in the batch makes the whole batch a failure.
 */
function failuresOf(response: SQSBatchResponse | undefined, batch: ReadonlyMap<string, string>): ReadonlySet<string> {
  const items = (response as { batchItemFailures?: unknown } | undefined | null)?.batchItemFailures;
  if (items === undefined || items === null) return new Set();
  const everything = new Set(batch.keys());
  if (!Array.isArray(items)) return everything;
  const failed = new Set<string>();
  for (const item of items as unknown[]) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !batch.has(id)) return everything;
    failed.add(id);
  }
  return failed;
}
