/**
 * A notification to one user straight through the IoT data plane (no bus, no function in between): published at QoS 1
 * to the user's notifications topic (`<app>/<stage>/users/<userId>/notifications`, core/topics.ts), with the payload
 * the notify function would deliver. The caller's credentials need iot:Publish on that topic (infra:
 * `realtime.grantPublish(role, 'notifications')`). Rooms need their members read and everyone needs broadcast: send
 * those through EventBridgeNotifier.
 */
import { randomUUID } from 'node:crypto';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { NotificationRecipient } from '../../../core/contracts/notifications.js';
import { deliveredNotification, notificationTopic } from '../../../core/notifications.js';
import { TopicScheme } from '../../../core/topics.js';
import { NotifyFailedError } from './errors.js';
import type { NotificationMap, NotifyInput } from './types.js';
import { checkNotification, checkSource } from './validate.js';

export interface IotNotifierOptions {
  /** The app's name and stage: its topics start with `<app>/<stage>/`. */
  app: string;
  stage: string;
  /** Who is notifying (the payload's `source`). */
  source: string;
  /**
   * A data-plane client of your own. Deployed, set its endpoint to the account's iot:Data-ATS endpoint
   * (`https://<iot_endpoint output>`, or AWS_ENDPOINT_URL_IOT_DATA_PLANE), which the default client reads.
   */
  client?: IoTDataPlaneClient;
  now?: () => Date;
  newId?: () => string;
}

type UserRecipient = Extract<NotificationRecipient, { kind: 'user' }>;

export class IotNotifier<M extends object = NotificationMap> {
  readonly #client: IoTDataPlaneClient;
  readonly #topics: TopicScheme;
  readonly #source: string;

  constructor(private readonly options: IotNotifierOptions) {
    this.#topics = new TopicScheme({ app: options.app, stage: options.stage });
    this.#source = checkSource(options.source);
    this.#client = options.client ?? new IoTDataPlaneClient({});
  }

  /** Publishes to the user's notifications topic; resolves with the event id the page de-duplicates on. */
  async notify(notification: NotifyInput<M, UserRecipient>): Promise<{ eventId: string; topic: string }> {
    const request = checkNotification(notification);
    if (request.to.kind !== 'user')
      throw new NotifyFailedError('IotNotifier notifies one user; send to rooms and everyone through EventBridgeNotifier', 'InvalidRecipient', false);
    const eventId = (this.options.newId ?? randomUUID)();
    const time = `${(this.options.now?.() ?? new Date()).toISOString().slice(0, 19)}Z`;
    const payload = deliveredNotification(request, { eventId, source: this.#source, time });
    const topic = notificationTopic(this.#topics, request.to);
    try {
      await this.#client.send(
        new PublishCommand({ topic, qos: 1, payload: new TextEncoder().encode(JSON.stringify(payload)), contentType: 'application/json' }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const retryable = name === 'ThrottlingException' || name === 'ServiceUnavailableException' || name === 'InternalFailureException';
      throw new NotifyFailedError(`IoT did not accept the notification: ${error instanceof Error ? error.message : String(error)}`, name, retryable, {
        cause: error,
      });
    }
    return { eventId, topic };
  }
}
