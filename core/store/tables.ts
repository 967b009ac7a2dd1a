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
 *   pk ROOM#<roomId>  sk META              the room: name, createdBy, createdAt, memberCount, ownerCount
 *   pk ROOM#<roomId>  sk MEMBER#<userId>   a membership: role, joinedAt, roomName; gsi1pk USER#<userId>, gsi1sk ROOM#<roomId>
 * room -> members is a Query on the table, user -> rooms a Query on the `byUser` index; both paginate.
 */
export const MEMBERSHIPS_BY_USER_INDEX = 'byUser';
export const MEMBERSHIPS_TABLE: TableDefinition = {
  purpose: 'memberships',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [{ name: MEMBERSHIPS_BY_USER_INDEX, partitionKey: { name: 'gsi1pk', type: 'S' }, sortKey: { name: 'gsi1sk', type: 'S' } }],
};

/** Room history: pk roomId, sk messageId (time-ordered ids, so a Query reads a room's messages in order); TTL expiresAt. */
export const MESSAGES_TABLE: TableDefinition = {
  purpose: 'messages',
  partitionKey: { name: 'roomId', type: 'S' },
  sortKey: { name: 'messageId', type: 'S' },
  ttlAttribute: 'expiresAt',
};

/**
 * Per-user request counters of the write routes, one fixed window per item (functions/shared/dynamo-rate-limiter.ts):
 *   pk <scope>#<userId>#<windowStart>   hits (number), expiresAt (TTL, shortly after the window ends)
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

export const TABLES = [MEMBERSHIPS_TABLE, MESSAGES_TABLE, RATE_LIMITS_TABLE, PRESENCE_TABLE] as const;

export const tableName = (d: Pick<Deployment, 'app' | 'stage'>, table: TableDefinition): string => resourceName(d, table.purpose);

export function tableArn(d: Deployment, table: TableDefinition): string {
  return `arn:aws:dynamodb:${d.region}:${d.accountId}:table/${tableName(d, table)}`;
}
