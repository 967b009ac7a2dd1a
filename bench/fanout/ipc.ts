/**
 * Typed request/response over a forked child's IPC channel, so the benchmark can drive the stack process and the
 * subscribers' process (each on its own core) without adding HTTP endpoints to either. Each request carries an id
 * and the answer names it, so requests may overlap (a long `wait` while other calls go through).
 */
import { type ChildProcess, fork } from 'node:child_process';

/** Command name -> its arguments and its result. */
export type Protocol = Record<string, { args: unknown; result: unknown }>;

interface Request {
  id: number;
  command: string;
  args: unknown;
}
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
type Ready = { ready: true; info: unknown };

export class IpcChild<P extends Protocol, Info> {
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    readonly process: ChildProcess,
    readonly info: Info,
  ) {
    process.on('message', (m: Reply) => {
      const waiter = this.#pending.get(m.id);
      if (!waiter) return;
      this.#pending.delete(m.id);
      if (m.ok) waiter.resolve(m.value);
      else waiter.reject(new Error(m.error));
    });
    process.once('exit', (code, signal) => {
      for (const w of this.#pending.values()) w.reject(new Error(`child exited (${code ?? signal}) with requests pending`));
      this.#pending.clear();
    });
  }

  /** Forks `modulePath` under tsx and waits for its `ready` message (what it started, e.g. URLs). */
  static async start<P extends Protocol, Info>(
    modulePath: string,
    options: { execArgv?: string[]; env?: NodeJS.ProcessEnv; startTimeoutMs: number },
  ): Promise<IpcChild<P, Info>> {
    const child = fork(modulePath, {
      execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
      env: options.env ?? process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const info = await new Promise<Info>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${modulePath} did not start within ${options.startTimeoutMs} ms`));
      }, options.startTimeoutMs);
      child.once('message', (m: Ready) => {
        clearTimeout(timer);
        resolve(m.info as Info);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${modulePath} exited with ${code} before it was ready`));
      });
    });
    return new IpcChild<P, Info>(child, info);
  }

  call<K extends keyof P & string>(command: K, args: P[K]['args']): Promise<P[K]['result']> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ id, command, args } satisfies Request);
    });
  }

  /** Asks the child to stop by itself (so --cpu-prof can write its profile), SIGKILL if it has not within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    this.process.send({ id: 0, command: '__shutdown', args: null } satisfies Request);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The child's side: announces `info` once ready, answers each request with its handler's result, and on
 * `__shutdown` runs `shutdown` then exits.
 */
export function serveIpc<P extends Protocol>(
  info: unknown,
  handlers: { [K in keyof P]: (args: P[K]['args']) => Promise<P[K]['result']> },
  shutdown: () => Promise<void>,
): void {
  if (!process.send) throw new Error('this module runs as a forked child of bench/fanout.ts (it needs an IPC channel)');
  const send = process.send.bind(process);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void shutdown().finally(() => process.exit(0));
  };
  process.on('message', (m: Request) => {
    if (m.command === '__shutdown') return stop();
    const handler = (handlers as Record<string, ((args: unknown) => Promise<unknown>) | undefined>)[m.command];
    if (!handler) {
      send({ id: m.id, ok: false, error: `unknown command ${m.command}` } satisfies Reply);
      return;
    }
    handler(m.args).then(
      (value) => send({ id: m.id, ok: true, value } satisfies Reply),
      (error: unknown) => send({ id: m.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies Reply),
    );
  });
  // The parent went away (crash, Ctrl-C): do not linger holding ports and sockets.
  process.on('disconnect', stop);
  send({ ready: true, info } satisfies Ready);
}
