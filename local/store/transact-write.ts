/**
 * TransactWriteItems on top of dynalite, which does not implement it (dynalite 4 answers UnknownOperationException).
 * The caller holds the local store's lock for the whole call, so no other request sees or interleaves with the
 * intermediate states. Each action runs as the single-item operation it stands for, with its own condition; if any
 * action fails, the items already written are restored from the images read before, so all or nothing is stored.
 *
 * DynamoDB rules followed (API reference, TransactWriteItems, and "Error handling with DynamoDB"):
 * - 1 to 100 actions, each exactly one of Put, Update, Delete, ConditionCheck; no two actions on the same item.
 * - On a failed condition the whole transaction is cancelled with TransactionCanceledException (400), whose
 *   CancellationReasons has one entry per action in request order: `{"Code":"None"}` or
 *   `{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}` (plus `Item` for
 *   ReturnValuesOnConditionCheckFailure ALL_OLD), or `ValidationError` for an invalid action.
 * Not emulated: ClientRequestToken idempotency, the 4 MB aggregate size limit, TransactionConflict (the lock
 * serialises everything, so there are no conflicts to report).
 */
import { type DynaliteConnection, DynamoProtocolError, validationError } from './wire.js';

const ACTIONS = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheck' } as const;
type ActionKind = keyof typeof ACTIONS;

