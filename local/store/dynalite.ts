/**
 * The local DynamoDB (server.ts: dynalite behind a front that adds transactions, TTL and DynamoDB's table ids), and
 * the tables a stack needs, created in it from core/store/tables.ts as infra creates them.
 */

import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { Deployment } from '../../core/deployment.js';
import { type TableDefinition, tableName } from '../../core/store/tables.js';

export { type LocalDynamoDbOptions, type RunningLocalDynamoDb, startLocalDynamoDb, tableIdAsUuid } from './server.js';

export interface CreateTablesResult {
  created: string[];
  existing: string[];
}

/**
 * Creates every table of `definitions` that does not exist yet and waits until it is ACTIVE (idempotent across
 * restarts). An existing table whose keys differ from its definition is an error: the data folder predates a change
 * of the definitions and must be deleted.
 */
export async function createTables(
  client: DynamoDBClient,
  deployment: Pick<Deployment, 'app' | 'stage'>,
  definitions: readonly TableDefinition[],
): Promise<CreateTablesResult> {
  const result: CreateTablesResult = { created: [], existing: [] };
  for (const definition of definitions) {
    const name = tableName(deployment, definition);
    let description = await describe(client, name);
    if (description === undefined) {
      try {
        await client.send(new CreateTableCommand(createTableInput(name, definition)));
        result.created.push(name);
      } catch (error) {
        // Created meanwhile by another process: fine, it is checked below like any existing table.
        if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
        result.existing.push(name);
      }
      description = await waitUntilActive(client, name);
    } else {
      result.existing.push(name);
      if (description.TableStatus !== 'ACTIVE') description = await waitUntilActive(client, name);
    }
    const mismatch = schemaMismatch(description, definition);
    if (mismatch) throw new Error(`table ${name} exists with ${mismatch}; delete the local data folder to recreate it from core/store/tables.ts`);
    if (definition.ttlAttribute !== undefined) await enableTtl(client, name, definition.ttlAttribute);
  }
  return result;
}

/**
 * The same table as infra creates: on demand (dynalite accepts BillingMode PAY_PER_REQUEST, with GSIs too), keys and
 * GSIs from the definition, GSIs projecting ALL.
 */
function createTableInput(name: string, definition: TableDefinition): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  const keys = [definition.partitionKey, definition.sortKey, ...(definition.globalSecondaryIndexes ?? []).flatMap((i) => [i.partitionKey, i.sortKey])];
  for (const key of keys) if (key) attributes.set(key.name, key.type);
  const keySchema = (partitionKey: { name: string }, sortKey?: { name: string }) => [
    { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
  const indexes = definition.globalSecondaryIndexes ?? [];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: keySchema(definition.partitionKey, definition.sortKey),
    ...(indexes.length > 0
      ? {
          GlobalSecondaryIndexes: indexes.map((i) => ({
            IndexName: i.name,
            KeySchema: keySchema(i.partitionKey, i.sortKey),
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

function schemaMismatch(table: TableDescription, definition: TableDefinition): string | undefined {
  const describeKeys = (schema: ReadonlyArray<{ AttributeName?: string; KeyType?: string }> | undefined) =>
    (schema ?? []).map((k) => `${k.KeyType}:${k.AttributeName}`).join(',');
  const expectedKeys = (partitionKey: { name: string }, sortKey?: { name: string }) => `HASH:${partitionKey.name}${sortKey ? `,RANGE:${sortKey.name}` : ''}`;
  if (describeKeys(table.KeySchema) !== expectedKeys(definition.partitionKey, definition.sortKey)) return `key schema ${describeKeys(table.KeySchema)}`;
  const actual = (table.GlobalSecondaryIndexes ?? []).map((i) => `${i.IndexName}(${describeKeys(i.KeySchema)})`).sort();
  const expected = (definition.globalSecondaryIndexes ?? []).map((i) => `${i.name}(${expectedKeys(i.partitionKey, i.sortKey)})`).sort();
  if (actual.join(' ') !== expected.join(' ')) return `indexes [${actual.join(' ')}] instead of [${expected.join(' ')}]`;
  return undefined;
}

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function waitUntilActive(client: DynamoDBClient, name: string, timeoutMs = 10_000): Promise<TableDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const table = await describe(client, name);
    if (table?.TableStatus === 'ACTIVE') return table;
    if (Date.now() > deadline) throw new Error(`table ${name} is not ACTIVE after ${timeoutMs} ms (status ${table?.TableStatus ?? 'missing'})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Enables TTL on the table's attribute unless it is already (a restart on the same data folder). */
async function enableTtl(client: DynamoDBClient, name: string, attribute: string): Promise<void> {
  const current = (await client.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
  if (current?.TimeToLiveStatus === 'ENABLED' && current.AttributeName === attribute) return;
  await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: attribute, Enabled: true } }));
}
