/**
 * Notifications through the app's EventBridge bus: each is a PutEvents entry (detail-type "Realtime Notification",
 * detail = the notification), which the bus's rule hands to the app's notify function (core/event-rules.ts). Works from
 * any service whose credentials carry the app's producer policy (events:PutEvents on the bus; infra output
 * `notification_producer_policy_arn`).
 *
 * PutEvents answers per entry; entries that failed with a retryable code (ThrottlingException, InternalFailure:
 * PutEventsResultEntry) are sent again with back-off, at most `maxAttempts` times; the rest throw NotifyFailedError
 * with EventBridge's code.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsCommandOutput, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { NOTIFICATION_DETAIL_TYPE } from '../../../core/contracts/notifications.js';
import { NotifyFailedError } from './errors.js';
import type { NotificationMap, NotifyInput } from './types.js';
import { checkNotification, checkSource } from './validate.js';

/** PutEvents takes at most 10 entries (API reference). */
const MAX_ENTRIES = 10;
const RETRYABLE_ENTRY_CODES = new Set(['ThrottlingException', 'InternalFailure', 'InternalException']);

export interface EventBridgeNotifierOptions {
  /** The app's bus: `<app>-<stage>-events` (infra output `event_bus_name`), or its ARN. */
  eventBusName: string;
  /** Who is notifying, e.g. `com.example.billing` (the event's source; never "aws.*"). */
  source: string;
  /** A client of your own (region, credentials, endpoint); by default one built from the environment. */
  client?: EventBridgeClient;
  /** Attempts per entry for retryable entry errors (default 3). */
  maxAttempts?: number;
  /** First back-off in ms (doubling; default 100). */
  retryDelayMs?: number;
}

export interface Accepted {
  /** EventBridge's event id: the `eventId` the page receives and de-duplicates on. */
  eventId: string;
}

export class EventBridgeNotifier<M extends object = NotificationMap> {
  readonly #client: EventBridgeClient;
  readonly #source: string;

  constructor(private readonly options: EventBridgeNotifierOptions) {
    this.#source = checkSource(options.source);
    this.#client = options.client ?? new EventBridgeClient({});
  }

  /** Sends one notification; resolves with its event id once EventBridge accepted it. */
  async notify(notification: NotifyInput<M>): Promise<Accepted> {
    const [accepted] = await this.notifyAll([notification]);
    return accepted!;
  }

  /** Sends several (in PutEvents calls of up to 10); resolves with their event ids in order, or throws for the first refused. */
  async notifyAll(notifications: ReadonlyArray<NotifyInput<M>>): Promise<Accepted[]> {
    const entries = notifications.map(
      (n): PutEventsRequestEntry => ({
        EventBusName: this.options.eventBusName,
        Source: this.#source,
        DetailType: NOTIFICATION_DETAIL_TYPE,
        Detail: JSON.stringify(checkNotification(n)),
      }),
    );
    const results: Accepted[] = [];
    for (let i = 0; i < entries.length; i += MAX_ENTRIES) results.push(...(await this.#put(entries.slice(i, i + MAX_ENTRIES))));
    return results;
  }

  async #put(entries: PutEventsRequestEntry[]): Promise<Accepted[]> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    const accepted: Array<Accepted | undefined> = entries.map(() => undefined);
    let pending = entries.map((entry, index) => ({ entry, index }));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      let output: PutEventsCommandOutput;
      try {
        output = await this.#client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      } catch (error) {
        // The SDK has retried what it retries; what remains (AccessDeniedException, a bus that does not exist) is final.
        const name = error instanceof Error ? error.name : 'Error';
        throw new NotifyFailedError(`EventBridge refused the notification: ${error instanceof Error ? error.message : String(error)}`, name, false, {
          cause: error,
        });
      }
      const retry: typeof pending = [];
      for (const [i, p] of pending.entries()) {
        const result = output.Entries?.[i];
        if (result?.EventId) accepted[p.index] = { eventId: result.EventId };
        else {
          const code = result?.ErrorCode ?? 'InternalFailure';
          const retryable = RETRYABLE_ENTRY_CODES.has(code);
          if (!retryable || attempt >= maxAttempts)
            throw new NotifyFailedError(`EventBridge did not accept the notification: ${code}: ${result?.ErrorMessage ?? 'no reason given'}`, code, retryable);
          retry.push(p);
        }
      }
      pending = retry;
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 100) * 2 ** (attempt - 1)));
    }
    return accepted.map((a) => a!);
  }
}
