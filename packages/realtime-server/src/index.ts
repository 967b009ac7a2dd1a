/**
 * @iot-realtime/realtime-server: push notifications to the pages of an iot-realtime app from any Node service or
 * Lambda. See README.md.
 */
export { NOTIFICATION_DETAIL_TYPE } from '../../../core/contracts/notifications.js';
export { InvalidNotificationError, NotifyFailedError } from './errors.js';
export { type Accepted, EventBridgeNotifier, type EventBridgeNotifierOptions } from './eventbridge-notifier.js';
export { IotNotifier, type IotNotifierOptions } from './iot-notifier.js';
export type { NotificationMap, NotificationRecipient, NotifyInput, ReceivedNotification } from './types.js';
