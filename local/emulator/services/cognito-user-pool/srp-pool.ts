/**
 * A small pool of worker threads for the SRP math (srp-jobs.ts), with a bounded queue: an unauthenticated caller
 * must not be able to starve the one event loop that serves the broker, STS, DynamoDB and the API (issue 20). When
 * every worker is busy and the queue is full, a new job is refused at once (SrpPoolBusyError, which the service
 * answers as Cognito's throttling error) instead of waiting and slowing everyone.
 *
 * The worker runs the same TypeScript as the main thread: srp-worker.ts is bundled once per process with esbuild
 * (already installed for tsx and vite; about 40 ms) and started from memory (`eval`), because a worker thread gets
 * neither tsx's loader nor jest's transform. One implementation, no copy of the math.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { buildSync } from 'esbuild';
import type { SrpJob, SrpResults } from './srp-jobs.js';

export class SrpPoolBusyError extends Error {
  constructor() {
    super('every SRP worker is busy and the queue is full');
    this.name = 'SrpPoolBusyError';
  }
}

export interface SrpPoolOptions {
  /** Worker threads (at least 1). */
  workers: number;
  /** Jobs that may wait for a worker; one more is refused. */
  maxQueued: number;
}

/**
 * One worker beside the main thread on a 2-core machine (two would leave the event loop competing with both for the
 * cores), two on larger ones; 8 waiting jobs, about 0.2 s of work for one worker at ~25 ms per SRP step.
 */
export const DEFAULT_SRP_POOL: SrpPoolOptions = { workers: Math.max(1, Math.min(2, availableParallelism() - 1)), maxQueued: 8 };

interface Task {
  id: number;
  job: SrpJob;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

let bundledSource: string | undefined;

/** The worker's code: srp-worker.ts (or .js when running compiled) and what it imports, as one CommonJS script. */
function workerSource(): string {
  if (bundledSource !== undefined) return bundledSource;
  const ts = fileURLToPath(new URL('./srp-worker.ts', import.meta.url));
  const entry = existsSync(ts) ? ts : fileURLToPath(new URL('./srp-worker.js', import.meta.url));
  const built = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
  const file = built.outputFiles[0];
  if (file === undefined) throw new Error(`esbuild produced nothing for ${entry}`);
  bundledSource = file.text;
  return bundledSource;
}

export class SrpWorkerPool {
  readonly #slots: Slot[] = [];
  readonly #queue: Task[] = [];
  #nextId = 1;
  #closed = false;

  constructor(readonly options: SrpPoolOptions = DEFAULT_SRP_POOL) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new Error('an SRP pool needs at least one worker');
    if (!Number.isInteger(options.maxQueued) || options.maxQueued < 0) throw new Error('maxQueued must be a non-negative integer');
  }

  /** Runs a job on a worker; rejects with SrpPoolBusyError at once when the pool is saturated. */
  run<J extends SrpJob>(job: J): Promise<SrpResults[J['kind']]> {
    if (this.#closed) return Promise.reject(new Error('the SRP worker pool is closed'));
    const idle = this.#idleSlot();
    if (idle === undefined && this.#queue.length >= this.options.maxQueued) return Promise.reject(new SrpPoolBusyError());
    return new Promise<SrpResults[J['kind']]>((resolve, reject) => {
      const task: Task = { id: this.#nextId++, job, resolve: resolve as (value: unknown) => void, reject };
      if (idle === undefined) this.#queue.push(task);
      else this.#start(idle, task);
    });
  }

  /** Jobs waiting for a worker now. */
  get queued(): number {
    return this.#queue.length;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const task of this.#queue.splice(0)) task.reject(new Error('the SRP worker pool is closed'));
    await Promise.all(this.#slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  #idleSlot(): Slot | undefined {
    const idle = this.#slots.find((slot) => slot.task === undefined);
    if (idle !== undefined || this.#slots.length >= this.options.workers) return idle;
    const slot: Slot = { worker: new Worker(workerSource(), { eval: true }), task: undefined };
    // Idle workers must not keep the process (or a test run) alive.
    slot.worker.unref();
    slot.worker.on('message', (message: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const task = slot.task;
      if (task === undefined || task.id !== message.id) return;
      slot.task = undefined;
      if (message.ok) task.resolve(message.value);
      else task.reject(new Error(`SRP job ${task.job.kind} failed: ${message.error}`));
      this.#next(slot);
    });
    const lost = (why: string) => {
      const index = this.#slots.indexOf(slot);
      if (index >= 0) this.#slots.splice(index, 1);
      slot.task?.reject(new Error(`the SRP worker stopped (${why})`));
      slot.task = undefined;
      // Work that was waiting gets a fresh worker.
      const waiting = this.#queue.shift();
      if (waiting !== undefined && !this.#closed) {
        const fresh = this.#idleSlot();
        if (fresh === undefined) this.#queue.unshift(waiting);
        else this.#start(fresh, waiting);
      }
    };
    slot.worker.on('error', (error) => lost(error.message));
    slot.worker.on('exit', (code) => lost(`exit code ${code}`));
    this.#slots.push(slot);
    return slot;
  }

  #start(slot: Slot, task: Task): void {
    slot.task = task;
    // A busy worker keeps the process alive until it answers; an idle one does not.
    slot.worker.ref();
    slot.worker.postMessage({ id: task.id, job: task.job });
  }

  #next(slot: Slot): void {
    const task = this.#queue.shift();
    if (task === undefined) {
      slot.worker.unref();
      return;
    }
    this.#start(slot, task);
  }
}
