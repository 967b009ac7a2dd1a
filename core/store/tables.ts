/**
 * The DynamoDB tables of a stage, defined once: infra creates them with `aws_dynamodb_table` (on demand, point-in-time
 * recovery, TTL) and the local stack creates the same tables in dynalite. Key names are generic (`pk`, `sk`) because
 * one table holds several item types (single-table design: a room and its memberships share a partition).
 */
import { type Deployment, resourceName } from '../deployment.js';

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface TableDefinition {
  /** `<app>-<stage>-<purpose>` is the table name. */
  purpose: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalSecondaryIndexes?: ReadonlyArray<{ name: string; partitionKey: KeyAttribute; sortKey?: KeyAttribute }>;
  /** DynamoDB TTL: items whose attribute (epoch seconds) is in the past are deleted (within about 48 h). */
  ttlAttribute?: string;
  /** Point-in-time recovery (default on); off for tables of short-lived data that is not worth restoring. */
  pointInTimeRecovery?: boolean;
}

/**
 * Rooms and memberships, both directions:
 *   pk ROOM#<roomId>  sk #ROOM             the room: name, createdBy, createdAt, memberCount, ownerCount
 *   pk ROOM#<roomId>  sk MEMBER#<userId>   a membership: role, joinedAt, readMessageId? and readAt? (the member's
 *                                          read position, PUT /rooms/{roomId}/read);
 *                                          gsi1pk USER#<userId>, gsi1sk ROOM#<roomId>     (byUser: a user's rooms)
 *                                          gsi2pk ROOM#<roomId>, gsi2sk <joinedAt>#<userId> (bySeniority: oldest first)
 * `#` sorts before `M`, so one Query of a room's partition reads the room first and then its members in user id order:
 * existence, name, counts and the first page of members in one request (the post path's first round trip). room ->
 * members is a Query on the table, user -> rooms a Query on `byUser`, the longest-standing members (who inherits
 * ownership when the last owner leaves) a Query on `bySeniority`; all paginate.
 */
export const MEMBERSHIPS_BY_USER_INDEX = 'byUser';
export const MEMBERSHIPS_BY_SENIORITY_INDEX = 'bySeniority';
export const MEMBERSHIPS_TABLE: TableDefinition = {
  purpose: 'memberships',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    { name: MEMBERSHIPS_BY_USER_INDEX, partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } },
    { name: MEMBERSHIPS_BY_SENIORITY_INDEX, partitionKey: { name: 'gsi2pk', type: 'S' }, sortKey: { name: 'gsi2sk', type: 'S' } },
  ],
};

/** The key values of the memberships table (ids are validated before they get here: core/ids.ts). */
export const MEMBERSHIP_KEYS = {
  roomPk: (roomId: string) => `ROOM#${roomId}`,
  /** The room's own item in its partition; sorts before every membership. */
  roomSk: '#ROOM',
  memberSkPrefix: 'MEMBER#',
  memberSk: (userId: string) => `MEMBER#${userId}`,
  userGsiPk: (userId: string) => `USER#${userId}`,
  roomGsiSk: (roomId: string) => `ROOM#${roomId}`,
  seniorityGsiPk: (roomId: string) => `ROOM#${roomId}`,
  /** ISO 8601 times sort as strings; the user id breaks ties. */
  seniorityGsiSk: (joinedAt: string, userId: string) => `${joinedAt}#${userId}`,
} as const;

/** Room history: pk roomId, sk messageId (time-ordered ids, so a Query reads a room's messages in order); TTL expiresAt. */
export const MESSAGES_TABLE: TableDefinition = {
  purpose: 'messages',
  partitionKey: { name: 'roomId', type: 'S' },
  sortKey: { name: 'messageId', type: 'S' },
  ttlAttribute: 'expiresAt',
};

/**
 * Per-user request counters of the write routes and /credentials, one fixed window per item
 * (functions/shared/dynamo-rate-limiter.ts), and the tab client ids each user was given credentials for per credential
 * lifetime (functions/credentials/tab-limit.ts):
 *   pk <scope>#<userId>#<windowStart>   hits (number), expiresAt (TTL, shortly after the window ends)
 *   pk tabs#<userId>#<windowStart>      tabs (string set), expiresAt (TTL)
 * A window's key is never written again once it is over, so TTL's lazy deletion (within days) changes nothing.
 */
export const RATE_LIMITS_TABLE: TableDefinition = {
  purpose: 'ratelimits',
  partitionKey: { name: 'pk', type: 'S' },
  ttlAttribute: 'expiresAt',
  pointInTimeRecovery: false,
};

