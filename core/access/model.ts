/**
 * The access model of one stage: every role, its trust and its policies, and the IoT policy for Cognito users.
 * Infra turns it into IAM/IoT resources; the local emulator loads it as its account. Nothing is written twice.
 */
import { type Deployment, resourceName, roleArn, validateDeployment } from '../deployment.js';
import { eventBusArn, notificationFailuresQueueArn } from '../event-rules.js';
import type { PolicyDocument } from '../policy/document.js';
import type { NamedPolicy } from '../policy/evaluator.js';
import { browserClientRolePolicy, cognitoGuestRolePolicy, cognitoUserPolicy } from './browser-policies.js';
import {
  attachPolicyFunctionPolicy,
  broadcastRecordsPolicy,
  browserClientTrustPolicy,
  cognitoTrustPolicy,
  connectionsReaderPolicy,
  credentialsVendorPolicy,
  historyReaderPolicy,
  idempotencyPolicy,
  iotRuleTrustPolicy,
  jobRecordsPolicy,
  lambdaTrustPolicy,
  membershipsManagerPolicy,
  messagePosterPolicy,
  notificationProducerPolicy,
  presenceReaderPolicy,
  presenceTrackerPolicy,
  publisherPolicy,
  queueConsumerPolicy,
  queueSenderPolicy,
  rateLimiterPolicy,
  roomMembersReaderPolicy,
  unreadCounterPolicy,
  userDirectoryPolicy,
} from './service-policies.js';

