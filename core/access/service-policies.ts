/** Least-privilege policies and trust policies of the backend: the Lambdas' roles and the roles browsers assume. */
import { type Deployment, iotArn, topicsOf } from '../deployment.js';
import { type PolicyDocument, policy } from '../policy/document.js';
import {
  BROADCASTS_TABLE,
  IDEMPOTENCY_TABLE,
  JOBS_TABLE,
  MEMBERSHIPS_BY_USER_INDEX,
  MEMBERSHIPS_TABLE,
  MESSAGES_TABLE,
  PRESENCE_TABLE,
  RATE_LIMITS_TABLE,
  tableArn,
  USERS_TABLE,
} from '../store/tables.js';

/** The families of topics a function may publish to (core/topics.ts names each). */
export const PUBLISH_FAMILIES = ['inboxes', 'jobs', 'notifications', 'broadcast'] as const;
export type PublishFamily = (typeof PUBLISH_FAMILIES)[number];

/**
 * Lambdas that publish: `iot:Publish` on one family of topics (users' room inboxes, users' job events, users'
 * notifications, or the stage's broadcast topic), nothing else. IoT: `*` in a resource matches any run of characters,
 * `/` included; ids never contain `/` (core/ids.ts), so `users/*\/notifications` cannot reach a room inbox.
 */
export function publisherPolicy(d: Deployment, family: PublishFamily): PolicyDocument {
  const topics = topicsOf(d);
  const users = `${topics.prefix}/users/*`;
  const { sid, resource } = {
    inboxes: { sid: 'PublishRoomInboxes', resource: `${users}/rooms/*` },
    jobs: { sid: 'PublishJobEvents', resource: `${users}/jobs/*` },
    notifications: { sid: 'PublishUserNotifications', resource: `${users}/notifications` },
    broadcast: { sid: 'PublishBroadcast', resource: topics.broadcast() },
  }[family];
  return policy({ Sid: sid, Effect: 'Allow', Action: 'iot:Publish', Resource: iotArn(d, 'topic', resource) });
}

/**
 * DynamoDB actions on the memberships table (and its indexes: a user's rooms, the longest-standing members) for room
 * management. BatchGetItem reads the names of a page of the caller's rooms; BatchWriteItem deletes the memberships of a
 * deleted room, 25 at a time.
 */
