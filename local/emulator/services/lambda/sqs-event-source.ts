/**
 * An SQS event source mapping (aws_lambda_event_source_mapping): Lambda polls the queue and invokes the function with
 * batches ("Using Lambda with Amazon SQS"):
 * - At creation Lambda checks that the function's execution role may call sqs:ReceiveMessage, sqs:DeleteMessage and
 *   sqs:GetQueueAttributes on the queue ("The provided execution role does not have permissions to call ReceiveMessage
 *   on SQS"), and that the queue's visibility timeout is not shorter than the function's timeout.
 * - Batches of up to batch_size records; a batch the function fails (error, timeout) stays in the queue and is received
 *   again after the visibility timeout; with ReportBatchItemFailures only the records named in `batchItemFailures` do
 *   ("Handling errors for an SQS event source": an identifier not in the batch, or an empty one, fails the whole batch);
 *   the queue's redrive policy moves a message that keeps failing to its dead-letter queue.
 * - Batches of 1-10 records, or up to 10,000 with a batching window (maximum_batching_window_in_seconds, 0-300):
 *   "For streams and Amazon SQS event sources, when you set BatchSize to a value greater than 10, you must set
 *   MaximumBatchingWindowInSeconds to at least 1" (CreateEventSourceMapping; otherwise InvalidParameterValueException
 *   "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"). With a window,
 *   Lambda gathers records until the batch is full, the window has passed, or the payload reaches 6 MB ("Batching
 *   behavior", Lambda event source mappings); the window starts with the first record of the batch.
 * - Five concurrent batches to start with (the pollers Lambda starts with), or scaling_config.maximum_concurrency
 *   (2-1000, ScalingConfig): past it records wait in the queue, the function is not invoked (and so not throttled).
 * One local shortcut, `failureVisibilityMs`: a failed record becomes visible again after that delay instead of the
 * rest of its visibility timeout (LOCAL_JOB_RETRY_DELAY_MS), as if the poller called ChangeMessageVisibility.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { NamedPolicy } from '../../../../core/policy/evaluator.js';
import type { EmulatorLogger } from '../../log.js';
import type { StandardQueue, StoredMessage } from '../sqs/queue.js';
import { type EventSourceMappingHandle, type LambdaService, LambdaServiceError } from './service.js';

export interface SqsEventSourceMappingInput {
  queue: StandardQueue;
  functionName: string;
  batchSize?: number;
  /** MaximumBatchingWindowInSeconds: 0 (Lambda's default for SQS) to 300. */
  maximumBatchingWindowSeconds?: number;
  maximumConcurrency?: number;
  reportBatchItemFailures: boolean;
  /** Which of the role's inline policies the check may rely on (the applier: those created before the mapping). */
  rolePolicyVisible?: (policy: NamedPolicy) => boolean;
  failureVisibilityMs?: number;
}