/** The members each action passes on to its single-item operation. */
const ACTION_MEMBERS: Record<ActionKind, readonly string[]> = {
  Put: ['TableName', 'Item', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'],
  Update: ['TableName', 'Key', 'UpdateExpression', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'],
  Delete: ['TableName', 'Key', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'],
  ConditionCheck: ['TableName', 'Key', 'ConditionExpression', 'ExpressionAttributeNames', 'ExpressionAttributeValues'],
};

const MAX_ACTIONS = 100;

type WireItem = Record<string, unknown>;

interface PlannedAction {
  kind: ActionKind;
  tableName: string;
  params: Record<string, unknown>;
  key: WireItem;
  returnOldOnFailure: boolean;
  /** The item as it was before the transaction; undefined when absent. */
  before?: WireItem;
}

interface CancellationReason {
  Code: string;
  Message?: string;
  Item?: WireItem;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export async function transactWriteItems(dynalite: DynaliteConnection, input: unknown): Promise<Record<string, unknown>> {
  const actions = await plan(dynalite, input);
  const reasons: CancellationReason[] = actions.map(() => ({ Code: 'None' }));
  for (const [index, action] of actions.entries()) {
    const read = await readItem(dynalite, action);
    if ('error' in read) reasons[index] = { Code: 'ValidationError', Message: read.error };
    else if (read.item !== undefined) action.before = read.item;
  }
  if (reasons.some((r) => r.Code !== 'None')) throw cancelled(reasons);

  const written: PlannedAction[] = [];
  try {
    for (const [index, action] of actions.entries()) {
      try {
        await apply(dynalite, action);
        written.push(action);
      } catch (error) {
        if (!(error instanceof DynamoProtocolError)) throw error;
        if (error.code === 'ConditionalCheckFailedException') {
          reasons[index] = {
            Code: 'ConditionalCheckFailed',
            Message: 'The conditional request failed',
            ...(action.returnOldOnFailure && action.before ? { Item: action.before } : {}),
          };
        } else if (error.code === 'ValidationException') {
          reasons[index] = { Code: 'ValidationError', Message: error.message };
        } else {
          throw error;
        }
      }
    }
  } catch (error) {
    await restore(dynalite, written);
    throw error;
  }
  if (reasons.some((r) => r.Code !== 'None')) {
    await restore(dynalite, written);
    throw cancelled(reasons);
  }
  // A ConditionCheck was evaluated by rewriting the item as it was (see apply): put it back exactly.
  await restore(
    dynalite,
    written.filter((a) => a.kind === 'ConditionCheck'),
  );
  return {};
}

async function plan(dynalite: DynaliteConnection, input: unknown): Promise<PlannedAction[]> {
  const items = isObject(input) ? input.TransactItems : undefined;
  if (!Array.isArray(items))
    throw validationError("1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null");
  if (items.length < 1 || items.length > MAX_ACTIONS) {
    throw validationError(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length ${items.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ACTIONS}`}`,
    );
  }
  const keyNamesOf = new Map<string, string[]>();
  const seen = new Set<string>();
  const actions: PlannedAction[] = [];
  for (const item of items) {
    const kinds = isObject(item) ? (Object.keys(item).filter((k) => k in ACTIONS) as ActionKind[]) : [];
    const kind = kinds[0];
    const raw = kind && isObject(item) ? item[kind] : undefined;
    if (kinds.length !== 1 || kind === undefined || !isObject(raw)) throw validationError('TransactItems can only contain one of Check, Put, Update or Delete');
    const tableName = raw.TableName;
    if (typeof tableName !== 'string')
      throw validationError(
        `1 validation error detected: Value null at 'transactItems.${actions.length + 1}.member.${kind.toLowerCase()}.tableName' failed to satisfy constraint: Member must not be null`,
      );
    if (kind === 'ConditionCheck' && typeof raw.ConditionExpression !== 'string') throw validationError('ConditionCheck requires a ConditionExpression');
    let keyNames = keyNamesOf.get(tableName);
    if (keyNames === undefined) {
      keyNames = await describeKeyNames(dynalite, tableName);
      keyNamesOf.set(tableName, keyNames);
    }
    const source = kind === 'Put' ? raw.Item : raw.Key;
    if (!isObject(source)) throw validationError(`The ${kind === 'Put' ? 'Item' : 'Key'} of a ${kind} action is required`);
    const key: WireItem = {};
    for (const name of keyNames) if (name in source) key[name] = source[name];
    const identity = `${tableName}\u0000${JSON.stringify(keyNames.map((name) => key[name] ?? null))}`;
    if (seen.has(identity)) throw validationError('Transaction request cannot include multiple operations on one item');
    seen.add(identity);
    const params: Record<string, unknown> = {};
    for (const member of ACTION_MEMBERS[kind]) if (raw[member] !== undefined) params[member] = raw[member];
    actions.push({ kind, tableName, params, key, returnOldOnFailure: raw.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' });
  }
  return actions;
}

async function describeKeyNames(dynalite: DynaliteConnection, tableName: string): Promise<string[]> {
  const output = await dynalite.call('DescribeTable', { TableName: tableName });
  const table = isObject(output.Table) ? output.Table : {};
  const schema = Array.isArray(table.KeySchema) ? table.KeySchema : [];
  return schema.flatMap((k: unknown) => (isObject(k) && typeof k.AttributeName === 'string' ? [k.AttributeName] : []));
}

async function readItem(dynalite: DynaliteConnection, action: PlannedAction): Promise<{ item: WireItem | undefined } | { error: string }> {
  try {
    const output = await dynalite.call('GetItem', { TableName: action.tableName, Key: action.key, ConsistentRead: true });
    return { item: isObject(output.Item) ? output.Item : undefined };
  } catch (error) {
    if (error instanceof DynamoProtocolError && error.code === 'ValidationException') return { error: error.message };
    throw error;
  }
}

async function apply(dynalite: DynaliteConnection, action: PlannedAction): Promise<void> {
  if (action.kind !== 'ConditionCheck') {
    await dynalite.call(ACTIONS[action.kind], action.params);
    return;
  }
  // dynalite has no way to evaluate a condition without writing: rewrite the item as it was (or its bare key when it
  // does not exist) under the condition; `restore` puts the previous state back afterwards.
  const { Key: _key, ...condition } = action.params;
  await dynalite.call('PutItem', { ...condition, Item: action.before ?? action.key });
}

/** Puts back the images read before the transaction, newest write first. */
async function restore(dynalite: DynaliteConnection, written: readonly PlannedAction[]): Promise<void> {
  for (const action of [...written].reverse()) {
    if (action.before) await dynalite.call('PutItem', { TableName: action.tableName, Item: action.before });
    else await dynalite.call('DeleteItem', { TableName: action.tableName, Key: action.key });
  }
}

function cancelled(reasons: CancellationReason[]): DynamoProtocolError {
  return new DynamoProtocolError(
    400,
    'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    { CancellationReasons: reasons },
    'Message',
  );
}