/** The Lambdas of the backend; each has its own role. */
export const FUNCTION_NAMES = [
  'credentials',
  'rooms',
  'messages',
  'history',
  'fanout-worker',
  'jobs',
  'jobs-worker',
  'attach-policy',
  'presence',
  'presence-events',
  'broadcast',
  'health',
  'users',
  'notify',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * The functions rate-limited per user (functions/catalog.ts gives their limits): the write routes, and /credentials,
 * whose tab limit counts in the same table.
 */
export const RATE_LIMITED_FUNCTIONS = ['credentials', 'rooms', 'messages', 'jobs', 'broadcast', 'users'] as const satisfies readonly FunctionName[];

/** STS: role chaining (a Lambda's role assuming another role) is capped at one hour. */
export const ROLE_CHAINING_MAX_SECONDS = 3600;

export interface RoleDefinition {
  name: string;
  arn: string;
  trust: PolicyDocument;
  policies: NamedPolicy[];
  maxSessionDurationSeconds: number;
}

export interface AccessModelInput {
  deployment: Deployment;
  identityPoolId: string;
  jobQueueArn: string;
  fanoutQueueArn: string;
  /** The queue the presence topic rule's SQS action fills and the presence-events function consumes. */
  presenceEventsQueueArn: string;
  /** Where the presence rule's failed actions land (its error action). */
  presenceFailuresQueueArn: string;
}

export interface AccessModel {
  deployment: Deployment;
  browserClientRole: RoleDefinition;
  cognitoAuthenticatedRole: RoleDefinition;
  cognitoGuestRole: RoleDefinition;
  functionRoles: Record<FunctionName, RoleDefinition>;
  /**
   * Roles AWS services assume for the stage: IoT for the presence topic rule's SQS action (`sqs:SendMessage` on the
   * presence-events queue only) and for its error action (on the failures queue only).
   */
  serviceRoles: { iotPresenceRule: RoleDefinition; iotRuleErrors: RoleDefinition };
  /** Attached to each signed-in Cognito identity id at run time. */
  cognitoUserIotPolicy: NamedPolicy;
  /** The managed policy producers attach to put notification events on the app's bus (infra: aws_iam_policy). */
  notificationProducerPolicy: NamedPolicy;
}

function role(d: Deployment, purpose: string, trust: PolicyDocument, policies: NamedPolicy[], maxSessionDurationSeconds = 3600): RoleDefinition {
  const name = resourceName(d, purpose);
  return { name, arn: roleArn(d, name), trust, policies, maxSessionDurationSeconds };
}

export function accessModel(input: AccessModelInput): AccessModel {
  const d = validateDeployment(input.deployment);
  const n = (purpose: string) => resourceName(d, purpose);
  const cognitoUserIotPolicy: NamedPolicy = { name: n('cognito-user'), document: cognitoUserPolicy(d) };

  const rateLimit: NamedPolicy = { name: n('rate-limit'), document: rateLimiterPolicy(d) };
  const limited = new Set<FunctionName>(RATE_LIMITED_FUNCTIONS);
  const fn = (name: FunctionName, policies: NamedPolicy[]) =>
    role(d, `fn-${name}`, lambdaTrustPolicy(), limited.has(name) ? [...policies, rateLimit] : policies);
  const credentialsRoleArn = roleArn(d, n('fn-credentials'));
  const notificationProducer: NamedPolicy = { name: n('notification-producer'), document: notificationProducerPolicy(eventBusArn(d)) };
  const browserClientRoleArn = roleArn(d, n('browser-client'));

  return {
    deployment: d,
    browserClientRole: role(
      d,
      'browser-client',
      browserClientTrustPolicy(credentialsRoleArn),
      [{ name: n('browser-client-iot'), document: browserClientRolePolicy(d) }],
      ROLE_CHAINING_MAX_SECONDS,
    ),
    cognitoAuthenticatedRole: role(d, 'cognito-authenticated', cognitoTrustPolicy(input.identityPoolId, 'authenticated'), [
      { name: n('cognito-authenticated-iot'), document: cognitoUserPolicy(d) },
    ]),
    cognitoGuestRole: role(d, 'cognito-guest', cognitoTrustPolicy(input.identityPoolId, 'unauthenticated'), [
      { name: n('cognito-guest-iot'), document: cognitoGuestRolePolicy(d) },
    ]),
    functionRoles: {
      credentials: fn('credentials', [{ name: n('assume-browser-client'), document: credentialsVendorPolicy(browserClientRoleArn) }]),
      rooms: fn('rooms', [
        { name: n('manage-memberships'), document: membershipsManagerPolicy(d) },
        // Membership and room events go to the members' room inboxes, through the fan-out queue for large rooms.
        { name: n('publish-inboxes'), document: publisherPolicy(d, 'inboxes') },
        { name: n('send-fanout'), document: queueSenderPolicy(input.fanoutQueueArn) },
        { name: n('read-connections'), document: connectionsReaderPolicy(d) },
        { name: n('user-directory'), document: userDirectoryPolicy(d) },
        { name: n('idempotency'), document: idempotencyPolicy(d, 'atomic') },
        { name: n('count-unread'), document: unreadCounterPolicy(d) },
      ]),
      messages: fn('messages', [
        { name: n('post-messages'), document: messagePosterPolicy(d) },
        { name: n('publish-inboxes'), document: publisherPolicy(d, 'inboxes') },
        { name: n('send-fanout'), document: queueSenderPolicy(input.fanoutQueueArn) },
        { name: n('idempotency'), document: idempotencyPolicy(d, 'atomic') },
      ]),
      history: fn('history', [{ name: n('read-history'), document: historyReaderPolicy(d) }]),
      'fanout-worker': fn('fanout-worker', [
        { name: n('publish-inboxes'), document: publisherPolicy(d, 'inboxes') },
        { name: n('consume-fanout'), document: queueConsumerPolicy(input.fanoutQueueArn) },
      ]),
      jobs: fn('jobs', [
        { name: n('send-jobs'), document: queueSenderPolicy(input.jobQueueArn) },
        { name: n('idempotency'), document: idempotencyPolicy(d, 'stateful') },
        { name: n('job-records'), document: jobRecordsPolicy(d, 'api') },
      ]),
      'jobs-worker': fn('jobs-worker', [
        { name: n('publish-jobs'), document: publisherPolicy(d, 'jobs') },
        { name: n('consume-jobs'), document: queueConsumerPolicy(input.jobQueueArn) },
        // A finished job is announced as a notification event on the app's bus, like any producer's.
        notificationProducer,
        { name: n('job-records'), document: jobRecordsPolicy(d, 'worker') },
      ]),
      'attach-policy': fn('attach-policy', [{ name: n('attach-iot-policy'), document: attachPolicyFunctionPolicy() }]),
      presence: fn('presence', [{ name: n('read-presence'), document: presenceReaderPolicy(d) }]),
      'presence-events': fn('presence-events', [
        { name: n('track-presence'), document: presenceTrackerPolicy(d) },
        { name: n('publish-inboxes'), document: publisherPolicy(d, 'inboxes') },
        // Lifecycle events arrive in batches from the presence rule's queue (its event source mapping).
        { name: n('consume-presence-events'), document: queueConsumerPolicy(input.presenceEventsQueueArn) },
      ]),
      broadcast: fn('broadcast', [
        { name: n('publish-broadcast'), document: publisherPolicy(d, 'broadcast') },
        { name: n('broadcast-records'), document: broadcastRecordsPolicy(d) },
      ]),
      health: fn('health', []),
      users: fn('users', [{ name: n('user-directory'), document: userDirectoryPolicy(d) }]),
      // The notification rule's target (core/event-rules.ts): one user's notifications topic, a room's inboxes (directly
      // or through the fan-out queue, after reading its members) or broadcast.
      notify: fn('notify', [
        { name: n('publish-notifications'), document: publisherPolicy(d, 'notifications') },
        { name: n('publish-inboxes'), document: publisherPolicy(d, 'inboxes') },
        { name: n('publish-broadcast'), document: publisherPolicy(d, 'broadcast') },
        { name: n('list-room-members'), document: roomMembersReaderPolicy(d) },
        { name: n('send-fanout'), document: queueSenderPolicy(input.fanoutQueueArn) },
        // Its asynchronous invocations that fail every retry go to this queue (the on-failure destination).
        { name: n('send-notify-failures'), document: queueSenderPolicy(notificationFailuresQueueArn(d)) },
      ]),
    },
    serviceRoles: {
      // "SQS" rule action: "An IAM role that AWS IoT can assume to perform the sqs:SendMessage operation".
      iotPresenceRule: role(d, 'iot-presence-rule', iotRuleTrustPolicy(d), [
        { name: n('send-presence-events'), document: queueSenderPolicy(input.presenceEventsQueueArn) },
      ]),
      iotRuleErrors: role(d, 'iot-rule-errors', iotRuleTrustPolicy(d), [
        { name: n('send-presence-failures'), document: queueSenderPolicy(input.presenceFailuresQueueArn) },
      ]),
    },
    cognitoUserIotPolicy,
    notificationProducerPolicy: notificationProducer,
  };
}
