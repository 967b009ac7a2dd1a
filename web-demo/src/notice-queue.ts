/**
 * The page's notices, without DOM: what went wrong (errors) or right (info) with an action. Errors stay until the
 * user dismisses them; info notices go after `infoMs` (not while the user is reading them: `hold`). A notice equal to
 * one shown is counted on it, not added again; at most `keep` are kept (past it the oldest info goes first, then the
 * oldest error), and views show the newest `visible` with how many earlier ones there are.
 */
export type NoticeKind = 'error' | 'info';

export interface Notice {
  readonly id: number;
  readonly kind: NoticeKind;
  readonly text: string;
  /** How many times it was raised. */
  count: number;
}

export interface NoticeQueueOptions {
  infoMs?: number;
  keep?: number;
  visible?: number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export class NoticeQueue {
  #notices: Notice[] = [];
  #nextId = 1;
  readonly #timers = new Map<number, unknown>();
  #held = false;
  readonly #listeners = new Set<() => void>();
  readonly #infoMs: number;
  readonly #keep: number;
  readonly visible: number;
  readonly #setTimer: (run: () => void, ms: number) => unknown;
  readonly #clearTimer: (timer: unknown) => void;

  constructor(options: NoticeQueueOptions = {}) {
    this.#infoMs = options.infoMs ?? 8000;
    this.#keep = options.keep ?? 20;
    this.visible = options.visible ?? 3;
    this.#setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.#clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Every notice kept, oldest first. */
  all(): readonly Notice[] {
    return this.#notices;
  }

  /** Raises a notice; returns it (the one already shown, counted again, when it is the same). */
  add(kind: NoticeKind, text: string): Notice {
    const same = this.#notices.find((n) => n.kind === kind && n.text === text);
    if (same) {
      same.count += 1;
      // Raised again: it is news again, at the end, with its time to read restarted.
      this.#notices = [...this.#notices.filter((n) => n !== same), same];
      this.#schedule(same);
      this.#changed();
      return same;
    }
    const notice: Notice = { id: this.#nextId++, kind, text, count: 1 };
    this.#notices = [...this.#notices, notice];
    while (this.#notices.length > this.#keep) {
      const drop = this.#notices.find((n) => n.kind === 'info') ?? this.#notices[0]!;
      this.#forget(drop.id);
    }
    this.#schedule(notice);
    this.#changed();
    return notice;
  }

  dismiss(id: number): void {
    if (!this.#notices.some((n) => n.id === id)) return;
    this.#forget(id);
    this.#changed();
  }

  dismissAll(): void {
    if (this.#notices.length === 0) return;
    for (const notice of [...this.#notices]) this.#forget(notice.id);
    this.#changed();
  }

  /** While held (the pointer or focus is on the notices), info notices do not go; released, they get their time again. */
  hold(held: boolean): void {
    if (this.#held === held) return;
    this.#held = held;
    for (const notice of this.#notices) this.#schedule(notice);
  }

  #schedule(notice: Notice): void {
    const timer = this.#timers.get(notice.id);
    if (timer !== undefined) this.#clearTimer(timer);
    this.#timers.delete(notice.id);
    if (notice.kind !== 'info' || this.#held) return;
    this.#timers.set(
      notice.id,
      this.#setTimer(() => this.dismiss(notice.id), this.#infoMs),
    );
  }

  #forget(id: number): void {
    const timer = this.#timers.get(id);
    if (timer !== undefined) this.#clearTimer(timer);
    this.#timers.delete(id);
    this.#notices = this.#notices.filter((n) => n.id !== id);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
