/**
 * The local DynamoDB server: dynalite (LevelDB in a folder, or in memory) behind a small front on 127.0.0.1 that adds
 * what dynalite 4 lacks: TransactWriteItems (transact-write.ts) and TransactGetItems (transact-get.ts), each run alone
 * (other requests run concurrently, but never inside one), so a transaction is atomic and isolated for every client
 * of this endpoint; UpdateTimeToLive, DescribeTimeToLive and the deletion of expired items (time-to-live.ts); and
 * tables' TableId as the UUID DynamoDB gives (dynalite's has a 8-character last group). Everything else is forwarded
 * to dynalite unchanged, in-process (wire.ts, dynaliteInProcess: no second HTTP hop). Point SDK clients (or the
 * emulator, which adds SigV4 and IAM) at `url`. It runs on the thread that starts it; store-thread.ts runs it on a
 * thread of its own.
 *
 * Still missing, and not emulated here: PartiQL, streams, backups.
 */

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { TimeToLive, type TtlSweepOptions } from './time-to-live.js';
import { transactGetItems } from './transact-get.js';
import { transactWriteItems } from './transact-write.js';
import { DynaliteConnection, DynamoProtocolError, dynaliteInProcess } from './wire.js';

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
  // The engine is reached in-process (no socket between the front and dynalite); it still listens on a port of its own
  // because dynalite closes its database only through the server's close().
  await listen(engine, 0);
  const connection = new DynaliteConnection(dynaliteInProcess(engine));
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
