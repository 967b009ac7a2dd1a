/** The errors of the server package: each says whether sending again may help. */

/** The notification breaks the contract (core/contracts/notifications.ts); `problems` name each issue. Never retried. */
export class InvalidNotificationError extends Error {
  override readonly name = 'InvalidNotificationError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid notification: ${problems.join('; ')}`, options);
  }
}

/**
 * The notification was not accepted: EventBridge answered the entry with `code` (PutEventsResultEntry ErrorCode, e.g.
 * AccessDeniedException, ThrottlingException), or the publish or the call itself failed. `retryable` says whether
 * sending it again may succeed (the notifier has already retried those a few times).
 */
export class NotifyFailedError extends Error {
  override readonly name = 'NotifyFailedError';
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
