/**
 * Reads of the rooms store: pages of a Query, and several items by key at once. Reads that decide access or a change
 * are strongly consistent (a change must be visible to the next request); index queries cannot be (DynamoDB: global
 * secondary indexes support eventually consistent reads only), and what they return is re-checked by a transaction's
 * conditions before anything depends on it.
 */
import { BatchGetCommand, type DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { UpstreamError, ValidationError } from '../errors.js';
import { storeFailure } from './errors.js';
import type { Item } from './keys.js';

/** DynamoDB: BatchGetItem reads at most 100 items per request. */
export const BATCH_GET_MAX = 100;
/** BatchGetItem may leave keys unprocessed under load ("BatchGetItem", DynamoDB API reference): read them again. */
const UNPROCESSED_RETRIES = 3;

/**
 * One page of a Query: `limit` items, and whether more exist (reads one item more to know; DynamoDB's own
 * LastEvaluatedKey is also present when the page merely ends at the last item, and a page also ends at 1 MB read).
 * `last` is the last returned item when more exist.
 */
export async function queryPage(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit: number,
  start: Item | undefined,
  what: string,
): Promise<{ items: Item[]; last: Item | undefined }> {
  if (!Number.isInteger(limit) || limit < 1) throw new ValidationError(`limit must be a positive integer, got ${limit}`);
  const collected: Item[] = [];
  let startKey = start;
  try {
    do {
      const out = await doc.send(new QueryCommand({ ...input, Limit: limit + 1 - collected.length, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
      collected.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey !== undefined && collected.length <= limit);
  } catch (error) {
    throw storeFailure(what, error);
  }
  const more = collected.length > limit;
  return { items: collected.slice(0, limit), last: more ? collected[limit - 1] : undefined };
}

/**
 * A few items by key, strongly consistent, in parallel GetItems (one round trip of latency, and only the GetItem
 * grant every reader of the table already has); undefined for each missing item, in the order of `keys`.
 */
export async function getItems(doc: DynamoDBDocumentClient, table: string, keys: readonly Item[], what: string): Promise<Array<Item | undefined>> {
  try {
    return await Promise.all(keys.map(async (key) => (await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item));
  } catch (error) {
    throw storeFailure(what, error);
  }
}

/** Up to BATCH_GET_MAX items by key (strongly consistent), reading unprocessed keys again; missing items are absent. */
export async function batchGet(doc: DynamoDBDocumentClient, table: string, keys: readonly Item[], what: string): Promise<Item[]> {
  if (keys.length > BATCH_GET_MAX) throw new RangeError(`at most ${BATCH_GET_MAX} keys per read, got ${keys.length}`);
  const found: Item[] = [];
  let pending = [...keys];
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt > UNPROCESSED_RETRIES) throw new UpstreamError(`could not ${what}: DynamoDB left ${pending.length} keys unprocessed`, true);
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    try {
      const out = await doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }));
      found.push(...(out.Responses?.[table] ?? []));
      pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
    } catch (error) {
      throw storeFailure(what, error);
    }
  }
  return found;
}
