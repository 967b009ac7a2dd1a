/**
 * Worker-thread entry (srp-pool.ts bundles it with esbuild and starts it): runs one SRP job per message and answers
 * `{ id, ok, value }` or `{ id, ok: false, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { runSrpJob, type SrpJob } from './srp-jobs.js';

const port = parentPort;
if (port === null) throw new Error('srp-worker.ts runs in a worker thread only');
port.on('message', (message: { id: number; job: SrpJob }) => {
  try {
    port.postMessage({ id: message.id, ok: true, value: runSrpJob(message.job) });
  } catch (error) {
    port.postMessage({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
