/**
 * A work queue locally (jobs, fan-out): an in-process queue that invokes its consumer with SQS-shaped events and
 * behaves as the deployed SQS queue does: failed records (batchItemFailures) come back after a visibility delay with their
 * ApproximateReceiveCount raised, and after maxReceiveCount receives they move to the dead-letter list.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { JobMessage } from '../../core/contracts/jobs.js';
import type { JobQueue } from '../../functions/shared/ports.js';

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | void>;

interface QueuedMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
}

export interface InProcessQueueOptions {
  queueArn: string;
  region: string;
  maxReceiveCount: number;
  /** Delay before a failed message is visible again (SQS: the visibility timeout; shorter locally). */
  retryDelayMs: number;
  batchSize: number;
  onDeadLetter?: (message: { messageId: string; body: string; receiveCount: number }) => void;
}

export class InProcessQueue implements JobQueue {
  readonly deadLetters: Array<{ messageId: string; body: string; receiveCount: number }> = [];
  #pending: QueuedMessage[] = [];
  #timers = new Set<NodeJS.Timeout>();
  #draining = false;
  #closed = false;
  #handler: SqsHandler | undefined;

  constructor(private readonly options: InProcessQueueOptions) {}

  /** The event source mapping: which function consumes the queue. */
  attach(handler: SqsHandler): void {
    this.#handler = handler;
    this.#schedule();
  }

  /** JobQueue: SendMessage of one job. */
  async send(job: JobMessage): Promise<void> {
    this.enqueue(JSON.stringify(job));
  }

  /** SendMessage of any body (the fan-out queue's adapter sends tasks through it). */
  enqueue(body: string): void {
    if (this.#closed) throw new Error('the local queue is closed');
    this.#pending.push({ messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 });
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  #schedule(): void {
    if (this.#draining || !this.#handler || this.#closed) return;
    this.#draining = true;
    setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    while (this.#pending.length > 0 && this.#handler && !this.#closed) {
      const batch = this.#pending.splice(0, this.options.batchSize);
      for (const m of batch) m.receiveCount += 1;
      let failed: Set<string>;
      try {
        const response = await this.#handler({ Records: batch.map((m) => this.#record(m)) });
        failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch {
        // SQS: a function error fails the whole batch.
        failed = new Set(batch.map((m) => m.messageId));
      }
      for (const m of batch.filter((x) => failed.has(x.messageId))) this.#retryOrDeadLetter(m);
    }
    this.#draining = false;
  }

  #retryOrDeadLetter(m: QueuedMessage): void {
    if (m.receiveCount >= this.options.maxReceiveCount) {
      const dead = { messageId: m.messageId, body: m.body, receiveCount: m.receiveCount };
      this.deadLetters.push(dead);
      this.options.onDeadLetter?.(dead);
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#pending.push(m);
      this.#schedule();
    }, this.options.retryDelayMs);
    this.#timers.add(timer);
  }

  #record(m: QueuedMessage): SQSRecord {
    return {
      messageId: m.messageId,
      receiptHandle: `${m.messageId}#${m.receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(m.receiveCount),
        SentTimestamp: String(m.sentAt),
        SenderId: 'local',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(m.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: this.options.region,
    };
  }
}
