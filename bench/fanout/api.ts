/** The local HTTP API as the benchmark calls it (as a browser or a script would), failing loudly on any surprise. */
import type { CredentialsResponse } from '../../core/contracts/http.js';

export class LocalApi {
  constructor(readonly url: string) {}

  async #call(method: string, path: string, expected: number, options: { token?: string; body?: unknown } = {}): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`${method} ${path} answered ${res.status} (expected ${expected}): ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }

  /** Local only: an app JWT for any valid user id. */
  async token(userId: string): Promise<string> {
    return ((await this.#call('POST', '/dev/token', 200, { body: { sub: userId } })) as { token: string }).token;
  }

  /**
   * Records the user in the directory, as the page does on its first load (the first call to the rooms function): an
   * invite names a user the directory knows.
   */
  async register(token: string): Promise<void> {
    await this.#call('GET', '/rooms?limit=1', 200, { token });
  }

  credentials(token: string): Promise<CredentialsResponse> {
    return this.#call('POST', '/credentials', 200, { token }) as Promise<CredentialsResponse>;
  }

  async createRoom(token: string, name: string): Promise<string> {
    return ((await this.#call('POST', '/rooms', 201, { token, body: { name } })) as { roomId: string }).roomId;
  }

  async addMember(ownerToken: string, roomId: string, userId: string): Promise<void> {
    await this.#call('PUT', `/rooms/${roomId}/members/${encodeURIComponent(userId)}`, 204, { token: ownerToken });
  }

  /** Every room of the caller, following nextCursor. */
  async roomCount(token: string): Promise<number> {
    let count = 0;
    let cursor: string | undefined;
    do {
      const page = (await this.#call('GET', `/rooms?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 200, { token })) as {
        rooms: unknown[];
        nextCursor?: string;
      };
      count += page.rooms.length;
      cursor = page.nextCursor;
    } while (cursor);
    return count;
  }

  async postMessage(token: string, roomId: string, text: string): Promise<void> {
    await this.#call('POST', `/rooms/${roomId}/messages`, 202, { token, body: { text } });
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight, results in order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next;
        next += 1;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}
