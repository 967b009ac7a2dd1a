/**
 * The latest broadcasts on DynamoDB (core/store/tables.ts BROADCASTS_TABLE, BROADCAST_KEYS): one partition, message
 * ids time-ordered, so the newest are one Query read backwards.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { type StoredBroadcast, StoredBroadcastSchema } from '../../core/contracts/http.js';
import { BROADCAST_KEYS } from '../../core/store/tables.js';
import { mapped } from '../shared/dynamo-room-store/errors.js';
import { UpstreamError } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';
import { BROADCAST_TTL_SECONDS, type BroadcastStore } from './broadcast-store.js';

export class DynamoBroadcastStore implements BroadcastStore {
  readonly #doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {
    this.#doc = DynamoDBDocumentClient.from(client);
  }

  async put(broadcast: StoredBroadcast): Promise<void> {
    const expiresAt = Math.floor(this.clock.now().getTime() / 1000) + BROADCAST_TTL_SECONDS;
    await mapped('keep the broadcast', () =>
      this.#doc.send(new PutCommand({ TableName: this.table, Item: { ...BROADCAST_KEYS.item(broadcast.messageId), ...broadcast, expiresAt } })),
    );
  }

  async recent(limit: number): Promise<StoredBroadcast[]> {
    const out = await mapped('read the broadcasts', () =>
      this.#doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'feed = :feed',
          ExpressionAttributeValues: { ':feed': BROADCAST_KEYS.feed },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (out.Items ?? []).map(toBroadcast).reverse();
  }
}

function toBroadcast(item: Record<string, unknown>): StoredBroadcast {
  const { feed: _feed, expiresAt: _expiresAt, ...rest } = item;
  const parsed = v.safeParse(StoredBroadcastSchema, rest);
  if (!parsed.success) throw new UpstreamError('a stored broadcast is not readable', false);
  return parsed.output;
}
