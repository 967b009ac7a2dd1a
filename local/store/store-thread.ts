/**
 * Runs the local DynamoDB (server.ts) on a worker thread of its own: the emulator forwards DynamoDB requests to its URL
 * as before, but dynalite's CPU (parsing, conditions, LevelDB) runs beside the emulator's loop instead of on it, so the
 * stack uses the machine's second core and a slow store operation does not hold up IoT Core or the HTTP API.
 *
 * A worker thread gets no TypeScript loader: the worker's entry (store-worker.ts) is bundled once per process with
 * esbuild (packages left to node_modules) into node_modules/.cache, where its package imports resolve as they do here.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import { CACHE_ROOT, pruneCacheFolder } from '../cache.js';
import type { LocalDynamoDbOptions, RunningLocalDynamoDb } from './server.js';
import type { FromStoreThread, ToStoreThread } from './store-worker.js';

export interface StoreThreadOptions {
  /** Folder of the data; in memory when absent. */
  path?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** How often, and how much, expired items are deleted (time-to-live.ts). */
  ttlSweep?: { intervalMs?: number; itemsPerTick?: number };
  /** The thread failed after it started (an uncaught error in the store); requests to it fail from then on. */
  onError?: (error: Error) => void;
}

/** A thread that does not answer within this time is not a store that will: its start fails. */
const START_TIMEOUT_MS = 30_000;
/** Bundles kept in the cache folder (one per version of the store's sources). */
const KEEP_BUNDLES = 8;

export async function startLocalDynamoDbThread(options: StoreThreadOptions = {}): Promise<RunningLocalDynamoDb> {
  const workerData: LocalDynamoDbOptions = {
    ...(options.path !== undefined ? { path: options.path } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.ttlSweep ? { ttlSweep: { ...options.ttlSweep } } : {}),
  };
  const worker = new Worker(storeWorkerUrl(), { workerData });
  const ready = new Promise<{ url: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local DynamoDB thread did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    worker.once('message', (message: FromStoreThread) => {
      clearTimeout(timer);
      if (message.kind === 'ready') return resolve({ url: message.url, port: message.port });
      const error = new Error(message.kind === 'failed' ? message.message : `unexpected message ${message.kind} from the local DynamoDB thread`);
      if (message.kind === 'failed' && message.code) Object.assign(error, { code: message.code });
      reject(error);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the local DynamoDB thread exited with ${code} before it started`));
    });
  });
  let address: { url: string; port: number };
  try {
    address = await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  let exited = false;
  worker.once('exit', () => (exited = true));
  worker.on('error', (error) => {
    if (options.onError) options.onError(error);
    else process.stderr.write(`local DynamoDB: the store's thread failed: ${error.stack ?? error.message}\n`);
  });

  let closing: Promise<void> | undefined;
  return {
    url: address.url,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        // A thread that ended already (it failed) has nothing left to close.
        if (exited) return resolve();
        const ended = () => resolve();
        worker.once('exit', ended);
        worker.on('message', (message: FromStoreThread) => {
          if (message.kind !== 'closed' && message.kind !== 'close-failed') return;
          worker.off('exit', ended);
          const error = message.kind === 'close-failed' ? new Error(`the local DynamoDB did not close cleanly: ${message.message}`) : undefined;
          worker.terminate().then(() => (error ? reject(error) : resolve()), reject);
        });
        worker.postMessage({ kind: 'close' } satisfies ToStoreThread);
      });
      return closing;
    },
  };
}

let bundled: URL | undefined;

/** The worker's entry as a module file beside node_modules, built once per process and reused while its code is the same. */
function storeWorkerUrl(): URL {
  if (bundled) return bundled;
  const entry = fileURLToPath(new URL('./store-worker.ts', import.meta.url));
  const { outputFiles } = buildSync({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  const code = outputFiles[0]!.text;
  const dir = join(CACHE_ROOT, 'store-thread');
  const file = join(dir, `${createHash('sha256').update(code).digest('hex').slice(0, 24)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    // Written whole, then renamed: a concurrent process (a test worker) never loads half a file.
    const staging = `${file}.${process.pid}.${Date.now()}.tmp`;
    try {
      writeFileSync(staging, code);
      renameSync(staging, file);
    } finally {
      rmSync(staging, { force: true });
    }
    pruneCacheFolder(dir, KEEP_BUNDLES);
  }
  bundled = pathToFileURL(file);
  return bundled;
}
