/**
 * A JSON file that state is saved to after it changes: written to a temporary file and renamed over the old one (a
 * crash leaves the old file or the new one, never half of one), owner-only (it may hold secrets), and debounced: a
 * burst of changes is one write, and the pause between writes grows with how long a write takes, so writing costs at
 * most a few percent of the time however large the state grows. `flush()` writes now (on close).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SavedJsonFileOptions {
  /** The first write after a change waits this long for more changes (default 1000 ms). */
  delayMs?: number;
  /** Called when a write fails (the state stays in memory and is written at the next change). */
  onError?: (error: unknown) => void;
}

/** Writes take at most 1/20 of the time: the pause after a write is at least 20 times its duration. */
const PAUSE_PER_WRITE_MS = 20;

export class SavedJsonFile<T> {
  #timer: NodeJS.Timeout | undefined;
  #dirty = false;
  #lastWriteMs = 0;

  constructor(
    readonly path: string,
    /** The state to write, read at the moment of writing. */
    private readonly snapshot: () => T,
    private readonly options: SavedJsonFileOptions = {},
  ) {}

  /** The parsed content, or undefined when the file does not exist. A file that is not JSON is an error naming it. */
  static read(path: string): unknown {
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}); delete it to start afresh`);
    }
  }

  /** The state changed: it will be written soon. */
  changed(): void {
    this.#dirty = true;
    if (this.#timer !== undefined) return;
    const delay = Math.max(this.options.delayMs ?? 1000, this.#lastWriteMs * PAUSE_PER_WRITE_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#write();
    }, delay);
    this.#timer.unref();
  }

  /** Writes now if anything changed (and cancels the pending write). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#dirty) this.#write();
  }

  #write(): void {
    const started = performance.now();
    this.#dirty = false;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(this.snapshot()), { mode: 0o600 });
      renameSync(temporary, this.path);
    } catch (error) {
      this.#dirty = true;
      this.options.onError?.(error);
    }
    this.#lastWriteMs = performance.now() - started;
  }
}
