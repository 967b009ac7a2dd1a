/**
 * The topic scheme: the single place that names topics. Infra, Lambdas, the emulator and the web demo all use it.
 *
 *   <app>/<stage>/broadcast                       everyone (guests included) may receive
 *   <app>/<stage>/users/<userId>/<channel>        one user's private channels: rooms/<roomId> (the user's inbox for
 *                                                 that room), jobs/<jobId>, notifications; for Cognito users <userId>
 *                                                 is the identity id `region:uuid`
 *
 * No topic is shared between users except broadcast: a room message is published to each current member's inbox, so
 * membership is checked by the server at send time and every grant has a fixed size (own subtree + broadcast).
 *
 * `app` and `stage` come first so one account can host several apps and stages, and so a single
 * `topic/<app>/<stage>/*` grant bounds everything the app may touch. The deepest topic
 * (`app/stage/users/u/jobs/j`) has 6 levels, within IoT's limit of 8.
 */
import { isValidId, isValidUserId, validateId, validateUserId } from './ids.js';

export interface TopicScope {
  readonly app: string;
  readonly stage: string;
}

export class TopicScheme {
  readonly prefix: string;

  constructor(readonly scope: TopicScope) {
    this.prefix = `${validateId('app name', scope.app)}/${validateId('stage', scope.stage)}`;
  }

  broadcast(): string {
    return `${this.prefix}/broadcast`;
  }

  /** Root of a user's private topics; the filter `<root>/#` subscribes to all of them. */
  userRoot(userId: string): string {
    return `${this.prefix}/users/${validateUserId(userId)}`;
  }

  /** Every private topic of one user: their room inboxes, jobs and notifications. */
  userFilter(userId: string): string {
    return `${this.userRoot(userId)}/#`;
  }

  userNotifications(userId: string): string {
    return `${this.userRoot(userId)}/notifications`;
  }

  /** A user's inbox for one room: where the room's messages reach that member. */
  inbox(userId: string, roomId: string): string {
    return `${this.userRoot(userId)}/rooms/${validateId('room id', roomId)}`;
  }

  /** The filter a user's client subscribes to for all their rooms. */
  inboxFilter(userId: string): string {
    return `${this.userRoot(userId)}/rooms/+`;
  }

  /** The room id of an inbox topic of this user, or undefined for any other topic. */
  roomOfInbox(userId: string, topic: string): string | undefined {
    const prefix = `${this.userRoot(userId)}/rooms/`;
    if (!topic.startsWith(prefix)) return undefined;
    const roomId = topic.slice(prefix.length);
    return isValidId(roomId) ? roomId : undefined;
  }

  job(userId: string, jobId: string): string {
    return `${this.userRoot(userId)}/jobs/${validateId('job id', jobId)}`;
  }

  /** Everything the app publishes lives under this filter. */
  appFilter(): string {
    return `${this.prefix}/#`;
  }

  /**
   * The MQTT client ids a user may connect with: `<app>.<stage>.<userId>`, or `<app>.<stage>.<userId>.<suffix>` for
   * extra tabs; a Cognito user's userId is their identity id (`<region>:<uuid>`). `.` cannot occur in ids, so the grant
   * `client/<app>.<stage>.alice.*` can never match a client id of another user such as `alice-x` (with `-` as separator
   * it would, and alice could take over that user's session). Every client id of a stage starts with `<app>.<stage>.`,
   * which is how the presence rule keeps to its own stage's clients (core/iot-rules.ts).
   */
  clientId(userId: string, suffix?: string): string {
    const base = `${this.clientIdPrefix()}${validateUserId(userId)}`;
    return suffix === undefined ? base : `${base}.${validateId('client id suffix', suffix)}`;
  }

  /** `<app>.<stage>.`: the start of every client id of this stage. */
  clientIdPrefix(): string {
    return `${this.scope.app}.${this.scope.stage}.`;
  }

  /**
   * The user a client id belongs to: the inverse of `clientId` (`<app>.<stage>.<userId>[.<suffix>]`). Undefined for a
   * client id of another app or stage, or any other shape.
   */
  userOfClientId(clientId: string): string | undefined {
    const prefix = this.clientIdPrefix();
    if (!clientId.startsWith(prefix)) return undefined;
    const [userId, suffix, ...more] = clientId.slice(prefix.length).split('.');
    if (more.length > 0 || !isValidUserId(userId) || (suffix !== undefined && !isValidId(suffix))) return undefined;
    return userId;
  }
}

/** `$aws/events/presence/...` lifecycle topics (IoT: published by the broker, never by clients). */
export const presenceTopics = {
  connected: (clientId: string) => `$aws/events/presence/connected/${clientId}`,
  disconnected: (clientId: string) => `$aws/events/presence/disconnected/${clientId}`,
};
