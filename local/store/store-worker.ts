/**
 * The local DynamoDB on a thread of its own (started by store-thread.ts): the server of server.ts with the options it
 * was handed, so dynalite's work (and LevelDB's) never runs on the emulator's event loop. It answers on its URL as when
 * it runs on the caller's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type LocalDynamoDbOptions, startLocalDynamoDb } from './server.js';

export type ToStoreThread = { kind: 'close' };
export type FromStoreThread =
  | { kind: 'ready'; url: string; port: number }
  | { kind: 'failed'; message: string; code?: string }
  | { kind: 'closed' }
  | { kind: 'close-failed'; message: string };

const port = parentPort!;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

try {
  const store = await startLocalDynamoDb(workerData as LocalDynamoDbOptions);
  port.on('message', (request: ToStoreThread) => {
    if (request.kind !== 'close') return;
    store.close().then(
      () => port.postMessage({ kind: 'closed' } satisfies FromStoreThread),
      (error: unknown) => port.postMessage({ kind: 'close-failed', message: message(error) } satisfies FromStoreThread),
    );
  });
  port.postMessage({ kind: 'ready', url: store.url, port: store.port } satisfies FromStoreThread);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  port.postMessage({ kind: 'failed', message: message(error), ...(code ? { code } : {}) } satisfies FromStoreThread);
}