/**
 * Who is connected (functions/presence): one item per user holding that user's MQTT connections by client id (tabs,
 * devices), each with the versionNumber and timestamp of the last lifecycle event applied to it:
 *   userId   connections { <clientId>: { connected, versionNumber, timestamp, expiresAt } }, revision, expiresAt (TTL)
 * One item per user, written with a condition on `revision`, makes "did this event change whether the user is online?"
 * exact even when several events of one user are handled at once (two tabs closing together). A connection entry
 * expires (it is ignored, and dropped at the next write) when its disconnect event can no longer come: 24 h after a
 * connect (IoT's longest WebSocket connection), 1 h after a disconnect (when IoT resets the version number); the item's
 * TTL is its latest entry's, so DynamoDB deletes users whose last disconnect event was lost.
 */
export const PRESENCE_TABLE: TableDefinition = {
  purpose: 'presence',
  partitionKey: { name: 'userId', type: 'S' },
  ttlAttribute: 'expiresAt',
  pointInTimeRecovery: false,
};

/**
 * The user directory (functions/users): one profile per user, created on first use from their token, and exact-match
 * lookup items for invites. Only GetItem and BatchGetItem read it (no Scan, no index), so nobody can list users or
 * search by prefix:
 *   pk USER#<userId>                 profile: userId, displayName, kind (app | cognito), username?, email?, updatedAt
 *   pk USERNAME#<lowercase username> userId (Cognito users; app users are found by their user id)
 *   pk EMAIL#<lowercase email>       userId (Cognito users with a verified email)
 */
export const USERS_TABLE: TableDefinition = { purpose: 'users', partitionKey: { name: 'pk', type: 'S' } };

export const USER_KEYS = {
  profile: (userId: string) => `USER#${userId}`,
  username: (normalizedUsername: string) => `USERNAME#${normalizedUsername}`,
  email: (normalizedEmail: string) => `EMAIL#${normalizedEmail}`,
} as const;

/**
 * Idempotency records of the POST routes (functions/shared/idempotency.ts): the response to the first request with an
 * `Idempotency-Key`, replayed for retries with the same key:
 *   pk <scope>#<userId>#<key>   fingerprint, state (done | pending), statusCode, body, pendingUntil?, expiresAt (TTL)
 * A record is honoured until expiresAt (at least 24 h); DynamoDB's TTL deletes it some time after, so readers compare
 * expiresAt themselves.
 */
export const IDEMPOTENCY_TABLE: TableDefinition = {
  purpose: 'idempotency',
  partitionKey: { name: 'pk', type: 'S' },
  ttlAttribute: 'expiresAt',
  pointInTimeRecovery: false,
};

/** The key of one user's idempotency key in one scope: user ids and keys never contain `#` (core/ids.ts, the key rule). */
export const idempotencyRecordKey = (scope: string, userId: string, key: string): string => `${scope}#${userId}#${key}`;

/**
 * Each user's jobs (functions/jobs), so that the page shows the latest ones with their outcome after a reload. One item
 * per job, written as it is queued (POST /jobs) and on each step by the worker:
 *   userId, jobId   kind, steps, stepMs, status (queued | running | succeeded | failed), step, progress, requestedAt,
 *                   updatedAt, result?, error? (a sentence for people), retryOf?, expiresAt (TTL)
 * Job ids are time-ordered (core/ids.ts newSortableId), so a user's newest jobs are one Query, newest first.
 */
export const JOBS_TABLE: TableDefinition = {
  purpose: 'jobs',
  partitionKey: { name: 'userId', type: 'S' },
  sortKey: { name: 'jobId', type: 'S' },
  ttlAttribute: 'expiresAt',
  pointInTimeRecovery: false,
};

export const JOB_KEYS = { item: (userId: string, jobId: string) => ({ userId, jobId }) } as const;

/**
 * The announcements admins broadcast (functions/broadcast), so that the page shows the latest ones after a reload:
 *   feed "broadcast", messageId (time-ordered)   from, fromName, text, sentAt, expiresAt (TTL)
 * One partition: broadcasts are few (admins only, rate-limited), and the latest ones are one Query, newest first.
 */
export const BROADCASTS_TABLE: TableDefinition = {
  purpose: 'broadcasts',
  partitionKey: { name: 'feed', type: 'S' },
  sortKey: { name: 'messageId', type: 'S' },
  ttlAttribute: 'expiresAt',
  pointInTimeRecovery: false,
};

export const BROADCAST_KEYS = {
  /** The partition every broadcast of the stage is in. */
  feed: 'broadcast',
  item: (messageId: string) => ({ feed: 'broadcast', messageId }),
} as const;

export const TABLES = [
  MEMBERSHIPS_TABLE,
  MESSAGES_TABLE,
  RATE_LIMITS_TABLE,
  PRESENCE_TABLE,
  USERS_TABLE,
  IDEMPOTENCY_TABLE,
  JOBS_TABLE,
  BROADCASTS_TABLE,
] as const;

export const tableName = (d: Pick<Deployment, 'app' | 'stage'>, table: TableDefinition): string => resourceName(d, table.purpose);

export function tableArn(d: Deployment, table: TableDefinition): string {
  return `arn:aws:dynamodb:${d.region}:${d.accountId}:table/${tableName(d, table)}`;
}