export function membershipsManagerPolicy(d: Deployment): PolicyDocument {
  const table = tableArn(d, MEMBERSHIPS_TABLE);
  return policy(
    {
      Sid: 'ManageMemberships',
      Effect: 'Allow',
      // DynamoDB: TransactWriteItems is authorized per item by the item's own action (PutItem, UpdateItem, ...).
      Action: [
        'dynamodb:GetItem',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:Query',
      ],
      Resource: table,
    },
    { Sid: 'QueryMembershipIndexes', Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${table}/index/*` },
  );
}

/** Whether members are online (GET /rooms/{roomId}/members, member-added events): batch reads of the presence table. */
export function connectionsReaderPolicy(d: Deployment): PolicyDocument {
  return policy({ Sid: 'ReadConnections', Effect: 'Allow', Action: 'dynamodb:BatchGetItem', Resource: tableArn(d, PRESENCE_TABLE) });
}

/**
 * The user directory: profiles by id and the exact-match lookup items (GetItem, BatchGetItem), and writing the caller's
 * own profile on first use (PutItem). No Query or Scan: nobody can list or search the directory.
 */
export function userDirectoryPolicy(d: Deployment): PolicyDocument {
  return policy({
    Sid: 'UserDirectory',
    Effect: 'Allow',
    Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'],
    Resource: tableArn(d, USERS_TABLE),
  });
}

/**
 * Idempotency records. `atomic`: the record is written in the same transaction as the item it guards (PutItem) and read
 * back on a conflict (GetItem). `stateful` (POST /jobs, whose result is a queue message, not an item): the record is
 * claimed as pending, then completed (UpdateItem) or released when the queue refused the job (DeleteItem).
 */
export function idempotencyPolicy(d: Deployment, kind: 'atomic' | 'stateful'): PolicyDocument {
  const actions =
    kind === 'atomic' ? ['dynamodb:GetItem', 'dynamodb:PutItem'] : ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
  return policy({ Sid: 'IdempotencyRecords', Effect: 'Allow', Action: actions, Resource: tableArn(d, IDEMPOTENCY_TABLE) });
}

/**
 * Each user's jobs. `api` (POST and GET /jobs): record a job as queued (PutItem), forget one the queue refused
 * (DeleteItem), read a user's newest (Query). `worker`: record steps and outcomes (UpdateItem, conditional on the job not
 * having finished) and read how a finished one ended (GetItem).
 */
export function jobRecordsPolicy(d: Deployment, who: 'api' | 'worker'): PolicyDocument {
  const actions = who === 'api' ? ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'] : ['dynamodb:UpdateItem', 'dynamodb:GetItem'];
  return policy({ Sid: 'JobRecords', Effect: 'Allow', Action: actions, Resource: tableArn(d, JOBS_TABLE) });
}

/** The latest broadcasts: keep each one before it is published (PutItem), read the newest (Query). */
export function broadcastRecordsPolicy(d: Deployment): PolicyDocument {
  return policy({ Sid: 'BroadcastRecords', Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:Query'], Resource: tableArn(d, BROADCASTS_TABLE) });
}

/** Posting: read memberships (the sender's, then the members'), write the message to history. */
export function messagePosterPolicy(d: Deployment): PolicyDocument {
  return policy(
    { Sid: 'ReadMemberships', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: tableArn(d, MEMBERSHIPS_TABLE) },
    { Sid: 'WriteHistory', Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: tableArn(d, MESSAGES_TABLE) },
  );
}

/** The members of a room, to deliver a notification to their inboxes: Query on the memberships table, nothing else. */
export function roomMembersReaderPolicy(d: Deployment): PolicyDocument {
  return policy({ Sid: 'ListRoomMembers', Effect: 'Allow', Action: 'dynamodb:Query', Resource: tableArn(d, MEMBERSHIPS_TABLE) });
}

/**
 * The managed policy producers attach to notify users: `events:PutEvents` on the app's bus and nothing else (the
 * Service Authorization Reference lists event-bus as PutEvents' resource type, so the grant names the bus).
 */
export function notificationProducerPolicy(busArn: string): PolicyDocument {
  return policy({ Sid: 'PutEventsOnTheAppBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn });
}

/**
 * The queue policy EventBridge needs to send undelivered events to a dead-letter queue ("Granting permissions to the
 * dead-letter queue", EventBridge user guide): the events service principal, sqs:SendMessage on that queue, for
 * these rules only (aws:SourceArn, against the confused deputy).
 */
export function eventBridgeDeadLetterQueuePolicy(queueArn: string, ruleArns: readonly string[]): PolicyDocument {
  return policy({
    Sid: 'EventBridgeDeadLetters',
    Effect: 'Allow',
    Principal: { Service: 'events.amazonaws.com' },
    Action: 'sqs:SendMessage',
    Resource: queueArn,
    Condition: { ArnEquals: { 'aws:SourceArn': ruleArns.length === 1 ? ruleArns[0]! : [...ruleArns] } },
  });
}

/**
 * Unread counts of GET /rooms (functions/rooms/read-positions.ts): a Query of each listed room's messages after the
 * member's read position (Select COUNT). Read only, and the messages table only: rooms never writes history.
 */
export function unreadCounterPolicy(d: Deployment): PolicyDocument {
  return policy({ Sid: 'CountUnreadMessages', Effect: 'Allow', Action: 'dynamodb:Query', Resource: tableArn(d, MESSAGES_TABLE) });
}

/** History: check the caller's membership, read messages. */
export function historyReaderPolicy(d: Deployment): PolicyDocument {
  return policy(
    { Sid: 'ReadMembership', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: tableArn(d, MEMBERSHIPS_TABLE) },
    { Sid: 'ReadHistory', Effect: 'Allow', Action: 'dynamodb:Query', Resource: tableArn(d, MESSAGES_TABLE) },
  );
}

/**
 * Presence from lifecycle events: read and write (conditionally, whole items) one user's connections, then find whom
 * to tell: the user's rooms (the byUser index) and each room's members. No Scan, no delete, no other table.
 */
export function presenceTrackerPolicy(d: Deployment): PolicyDocument {
  const memberships = tableArn(d, MEMBERSHIPS_TABLE);
  return policy(
    { Sid: 'TrackConnections', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: tableArn(d, PRESENCE_TABLE) },
    { Sid: 'ListRoomMembers', Effect: 'Allow', Action: 'dynamodb:Query', Resource: memberships },
    { Sid: 'ListRoomsOfUser', Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${memberships}/index/${MEMBERSHIPS_BY_USER_INDEX}` },
  );
}

/** GET /rooms/{roomId}/presence: the caller's membership, a page of members, and their connections (read only). */
export function presenceReaderPolicy(d: Deployment): PolicyDocument {
  return policy(
    { Sid: 'ReadMemberships', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: tableArn(d, MEMBERSHIPS_TABLE) },
    { Sid: 'ReadConnections', Effect: 'Allow', Action: 'dynamodb:BatchGetItem', Resource: tableArn(d, PRESENCE_TABLE) },
  );
}

/**
 * The per-user rate limit of the write routes: one conditional UpdateItem per request on the rate-limits table. No
 * read, put or delete: a function can count its callers' requests and nothing else.
 */
export function rateLimiterPolicy(d: Deployment): PolicyDocument {
  return policy({ Sid: 'CountUserRequests', Effect: 'Allow', Action: 'dynamodb:UpdateItem', Resource: tableArn(d, RATE_LIMITS_TABLE) });
}

/** The credentials Lambda: may assume the browser-client role and nothing else. */
export function credentialsVendorPolicy(browserClientRoleArn: string): PolicyDocument {
  return policy({ Sid: 'AssumeBrowserClientRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: browserClientRoleArn });
}

/**
 * The attach Lambda: iot:AttachPolicy and nothing else (GetId is an unsigned call and needs no grant). IAM authorizes
 * AttachPolicy against its *target*, not the policy: the Service Authorization Reference lists only the `cert` and
 * `thinggroup` resource types for it ("Actions, resources, and condition keys for AWS IoT"), and a Cognito identity id
 * has no ARN, so the only resource that can grant attaching to an identity is `*` (docs/aws-iot-facts.md, section 11).
 * The action has no condition keys, so `*` is as narrow as AWS allows; what bounds the
 * function is that the account holds no broader IoT policy than the Cognito user's, and that the function names that
 * one policy and derives the target from the caller's own ID token.
 */
export function attachPolicyFunctionPolicy(): PolicyDocument {
  return policy({ Sid: 'AttachIotPolicyToCognitoIdentities', Effect: 'Allow', Action: 'iot:AttachPolicy', Resource: '*' });
}

export function queueSenderPolicy(queueArn: string): PolicyDocument {
  // SQS: SendMessageBatch is authorized as sqs:SendMessage.
  return policy({ Sid: 'SendToQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn });
}

/** What the SQS event source mapping needs from the worker's role. */
export function queueConsumerPolicy(queueArn: string): PolicyDocument {
  return policy({
    Sid: 'ConsumeQueue',
    Effect: 'Allow',
    Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'],
    Resource: queueArn,
  });
}

/**
 * A role IoT's rules engine assumes for a rule's actions ("Granting an AWS IoT rule the access it requires"): trusted by
 * iot.amazonaws.com for rules of this account only (aws:SourceAccount, against the confused deputy).
 */
export function iotRuleTrustPolicy(d: Deployment): PolicyDocument {
  return policy({
    Effect: 'Allow',
    Principal: { Service: 'iot.amazonaws.com' },
    Action: 'sts:AssumeRole',
    Condition: { StringEquals: { 'aws:SourceAccount': d.accountId } },
  });
}

export function lambdaTrustPolicy(): PolicyDocument {
  return policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' });
}

/** The browser-client role trusts only the credentials Lambda's role. */
export function browserClientTrustPolicy(credentialsFunctionRoleArn: string): PolicyDocument {
  return policy({ Effect: 'Allow', Principal: { AWS: credentialsFunctionRoleArn }, Action: 'sts:AssumeRole' });
}

/** Cognito identity pool roles: trusted for this pool only, and for one kind of identity only. */
export function cognitoTrustPolicy(identityPoolId: string, kind: 'authenticated' | 'unauthenticated'): PolicyDocument {
  return policy({
    Effect: 'Allow',
    Principal: { Federated: 'cognito-identity.amazonaws.com' },
    Action: 'sts:AssumeRoleWithWebIdentity',
    Condition: {
      StringEquals: { 'cognito-identity.amazonaws.com:aud': identityPoolId },
      'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': kind },
    },
  });
}
