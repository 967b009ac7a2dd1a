/**
 * One execution environment of a function: a worker thread with the function's own environment variables, memory
 * and code, running one invocation at a time, as a Lambda execution environment does ("Understanding the Lambda
 * execution environment lifecycle"):
 * - Init (a cold start) loads the code; an init that fails or takes longer than 10 s fails the invocation that
 *   started it and the environment is discarded ("the Init phase is limited to 10 seconds").
 * - An invocation that runs past the function's timeout is stopped: the worker is terminated, the caller gets
 *   "Task timed out after N seconds", and the next invocation starts a new environment.
 * - Memory: the worker's V8 heap is capped at the function's MemorySize; going over it ends the environment
 *   (Runtime.ExitError), as Lambda ends one that exceeds its memory.
 * Module state therefore lives per environment, never shared between functions or with the emulator, and a function
 * that blocks its event loop blocks only its own worker.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import type { BootstrapData, FromRuntime, ToRuntime } from './bootstrap.js';

export interface EnvironmentSpec {
  bootstrap: URL;
  data: BootstrapData;
  /** Every environment variable the function sees, reserved ones included. */
  env: Record<string, string>;
  memoryMb: number;
  timeoutSeconds: number;
  /** Each line the function writes (stdout and stderr), with the request it ran for, as CloudWatch Logs gets it. */
  onLogLine(line: string, requestId: string | undefined): void;
}

export type InvocationOutcome =
  | { kind: 'ok'; payload: string; initDurationMs?: number }
  | { kind: 'function-error'; errorType: string; errorMessage: string; trace: string[]; initDurationMs?: number };

type ExitMessage = { kind: 'exit'; reason: string; outOfMemory: boolean };

/** Lambda: "the Init phase is limited to 10 seconds" for on-demand functions. */
const INIT_TIMEOUT_MS = 10_000;

export class ExecutionEnvironment {
  readonly id = randomUUID();
  readonly createdAt = Date.now();
  lastUsedAt = Date.now();
  #busy = false;
  #dead = false;
  #pending: ((message: FromRuntime | ExitMessage) => void) | undefined;
  readonly #worker: Worker;
  readonly #ready: Promise<number>;

  private constructor(private readonly spec: EnvironmentSpec) {
    // Output reaches this thread on its own stream, after the result message at times: the runtime marks where each
    // invocation's output starts and ends in the streams themselves, so every line is attributed to its request.
    const logMarker = `\u0000lambda-request-${randomUUID()}`;
    this.#worker = new Worker(spec.bootstrap, {
      workerData: { ...spec.data, logMarker } satisfies BootstrapData,
      env: spec.env,
      stdout: true,
      stderr: true,
      // Source maps as NODE_OPTIONS=--enable-source-maps asks (workers do not read NODE_OPTIONS themselves).
      execArgv: (spec.env.NODE_OPTIONS ?? '').split(/\s+/).filter((flag) => flag === '--enable-source-maps'),
      resourceLimits: { maxOldGenerationSizeMb: spec.memoryMb },
    });
    for (const stream of [this.#worker.stdout, this.#worker.stderr]) {
      let request: string | undefined;
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        if (line.startsWith(`${logMarker} `)) {
          const id = line.slice(logMarker.length + 1);
          request = id === '-' ? undefined : id;
          return;
        }
        spec.onLogLine(line, request);
      });
    }
    this.#worker.on('message', (message: FromRuntime) => this.#pending?.(message));
    // Over its heap limit the worker ends with ERR_WORKER_OUT_OF_MEMORY: Lambda's Runtime.OutOfMemory. An exit is
    // reported as Lambda words it ("Runtime exited with error: exit status 1", Runtime.ExitError).
    this.#worker.on('error', (error) => this.#die(`${error.name}: ${error.message}`, (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'));
    this.#worker.on('exit', (code) => this.#die(`Runtime exited with error: exit status ${code}`, false));
    const started = performance.now();
    this.#ready = this.#next(INIT_TIMEOUT_MS).then((message) => {
      if (message.kind === 'ready') return performance.now() - started;
      this.terminate();
      if (message.kind === 'init-error') throw new InitError(message.errorType, message.errorMessage, message.trace);
      if (message.kind === 'exit') throw new InitError('Runtime.ExitError', message.reason, []);
      if (message.kind === 'timeout') throw new InitError('Runtime.InitTimeout', `the Init phase took longer than ${INIT_TIMEOUT_MS / 1000} seconds`, []);
      throw new InitError('Runtime.Unknown', `unexpected message ${message.kind} during init`, []);
    });
    // A failed init is reported to the invocation that waits on it; never an unhandled rejection.
    this.#ready.catch(() => undefined);
  }

  /** Starts a worker and its init; `invoke` waits for the init to finish. */
  static start(spec: EnvironmentSpec): ExecutionEnvironment {
    return new ExecutionEnvironment(spec);
  }

  get busy(): boolean {
    return this.#busy;
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** Runs one invocation; throws InitError (init failed) or InvocationTimeoutError / EnvironmentCrashError. */
  async invoke(payload: string, requestId: string, coldStart: boolean): Promise<InvocationOutcome> {
    if (this.#busy) throw new Error('an execution environment runs one invocation at a time');
    this.#busy = true;
    try {
      const initDurationMs = await this.#ready;
      const timeoutMs = this.spec.timeoutSeconds * 1000;
      const deadline = Date.now() + timeoutMs;
      this.#worker.postMessage({ kind: 'invoke', requestId, deadline, payload } satisfies ToRuntime);
      const message = await this.#next(timeoutMs);
      const init = coldStart ? { initDurationMs } : {};
      if (message.kind === 'result' && message.requestId === requestId) return { kind: 'ok', payload: message.payload, ...init };
      if (message.kind === 'error' && message.requestId === requestId)
        return { kind: 'function-error', errorType: message.errorType, errorMessage: message.errorMessage, trace: message.trace, ...init };
      if (message.kind === 'timeout') {
        this.terminate();
        throw new InvocationTimeoutError(this.spec.timeoutSeconds);
      }
      this.terminate();
      if (message.kind === 'exit') throw new EnvironmentCrashError(message.reason, message.outOfMemory);
      throw new EnvironmentCrashError(`unexpected message ${message.kind}`, false);
    } finally {
      this.#busy = false;
      this.lastUsedAt = Date.now();
    }
  }

  terminate(): void {
    if (this.#dead) return;
    this.#dead = true;
    void this.#worker.terminate();
  }

  #next(timeoutMs: number): Promise<FromRuntime | ExitMessage | { kind: 'timeout' }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.#pending = (message) => {
        clearTimeout(timer);
        this.#pending = undefined;
        resolve(message);
      };
    });
  }

  #die(reason: string, outOfMemory: boolean): void {
    this.#dead = true;
    this.#pending?.({ kind: 'exit', reason, outOfMemory });
  }
}

export class InitError extends Error {
  override readonly name = 'InitError';
  constructor(
    readonly errorType: string,
    message: string,
    readonly trace: string[],
  ) {
    super(message);
  }
}

export class InvocationTimeoutError extends Error {
  override readonly name = 'InvocationTimeoutError';
  constructor(readonly timeoutSeconds: number) {
    super(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`);
  }
}

/** The environment ended during an invocation; `outOfMemory` when it went over its MemorySize. */
export class EnvironmentCrashError extends Error {
  override readonly name = 'EnvironmentCrashError';
  constructor(
    message: string,
    readonly outOfMemory: boolean,
  ) {
    super(message);
  }
}
