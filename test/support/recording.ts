/** Recording stand-ins for the publish, queue and store ports of handler and core unit tests. */
import type { FanoutTask } from '../../core/contracts/fanout.js';
import { PublishFailedError } from '../../functions/shared/errors.js';
import type { FanoutQueue, Publisher, RateLimiter } from '../../functions/shared/ports.js';

export interface Published {
  topic: string;
  payload: unknown;
  qos: number;
}

/** Records every publish; publishes to the inboxes of `failFor` fail as throttled. */
export function recordingPublisher(failFor: ReadonlySet<string> = new Set()): Publisher & { published: Published[]; to(userId: string): unknown[] } {
  const published: Published[] = [];
  return {
    published,
    to: (userId) => published.filter((p) => p.topic.includes(`/users/${userId}/`)).map((p) => p.payload),
    async publish(topic, payload, qos) {
      if ([...failFor].some((u) => topic.includes(`/users/${u}/`))) throw new PublishFailedError('throttled', true);
      published.push({ topic, payload, qos });
    },
  };
}

export function recordingQueue(): FanoutQueue & { tasks: FanoutTask[] } {
  const tasks: FanoutTask[] = [];
  return { tasks, send: async (t) => void tasks.push(...t) };
}

/**
 * Records the calls made to some objects (store, rate limiter) and to a publisher, in order, so a test can count how
 * many store round trips happened one after the other before the first publish: a call depends on every call that
 * had finished when it started, and the longest such chain is the number of sequential round trips.
 */
export class RoundTripRecorder {
  #tick = 0;
  readonly calls: Array<{ name: string; start: number; end: number }> = [];
  firstPublishAt = Number.POSITIVE_INFINITY;

  wrap<T extends object>(target: T, label: string): T {
    return new Proxy(target, {
      get: (object, property, receiver) => {
        const value = Reflect.get(object, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const call = { name: `${label}.${String(property)}`, start: this.#tick++, end: Number.POSITIVE_INFINITY };
          this.calls.push(call);
          return Promise.resolve((value as (...a: unknown[]) => unknown).apply(object, args)).finally(() => {
            call.end = this.#tick++;
          });
        };
      },
    });
  }

  publisher(inner: Publisher): Publisher {
    return {
      publish: async (topic, payload, qos) => {
        this.firstPublishAt = Math.min(this.firstPublishAt, this.#tick++);
        return inner.publish(topic, payload, qos);
      },
    };
  }

  rateLimiter(inner: RateLimiter): RateLimiter {
    return this.wrap(inner, 'rateLimiter');
  }

  /** The longest chain of calls that started before the first publish, each after the previous one ended. */
  sequentialBeforePublish(): { depth: number; chain: string[] } {
    const before = this.calls.filter((c) => c.start < this.firstPublishAt);
    const depth = new Map<(typeof before)[number], { depth: number; chain: string[] }>();
    for (const call of [...before].sort((a, b) => a.start - b.start)) {
      const previous = before.filter((p) => p.end < call.start).map((p) => depth.get(p)!);
      const longest = previous.sort((a, b) => b.depth - a.depth)[0] ?? { depth: 0, chain: [] };
      depth.set(call, { depth: longest.depth + 1, chain: [...longest.chain, call.name] });
    }
    return [...depth.values()].sort((a, b) => b.depth - a.depth)[0] ?? { depth: 0, chain: [] };
  }
}

/** The error a promise rejects with (a test failure if it resolves), typed for assertions on its fields. */
export async function rejectionOf<E extends Error = Error>(promise: Promise<unknown>): Promise<E> {
  return promise.then(
    () => {
      throw new Error('expected a rejection, but the promise resolved');
    },
    (error: unknown) => error as E,
  );
}
