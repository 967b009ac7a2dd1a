/**
 * Delivery of matched events to a rule's targets, as EventBridge does it ("Retry policies and dead-letter queues",
 * "Event retry policy and using dead-letter queues", EventBridge user guide):
 * - an event that cannot be delivered because of a retriable error (the target throttled, unavailable) is retried with
 *   exponential back-off and jitter until the target's RetryPolicy is exhausted: MaximumRetryAttempts retries, or the
 *   event older than MaximumEventAgeInSeconds;
 * - "for errors that result from missing permissions to a target, or a target resource that no longer exists, ...
 *   EventBridge sends these events directly to the DLQ" (no retry);
 * - then the event goes to the target's dead-letter queue with the attributes EventBridge documents (RULE_ARN,
 *   TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, RETRY_ATTEMPTS and, when a retry limit ended it, EXHAUSTED_RETRY_CONDITION),
 *   or, without one, is dropped (logged).
 * Local shortcut: the back-off starts at `retryBaseDelayMs` (AWS's own schedule is not documented beyond "exponential
 * back off and jitter").
 */
import type { EmulatorLogger } from '../../log.js';
import type { MessageAttributeValue } from '../sqs/queue.js';

export interface RetryPolicy {
  /** 0-185 ("Retry limits"). */
  maximumRetryAttempts: number;
  /** 60-86400 s. */
  maximumEventAgeSeconds: number;
}

export interface DeliveryTarget {
  id: string;
  arn: string;
  retryPolicy: RetryPolicy;
  deadLetterArn?: string;
}

/** A target invocation failed; `code` is the DLQ ERROR_CODE ("NO_PERMISSIONS", "NO_RESOURCE", "THROTTLING", ...). */
export class TargetInvocationError extends Error {
  override readonly name = 'TargetInvocationError';
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

export type ExhaustedRetryCondition = 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';

export interface DeliveryOptions {
  logger: EmulatorLogger;
  /** Invokes the target with the event (JSON); throws TargetInvocationError. */
  invoke(target: DeliveryTarget, ruleArn: string, event: string): Promise<void>;
  /** Sends a dead-letter record; throws when the queue refuses it. */
  sendDeadLetter(queueArn: string, ruleArn: string, body: string, attributes: Record<string, MessageAttributeValue>): Promise<void>;
  /** Epoch ms. */
  now(): number;
  retryBaseDelayMs: number;
  /** Deliveries waiting or running at most: over it, a new event is refused at PutEvents (ThrottlingException). */
  maxPending: number;
  random?: () => number;
}

interface Delivery {
  ruleArn: string;
  target: DeliveryTarget;
  event: string;
  receivedAt: number;
  retries: number;
}

export class DeliveryQueue {
  readonly #running = new Set<Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #pending = 0;
  #closed = false;

  constructor(private readonly options: DeliveryOptions) {}

  /** Room for `count` more deliveries. */
  hasRoom(count: number): boolean {
    return this.#pending + count <= this.options.maxPending;
  }

  /** Starts delivering `event` to `target` (asynchronously). */
  deliver(ruleArn: string, target: DeliveryTarget, event: string): void {
    if (this.#closed) return;
    this.#pending += 1;
    this.#attempt({ ruleArn, target, event, receivedAt: this.options.now(), retries: 0 });
  }

  /** Resolves when nothing is waiting or running (tests). */
  async idle(): Promise<void> {
    while (this.#pending > 0 && !this.#closed) {
      // Waiting on a retry's timer: nothing runs, so sleep rather than spin on an already settled promise.
      if (this.#running.size === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      else await Promise.allSettled([...this.#running]);
    }
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #attempt(delivery: Delivery): void {
    const running = this.options
      .invoke(delivery.target, delivery.ruleArn, delivery.event)
      .then(
        () => this.#done(),
        (error: unknown) => this.#failed(delivery, error),
      )
      .finally(() => this.#running.delete(running));
    this.#running.add(running);
  }

  async #failed(delivery: Delivery, error: unknown): Promise<void> {
    const failure =
      error instanceof TargetInvocationError
        ? error
        : new TargetInvocationError('INTERNAL_ERROR', error instanceof Error ? error.message : String(error), true);
    if (!failure.retriable) return this.#deadLetter(delivery, failure, undefined);
    const { maximumRetryAttempts, maximumEventAgeSeconds } = delivery.target.retryPolicy;
    if (delivery.retries >= maximumRetryAttempts) return this.#deadLetter(delivery, failure, 'MaximumRetryAttempts');
    const delay = this.#backoff(delivery.retries);
    if (this.options.now() + delay - delivery.receivedAt > maximumEventAgeSeconds * 1000)
      return this.#deadLetter(delivery, failure, 'MaximumEventAgeInSeconds');
    if (this.#closed) return this.#done();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      delivery.retries += 1;
      this.#attempt(delivery);
    }, delay);
    this.#timers.add(timer);
  }

  /** Full jitter over an exponential schedule ("Exponential Backoff And Jitter", the AWS Architecture Blog the docs cite). */
  #backoff(retries: number): number {
    const ceiling = Math.min(this.options.retryBaseDelayMs * 2 ** retries, 60_000);
    return Math.round(ceiling / 2 + (this.options.random ?? Math.random)() * (ceiling / 2));
  }

  async #deadLetter(delivery: Delivery, failure: TargetInvocationError, exhausted: ExhaustedRetryCondition | undefined): Promise<void> {
    const { target, ruleArn } = delivery;
    const fields = { rule: ruleArn, target: target.arn, errorCode: failure.code, error: failure.message, retryAttempts: delivery.retries };
    try {
      if (!target.deadLetterArn) {
        this.options.logger.log({ level: 'error', message: 'event dropped: the target could not be invoked and has no dead-letter queue', ...fields });
        return;
      }
      const string = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
      const attributes: Record<string, MessageAttributeValue> = {
        RULE_ARN: string(ruleArn),
        TARGET_ARN: string(target.arn),
        ERROR_CODE: string(failure.code),
        ERROR_MESSAGE: string(failure.message.slice(0, 1024)),
        RETRY_ATTEMPTS: string(String(delivery.retries)),
        ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: string(exhausted) } : {}),
      };
      try {
        await this.options.sendDeadLetter(target.deadLetterArn, ruleArn, delivery.event, attributes);
        this.options.logger.log({ level: 'warn', message: 'event sent to the dead-letter queue', deadLetterQueue: target.deadLetterArn, ...fields });
      } catch (error) {
        // InvocationsFailedToBeSentToDlq: the event is lost, as in AWS.
        this.options.logger.log({
          level: 'error',
          message: 'event dropped: the dead-letter queue refused it',
          deadLetterQueue: target.deadLetterArn,
          reason: error instanceof Error ? error.message : String(error),
          ...fields,
        });
      }
    } finally {
      this.#done();
    }
  }

  #done(): void {
    this.#pending -= 1;
  }
}
