/** Checks a notification against core's contract before anything is sent. */
import * as v from 'valibot';
import { type NotificationRequest, NotificationRequestSchema } from '../../../core/contracts/notifications.js';
import { describeIssue } from '../../../core/contracts/validate.js';
import { InvalidNotificationError } from './errors.js';

export function checkNotification(input: unknown): NotificationRequest {
  const result = v.safeParse(NotificationRequestSchema, input);
  if (!result.success) throw new InvalidNotificationError(result.issues.map(describeIssue));
  return result.output;
}

/** The event source of a producer: EventBridge refuses sources starting with "aws." (Event structure reference). */
export function checkSource(source: string): string {
  if (source.length === 0 || source.length > 256 || source.startsWith('aws.'))
    throw new InvalidNotificationError([`"source" must be 1-256 characters and not start with "aws.", got ${JSON.stringify(source)}`]);
  return source;
}
