/**
 * TransactGetItems on top of dynalite, which does not implement it (dynalite 4 answers UnknownOperationException).
 * The caller holds the local store's lock for the whole call (as for TransactWriteItems), so no write lands between
 * two of its reads: the items are read as of one moment, which is what the operation promises.
 *
 * DynamoDB rules followed (API reference, TransactGetItems):
 * - 1 to 100 `TransactItems`, each `{Get: {TableName, Key, ProjectionExpression?, ExpressionAttributeNames?}}`; no two
 *   on the same item ("Transaction request cannot include multiple operations on one item", ValidationException).
 * - `Responses` is "an ordered array of up to 100 ItemResponse objects, each of which corresponds to the
 *   TransactGetItem object in the same position"; an item that does not exist has an empty ItemResponse.
 * - A Get the table rejects (a key of the wrong shape, a bad projection) cancels the whole request:
 *   TransactionCanceledException with one CancellationReason per item (`None` or `ValidationError`). A table that does
 *   not exist is ResourceNotFoundException.
 * - ReturnConsumedCapacity TOTAL or INDEXES: one entry per table; a transactional read costs twice a strongly
 *   consistent one ("Capacity management for transactions").
 * Not emulated: the 4 MB aggregate size limit, TransactionConflict (the lock serialises everything).
 */
import { type DynaliteConnection, DynamoProtocolError, validationError } from './wire.js';

const MAX_ITEMS = 100;
const GET_MEMBERS = ['TableName', 'Key', 'ProjectionExpression', 'ExpressionAttributeNames'] as const;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export async function transactGetItems(dynalite: DynaliteConnection, input: unknown): Promise<Record<string, unknown>> {
  const items = isObject(input) ? input.TransactItems : undefined;
  if (!Array.isArray(items))
    throw validationError("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
  if (items.length < 1 || items.length > MAX_ITEMS)
    throw validationError(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${items.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ITEMS}`}`,
    );
  const returnCapacity = isObject(input) ? input.ReturnConsumedCapacity : undefined;
  if (returnCapacity !== undefined && returnCapacity !== 'NONE' && returnCapacity !== 'TOTAL' && returnCapacity !== 'INDEXES')
    throw validationError(
      "1 validation error detected: Value at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]",
    );
  const gets: Array<Record<string, unknown>> = [];
  const seen = new Set<string>();
  for (const [i, item] of items.entries()) {
    const get = isObject(item) && Object.keys(item).length === 1 ? item.Get : undefined;
    if (!isObject(get)) throw validationError(`TransactItems[${i}] must contain exactly one Get`);
    if (typeof get.TableName !== 'string')
      throw validationError(
        `1 validation error detected: Value null at 'transactItems.${i + 1}.member.get.tableName' failed to satisfy constraint: Member must not be null`,
      );
    if (!isObject(get.Key))
      throw validationError(
        `1 validation error detected: Value null at 'transactItems.${i + 1}.member.get.key' failed to satisfy constraint: Member must not be null`,
      );
    const identity = `${get.TableName}\u0000${JSON.stringify(Object.entries(get.Key).sort(([a], [b]) => a.localeCompare(b)))}`;
    if (seen.has(identity)) throw validationError('Transaction request cannot include multiple operations on one item');
    seen.add(identity);
    const params: Record<string, unknown> = {};
    for (const member of GET_MEMBERS) if (get[member] !== undefined) params[member] = get[member];
    gets.push(params);
  }

  const responses: Array<Record<string, unknown>> = [];
  const reasons: Array<{ Code: string; Message?: string }> = gets.map(() => ({ Code: 'None' }));
  const capacity = new Map<string, number>();
  for (const [i, get] of gets.entries()) {
    try {
      const output = await dynalite.call('GetItem', { ...get, ConsistentRead: true, ReturnConsumedCapacity: 'TOTAL' });
      responses.push(isObject(output.Item) ? { Item: output.Item } : {});
      const units = Number((output.ConsumedCapacity as { CapacityUnits?: unknown } | undefined)?.CapacityUnits ?? 1);
      capacity.set(String(get.TableName), (capacity.get(String(get.TableName)) ?? 0) + 2 * units);
    } catch (error) {
      if (!(error instanceof DynamoProtocolError) || error.code !== 'ValidationException') throw error;
      reasons[i] = { Code: 'ValidationError', Message: error.message };
      responses.push({});
    }
  }
  if (reasons.some((r) => r.Code !== 'None')) {
    throw new DynamoProtocolError(
      400,
      'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
      { CancellationReasons: reasons },
      'Message',
    );
  }
  return {
    Responses: responses,
    ...(returnCapacity === 'TOTAL' || returnCapacity === 'INDEXES'
      ? { ConsumedCapacity: [...capacity].map(([TableName, units]) => ({ TableName, CapacityUnits: units, ReadCapacityUnits: units })) }
      : {}),
  };
}
