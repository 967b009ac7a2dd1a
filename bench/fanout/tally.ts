/**
 * The subscribers' accounting of tagged messages (bench/fanout/subscribers-process.ts): per tag, which clients got it
 * and when; a wait answers once the first N clients all have it, or at its timeout with what came. Nothing that comes
 * after a wait is dropped from the account: a first copy to a client the wait timed out without is a straggler (late,
 * not lost), recorded with its time; any other copy of a finished tag counts as a copy after completion.
 */

export interface Arrivals {
  /** Distinct clients among the first `receivers` that got the tag. */
  received: number;
  /** Wall-clock ms of the first and of the last of those deliveries. */
  firstAt: number;
  lastAt: number;
  /** Copies beyond the first to the same client, and copies to clients outside the first `receivers`. */
  duplicates: number;
  outside: number;
  /** Indices (among the first `receivers`) of the clients without the tag when the wait timed out. */
  missing: number[];
}

/** A client the wait for a tag timed out without, and when (wall-clock ms) its first copy came after all, if it did. */
export interface Straggler {
  client: number;
  arrivedAt?: number;
}

/** What came after the waits had finished. */
export interface LateArrivals {
  /** First copies to clients their tag's wait had timed out without (late deliveries, not lost ones). */
  stragglers: number;
  /** Any other copy of a finished tag: to a client that already had it (QoS 1 redelivery, a retried fan-out task). */
  copiesAfterCompletion: number;
}

interface Waiter {
  receivers: number;
  received: number;
  firstAt: number;
  lastAt: number;
  done: () => void;
}

interface Tally {
  seen: Uint8Array;
  copies: number;
  firstAt: number;
  lastAt: number;
  waiter?: Waiter;
}

export class DeliveryTally {
  readonly #tallies = new Map<string, Tally>();
  /** Finished tags; for one whose wait timed out, its missing clients -> when their first copy came (0: not yet). */
  readonly #finished = new Map<string, Map<number, number> | undefined>();
  readonly #late: LateArrivals = { stragglers: 0, copiesAfterCompletion: 0 };

  /** `clients()`: how many clients there are now (a tag's record has one slot per client). */
  constructor(private readonly clients: () => number) {}

  get late(): LateArrivals {
    return { ...this.#late };
  }

  /** Client `index` got a copy of `tag` at `at` (wall-clock ms). */
  arrival(tag: string, index: number, at: number): void {
    if (this.#finished.has(tag)) {
      const missing = this.#finished.get(tag);
      if (missing?.get(index) === 0) {
        missing.set(index, at);
        this.#late.stragglers += 1;
      } else this.#late.copiesAfterCompletion += 1;
      return;
    }
    let tally = this.#tallies.get(tag);
    if (!tally) {
      tally = { seen: new Uint8Array(this.clients()), copies: 0, firstAt: at, lastAt: at };
      this.#tallies.set(tag, tally);
    }
    tally.copies += 1;
    const firstCopy = tally.seen[index] === 0;
    tally.seen[index] = 1;
    tally.lastAt = at;
    const w = tally.waiter;
    if (w && firstCopy && index < w.receivers) {
      w.received += 1;
      if (w.received === 1) w.firstAt = at;
      w.lastAt = at;
      if (w.received === w.receivers) w.done();
    }
  }

  /** Resolves when the first `receivers` clients all got `tag`, or after `timeoutMs` with what arrived. */
  wait(tag: string, receivers: number, timeoutMs: number): Promise<Arrivals> {
    return new Promise<Arrivals>((resolve) => {
      let tally = this.#tallies.get(tag);
      if (!tally) {
        tally = { seen: new Uint8Array(this.clients()), copies: 0, firstAt: 0, lastAt: 0 };
        this.#tallies.set(tag, tally);
      }
      const t = tally;
      // Deliveries that came before the wait (possible: it is asked for after the publish) count too.
      const w: Waiter = { receivers, received: 0, firstAt: Number.NaN, lastAt: Number.NaN, done: () => undefined };
      for (let i = 0; i < receivers; i += 1) if (t.seen[i] === 1) w.received += 1;
      if (w.received > 0) {
        w.firstAt = t.firstAt;
        w.lastAt = t.lastAt;
      }
      const finish = () => {
        clearTimeout(timer);
        this.#tallies.delete(tag);
        const missing: number[] = [];
        for (let i = 0; i < receivers; i += 1) if (t.seen[i] !== 1) missing.push(i);
        this.#finished.set(tag, missing.length === 0 ? undefined : new Map(missing.map((i) => [i, 0])));
        let distinct = 0;
        for (const s of t.seen) distinct += s;
        let outside = 0;
        for (let i = receivers; i < t.seen.length; i += 1) outside += t.seen[i]!;
        resolve({ received: w.received, firstAt: w.firstAt, lastAt: w.lastAt, duplicates: t.copies - distinct, outside, missing });
      };
      const timer = setTimeout(finish, timeoutMs);
      w.done = finish;
      t.waiter = w;
      if (w.received === receivers) finish();
    });
  }

  /** For each of `tags` whose wait timed out: each client it timed out without, and when its copy came since. */
  stragglers(tags: readonly string[]): Record<string, Straggler[]> {
    const out: Record<string, Straggler[]> = {};
    for (const tag of tags) {
      const missing = this.#finished.get(tag) ?? new Map<number, number>();
      out[tag] = [...missing].map(([client, at]) => (at === 0 ? { client } : { client, arrivedAt: at }));
    }
    return out;
  }
}
