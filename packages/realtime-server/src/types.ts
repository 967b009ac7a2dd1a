/**
 * Typed notifications: an app declares its notification types and their data once, and every `notify` call is
 * checked against it at compile time (and against core's contract at run time).
 *
 *   interface MyNotifications { 'invoice.ready': { invoiceId: string; total: number }; 'maintenance': null }
 *   const notifier = new EventBridgeNotifier<MyNotifications>({ eventBusName, source: 'com.example.billing' });
 *   await notifier.notify({ to: { kind: 'user', userId: 'alice' }, type: 'invoice.ready', data: { invoiceId: 'i-1', total: 12 } });
 */
import type { NotificationRecipient } from '../../../core/contracts/notifications.js';

/**
 * Notification type -> its data (JSON); the default: any type, any data. An app declares its own as an interface or a
 * type alias: the generics take any object type (`M extends object`), since an interface has no implicit index
 * signature and so is not assignable to `Record<string, unknown>`.
 */
export type NotificationMap = Record<string, unknown>;

/** One notification of a declared type, to a user, a room's members or everyone. */
export type NotifyInput<M extends object, R extends NotificationRecipient = NotificationRecipient> = {
  [K in keyof M & string]: { to: R; type: K; data: M[K] };
}[keyof M & string];

/** What a page receives for a notification of type K (core/contracts/notifications.ts NotificationSchema). */
export type ReceivedNotification<M extends object, K extends keyof M & string = keyof M & string> = {
  type: 'notification';
  eventId: string;
  source: string;
  notification: { type: K; data: M[K] };
  sentAt: string;
  audience: NotificationRecipient['kind'];
  roomId?: string;
};

export type { NotificationRecipient };
