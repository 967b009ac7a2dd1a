/**
 * The presence store on DynamoDB (dynalite locally), item layout of core/store/tables.ts PRESENCE_TABLE:
 *   userId, connections { <clientId>: { connected, versionNumber, timestamp, expiresAt } }, revision, expiresAt (TTL)
 * A write replaces the whole item on the condition that its revision is still the one read: one conditional PutItem,
 * no transaction, and concurrent events of one user cannot both decide on the same old state.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, type BatchGetCommandOutput, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { isRetryableAwsError } from '../shared/aws-error-classification.js';
import { UpstreamError } from '../shared/errors.js';
import { type Connections, itemExpiry } from './connections.js';
import type { PresenceStore, UserConnections } from './presence-store.js';

/** DynamoDB: BatchGetItem reads at most 100 items per request. */
export const BATCH_GET_MAX = 100;
/** BatchGetItem may leave keys unprocessed under load ("BatchGetItem", DynamoDB API reference): read them again. */
const UNPROCESSED_RETRIES = 3;

const StoredConnectionsSchema = v.record(
  v.string(),
  v.object({ connected: v.boolean(), versionNumber: v.number(), timestamp: v.number(), expiresAt: v.number() }),
);
const StoredItemSchema = v.object({ userId: v.string(), connections: StoredConnectionsSchema, revision: v.number() });

export class DynamoPresenceStore implements PresenceStore {
  readonly #doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.#doc = DynamoDBDocumentClient.from(client);
  }

  async get(userId: string): Promise<UserConnections | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      item = (await this.#doc.send(new GetCommand({ TableName: this.table, Key: { userId }, ConsistentRead: true }))).Item;
    } catch (error) {
      throw storeFailure('read the connections', error);
    }
    if (item === undefined) return undefined;
    const stored = parseItem(item);
    return { connections: stored.connections, revision: stored.revision };
  }

  async put(userId: string, connections: Connections, expectedRevision: number | undefined): Promise<boolean> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { userId, connections, revision: (expectedRevision ?? 0) + 1, expiresAt: itemExpiry(connections) },
          ...(expectedRevision === undefined
            ? { ConditionExpression: 'attribute_not_exists(userId)' }
            : {
                ConditionExpression: '#revision = :expected',
                ExpressionAttributeNames: { '#revision': 'revision' },
                ExpressionAttributeValues: { ':expected': expectedRevision },
              }),
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw storeFailure('record the connection', error);
    }
  }

  async getMany(userIds: readonly string[]): Promise<Map<string, Connections>> {
    if (userIds.length > BATCH_GET_MAX) throw new RangeError(`at most ${BATCH_GET_MAX} users per read, got ${userIds.length}`);
    const found = new Map<string, Connections>();
    let keys = [...new Set(userIds)].map((userId) => ({ userId }));
    for (let attempt = 0; keys.length > 0; attempt += 1) {
      if (attempt > UNPROCESSED_RETRIES)
        throw new UpstreamError(`could not read the connections of ${keys.length} users (DynamoDB left them unprocessed)`, true);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      let out: BatchGetCommandOutput;
      try {
        out = await this.#doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
      } catch (error) {
        throw storeFailure('read the connections', error);
      }
      for (const item of out.Responses?.[this.table] ?? []) {
        const stored = parseItem(item);
        found.set(stored.userId, stored.connections);
      }
      keys = (out.UnprocessedKeys?.[this.table]?.Keys ?? []).map((key) => ({ userId: String(key.userId) }));
    }
    return found;
  }
}

function parseItem(item: Record<string, unknown>): v.InferOutput<typeof StoredItemSchema> {
  const result = v.safeParse(StoredItemSchema, item);
  // Only this adapter writes the table: a malformed item is a bug or tampering, never the caller's fault.
  if (!result.success) throw new UpstreamError(`a presence item is malformed: ${result.issues.map((i) => i.message).join('; ')}`, false);
  return result.output;
}

function storeFailure(what: string, error: unknown): UpstreamError {
  return new UpstreamError(`could not ${what}`, isRetryableAwsError(error), { cause: error });
}
