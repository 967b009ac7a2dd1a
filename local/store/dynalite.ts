/**
 * The local DynamoDB: dynalite (LevelDB in a folder, or in memory) behind a small front on 127.0.0.1 that adds what
 * dynalite 4 lacks: TransactWriteItems (transact-write.ts) and TransactGetItems (transact-get.ts), each run alone
 * (other requests run concurrently, but never inside one), so a transaction is atomic and isolated for every client
 * of this endpoint; UpdateTimeToLive, DescribeTimeToLive and the deletion of expired items (time-to-live.ts); and
 * tables' TableId as the UUID DynamoDB gives (dynalite's has a 8-character last group). Everything else is forwarded
 * to dynalite unchanged. Point SDK clients (or the emulator, which adds SigV4 and IAM) at `url`.
 *
 * Still missing, and not emulated here: PartiQL, streams, backups.
 */

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { Deployment } from '../../core/deployment.js';
import { type TableDefinition, tableName } from '../../core/store/tables.js';
import { TimeToLive, type TtlSweepOptions } from './time-to-live.js';
import { transactGetItems } from './transact-get.js';
import { transactWriteItems } from './transact-write.js';
import { DynaliteConnection, DynamoProtocolError } from './wire.js';

export interface LocalDynamoDbOptions {
  /** Folder of the data (created if missing); in memory when absent. The local stack passes `.local/dynamodb`. */
  path?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** How often, and how much, expired items are deleted (time-to-live.ts); every second, 100 items, by default. */
  ttlSweep?: TtlSweepOptions;
}

export interface RunningLocalDynamoDb {
  url: string;
  port: number;
  /** Stops accepting requests, waits for the data to be flushed and the folder unlocked. */
  close(): Promise<void>;
}

/** DynamoDB's own request limit is far lower; this only bounds what a local client can make the front buffer. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const HOST = '127.0.0.1';

export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<RunningLocalDynamoDb> {
  if (options.path !== undefined) mkdirSync(options.path, { recursive: true });
  // Tables become ACTIVE at once: the local stack creates them at every start.
  const engine = dynalite({ ...(options.path !== undefined ? { path: options.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const enginePort = await listen(engine, 0);
  const connection = new DynaliteConnection(`http://${HOST}:${enginePort}`);
  const lock = new TransactionGate();
  const ttl = new TimeToLive(connection, (task) => lock.shared(task), options.path, options.ttlSweep);
  ttl.start();

  const front = createServer((req, res) => {
    handle(req, res, { connection, lock, ttl }).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      sendJson(res, 500, {
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: `local DynamoDB failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    });
  });
  let port: number;
  try {
    port = await listen(front, options.port ?? 0);
  } catch (error) {
    await ttl.stop();
    connection.close();
    await closeServer(engine);
    throw error;
  }

  return {
    url: `http://${HOST}:${port}`,
    port,
    async close() {
      front.closeAllConnections();
      await closeServer(front);
      await ttl.stop();
      // Waits for pending requests to finish; only then is dynalite's LevelDB closed and its folder lock released.
      await lock.exclusive(async () => undefined);
      connection.close();
      await closeServer(engine);
    },
  };
}

interface Front {
  connection: DynaliteConnection;
  lock: TransactionGate;
  ttl: TimeToLive;
}

/** Operations the front answers itself (dynalite 4 lacks them); the transactions run alone. */
const LOCAL_OPERATIONS: Record<string, (front: Front, input: unknown) => Promise<Record<string, unknown>>> = {
  TransactWriteItems: (front, input) => front.lock.exclusive(() => transactWriteItems(front.connection, input)),
  TransactGetItems: (front, input) => front.lock.exclusive(() => transactGetItems(front.connection, input)),
  UpdateTimeToLive: (front, input) => front.ttl.update(input as Record<string, unknown>),
  DescribeTimeToLive: (front, input) => front.ttl.describe(input as Record<string, unknown>),
};

/** Responses whose table description carries a TableId (rewritten as a UUID). */
const TABLE_DESCRIPTIONS: Record<string, 'Table' | 'TableDescription'> = {
  CreateTable: 'TableDescription',
  DescribeTable: 'Table',
  UpdateTable: 'TableDescription',
  DeleteTable: 'TableDescription',
};

async function handle(req: IncomingMessage, res: ServerResponse, front: Front): Promise<void> {
  const body = await readBody(req);
  if (body === undefined) {
    res.writeHead(413, { connection: 'close' });
    return void res.end();
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('DynamoDB_20120810.') ? target.slice('DynamoDB_20120810.'.length) : '';
  const local = req.method === 'POST' ? LOCAL_OPERATIONS[operation] : undefined;
  if (local) return answerLocally(req, res, body, (input) => local(front, input));
  await front.lock.shared(async () => {
    const upstream = await front.connection.send(req.method ?? 'POST', req.url ?? '/', req.headers, body);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers))
      if (value !== undefined && name !== 'connection' && name !== 'keep-alive' && name !== 'transfer-encoding') headers[name] = value;
    let responseBody = upstream.body;
    const member = TABLE_DESCRIPTIONS[operation];
    if (member && upstream.status === 200) {
      const output = JSON.parse(upstream.body.toString('utf8')) as Record<string, { TableId?: unknown; TableName?: unknown } | undefined>;
      const table = output[member];
      if (table && typeof table.TableId === 'string') table.TableId = tableIdAsUuid(table.TableId);
      if (operation === 'DeleteTable' && table && typeof table.TableName === 'string') front.ttl.forget(table.TableName);
      responseBody = Buffer.from(JSON.stringify(output));
      headers['content-length'] = String(responseBody.length);
      delete headers['x-amz-crc32'];
    }
    res.writeHead(upstream.status, headers);
    res.end(responseBody);
  });
}

/**
 * dynalite's TableId is 8-4-4-4-8 hex (its uuidV4 cuts the last group short); DynamoDB's is a UUID
 * (`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, botocore's TableId shape). The one dynalite stored
 * is mapped to a version-4 UUID derived from it, so a table keeps its id across restarts on the same folder.
 */
export function tableIdAsUuid(stored: string): string {
  const h = createHash('sha256').update(stored).digest('hex');
  const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function answerLocally(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  run: (input: unknown) => Promise<Record<string, unknown>>,
): Promise<void> {
  // As dynalite does for every operation: an unsigned request is refused (the signature itself is not verified).
  if (!req.headers.authorization?.startsWith('AWS4-')) {
    return sendJson(res, 400, { __type: 'com.amazon.coral.service#MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' });
  }
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return sendJson(res, 400, { __type: 'com.amazon.coral.service#SerializationException' });
  }
  try {
    sendJson(res, 200, await run(input));
  } catch (error) {
    if (!(error instanceof DynamoProtocolError)) throw error;
    sendJson(res, error.status, error.toBody());
  }
}

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

/** Runs tasks one after the other, in arrival order. */
/**
 * Transactions run alone; every other request runs concurrently with the others (as DynamoDB serves them), but never
 * inside a transaction. A transaction waits for the requests already running, and requests that arrive meanwhile wait
 * for it, so it is atomic and isolated for every client of this endpoint.
 */
class TransactionGate {
  #lastExclusive: Promise<unknown> = Promise.resolve();
  readonly #running = new Set<Promise<unknown>>();

  shared<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#lastExclusive.then(task);
    const settled = result.catch(() => undefined);
    this.#running.add(settled);
    void settled.finally(() => this.#running.delete(settled));
    return result;
  }

  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = Promise.all([this.#lastExclusive, ...this.#running]).then(task);
    this.#lastExclusive = result.catch(() => undefined);
    this.#running.clear();
    return result;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