/** Lambda needs these on the queue to poll it ("Execution role permissions" of the SQS event source). */
const REQUIRED_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];
/** Lambda quotas: a synchronous invocation's payload is at most 6 MB; a batch stops growing before it. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export class SqsEventSourceMapping implements EventSourceMappingHandle {
  readonly uuid = randomUUID();
  readonly #abort = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  #running = true;
  readonly #batchSize: number;
  readonly #windowMs: number;
  readonly #concurrency: number;
  /** Whether a batch is being gathered (its records received, the function not yet invoked). */
  #gathering = false;
  /** Records received that did not fit the last batch's payload: the next batch starts with them. */
  readonly #carried: StoredMessage[] = [];

  constructor(
    private readonly lambda: LambdaService,
    private readonly input: SqsEventSourceMappingInput,
    private readonly logger: EmulatorLogger,
  ) {
    const fn = lambda.getFunction(input.functionName);
    const invalid = (message: string) => new LambdaServiceError('InvalidParameterValueException', 400, message);
    if (!fn) throw new LambdaServiceError('ResourceNotFoundException', 404, `Function not found: ${input.functionName}`);
    this.#batchSize = input.batchSize ?? 10;
    const window = input.maximumBatchingWindowSeconds ?? 0;
    if (!Number.isInteger(window) || window < 0 || window > 300) throw invalid('MaximumBatchingWindowInSeconds must be 0-300');
    this.#windowMs = window * 1000;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1 || this.#batchSize > 10_000) throw invalid('BatchSize must be 1-10000 for a standard queue');
    if (this.#batchSize > 10 && window === 0) throw invalid('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
    this.#concurrency = input.maximumConcurrency ?? 5;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 2 || this.#concurrency > 1000) throw invalid('MaximumConcurrency must be 2-1000');
    const visibility = input.queue.attributes.visibilityTimeoutSeconds;
    if (visibility < fn.timeoutSeconds)
      throw invalid(`Invalid parameter: Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${fn.timeoutSeconds} seconds`);
    // The role's policies as they stand when the mapping is created; the applier hides those Terraform may create later.
    const visible = input.rolePolicyVisible ?? (() => true);
    const role = { ...fn.role, policies: fn.role.policies.filter(visible) };
    const session = { kind: 'role-session' as const, arn: '', assumedRoleId: '', role, sessionName: 'event-source-check' };
    for (const action of REQUIRED_ACTIONS) {
      if (!lambda.account.authorize(session, action, input.queue.arn).allowed)
        throw invalid(`The provided execution role does not have permissions to call ${action.slice(4)} on SQS`);
    }
    void this.#poll();
  }

  stop(): void {
    this.#running = false;
    this.#abort.abort();
  }

  /** Whether the mapping has work: a batch being gathered or processed, or records waiting for it in the queue. */
  get busy(): boolean {
    return this.#inFlight.size > 0 || this.#gathering || (this.#running && (this.#carried.length > 0 || this.input.queue.counts(Date.now()).visible > 0));
  }

  /**
   * Resolves when the mapping has no work (see busy). Records that failed and wait for their visibility timeout are not
   * work yet: they count again once visible.
   */
  async idle(): Promise<void> {
    while (this.busy) {
      // At least a macrotask between checks: the poller itself runs on timers and queue wake-ups.
      const tick = new Promise((resolve) => setTimeout(resolve, 20));
      await (this.#inFlight.size > 0 ? Promise.race([Promise.allSettled([...this.#inFlight]), tick]) : tick);
    }
  }

  async #poll(): Promise<void> {
    const { queue } = this.input;
    while (this.#running) {
      if (this.#inFlight.size >= this.#concurrency) {
        await Promise.race(this.#inFlight);
        continue;
      }
      const batch = await this.#gather();
      // Stopped while gathering: the records stay in flight until their visibility timeout, as a poller that went away.
      if (!this.#running) return;
      if (batch.length === 0) {
        // Long polling, as Lambda's pollers do: a send wakes it at once, and so does the moment a message in flight
        // (failed, or not deleted in time) becomes visible again.
        await queue.waitForMessages(this.#untilNextVisibility(20_000), this.#abort.signal);
        continue;
      }
      const processing = this.#process(batch).finally(() => this.#inFlight.delete(processing));
      this.#inFlight.add(processing);
    }
  }

  /**
   * One batch: the records visible now and, with a batching window, those that arrive before it closes, the batch is
   * full or the payload would pass 6 MB. Empty when nothing is visible. A record received that would take the payload
   * past 6 MB is kept by the poller for the next batch, as a poller holds what it received: it is neither received
   * again (its ApproximateReceiveCount, which decides redrive, stays as it is) nor made visible to others.
   */
  async #gather(): Promise<StoredMessage[]> {
    const { queue } = this.input;
    const batch: StoredMessage[] = [];
    let bytes = 0;
    let full = false;
    const take = (records: StoredMessage[]) => {
      for (const m of records) {
        // The first record of a batch always goes (an SQS message is at most 1 MiB); the others while they fit.
        if (full || (batch.length > 0 && bytes + recordBytes(m) > MAX_PAYLOAD_BYTES)) {
          full = true;
          this.#carried.push(m);
          continue;
        }
        bytes += recordBytes(m);
        batch.push(m);
      }
    };
    take(this.#carried.splice(0, this.#batchSize));
    if (!full && batch.length < this.#batchSize) take(queue.receive(this.#batchSize - batch.length));
    if (batch.length === 0 || this.#windowMs === 0 || full) return batch;
    this.#gathering = true;
    try {
      const closesAt = Date.now() + this.#windowMs;
      while (this.#running && batch.length < this.#batchSize && !full) {
        const left = closesAt - Date.now();
        if (left <= 0) break;
        await queue.waitForMessages(left, this.#abort.signal);
        take(queue.receive(this.#batchSize - batch.length));
      }
      return batch;
    } finally {
      this.#gathering = false;
    }
  }

  #untilNextVisibility(atMostMs: number): number {
    const now = Date.now();
    const next = this.input.queue.nextVisibleAt(now) ?? now + atMostMs;
    return Math.max(1, Math.min(atMostMs, next - now));
  }

  async #process(batch: StoredMessage[]): Promise<void> {
    const { queue } = this.input;
    const event = { Records: batch.map((m) => record(m, queue)) };
    let failed: ReadonlySet<string>;
    try {
      const result = await this.lambda.invokeInternal(this.input.functionName, JSON.stringify(event));
      failed =
        result.status === 'ok'
          ? this.input.reportBatchItemFailures
            ? failuresOf(JSON.parse(result.payload) as unknown, batch)
            : new Set()
          : new Set(batch.map((m) => m.messageId));
      // A batch cut short by the mapping's stop (the stack closing ends its environments) is not the function's failure.
      if (result.status !== 'ok' && this.#running)
        this.logger.log({
          level: 'warn',
          message: `${this.input.functionName} failed a batch from ${queue.name}`,
          error: result.errorMessage,
          records: batch.length,
        });
    } catch (error) {
      // Throttled or the function is gone: the batch returns to the queue.
      failed = new Set(batch.map((m) => m.messageId));
      if (this.#running)
        this.logger.log({ level: 'warn', message: `could not invoke ${this.input.functionName} for ${queue.name}`, error: (error as Error).message });
    }
    if (!this.#running) return;
    for (const message of batch) {
      if (!failed.has(message.messageId)) queue.delete(message.receipt!);
      else if (this.input.failureVisibilityMs !== undefined) {
        try {
          queue.changeVisibility(message.receipt!, this.input.failureVisibilityMs / 1000);
        } catch {
          // Received again meanwhile: that delivery owns it now.
        }
      }
    }
  }
}

/** The SQS event's record of one message ("Example Amazon SQS message event (standard queue)"). */
function record(m: StoredMessage, queue: StandardQueue): Record<string, unknown> {
  return {
    messageId: m.messageId,
    receiptHandle: m.receipt,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      SenderId: 'AIDALOCALEMULATOR',
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
    },
    messageAttributes: {},
    md5OfBody: m.md5OfBody || createHash('md5').update(m.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queue.arn,
    awsRegion: queue.arn.split(':')[3],
  };
}

/** A record's share of the invocation payload: its body and about 1 KB of attributes around it. */
const recordBytes = (m: StoredMessage): number => Buffer.byteLength(m.body, 'utf8') + 1024;

/** The records a response fails: none for no response or an empty list; all for a malformed one. */
function failuresOf(response: unknown, batch: readonly StoredMessage[]): ReadonlySet<string> {
  const items = (response as { batchItemFailures?: unknown } | null)?.batchItemFailures;
  if (items === undefined || items === null) return new Set();
  const ids = new Set(batch.map((m) => m.messageId));
  if (!Array.isArray(items)) return ids;
  const failed = new Set<string>();
  for (const item of items as unknown[]) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return ids;
    failed.add(id);
  }
  return failed;
}
