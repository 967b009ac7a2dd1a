import { paced } from '../aedes-persistence.js';

async function* items(n: number) {
  for (let i = 0; i < n; i += 1) yield i;
}

describe('paced replay of stored messages', () => {
  it('stops as soon as its client has closed, leaving the rest unread (still stored)', async () => {
    let closed = false;
    const seen: unknown[] = [];
    for await (const item of paced(items(5), 1000, () => closed)) {
      seen.push(item);
      if (seen.length === 2) closed = true;
    }
    expect(seen).toEqual([0, 1]);
  });

  it('yields every item at the given rate otherwise', async () => {
    const started = Date.now();
    const seen: unknown[] = [];
    for await (const item of paced(items(3), 50)) seen.push(item);
    expect(seen).toEqual([0, 1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });
});
