import { claim, claimTabId, type LockManagerLike } from './locks.js';

/** Web Locks as the specification describes them for exclusive locks with ifAvailable and steal. */
class FakeLocks implements LockManagerLike {
  readonly held = new Map<string, { steal(): void; released: Promise<void> }>();

  request(name: string, options: { ifAvailable?: boolean; steal?: boolean }, callback: (lock: unknown) => unknown): Promise<unknown> {
    const current = this.held.get(name);
    if (current && !options.steal) return Promise.resolve(callback(null));
    current?.steal();
    return new Promise((resolve, reject) => {
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => {
        release = r;
      });
      const entry = { steal: () => reject(Object.assign(new Error('stolen'), { name: 'AbortError' })), released };
      this.held.set(name, entry);
      Promise.resolve(callback({ name })).then((value) => {
        if (this.held.get(name) === entry) this.held.delete(name);
        release();
        resolve(value);
      });
    });
  }
}

const memoryStorage = () => {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), items };
};

describe('claim', () => {
  it('holds a name until released; another tab gets undefined meanwhile', async () => {
    const locks = new FakeLocks();
    const first = await claim('realtime-client:x', { locks });
    expect(first?.name).toBe('realtime-client:x');
    expect(await claim('realtime-client:x', { locks })).toBeUndefined();
    first?.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(await claim('realtime-client:x', { locks })).toBeDefined();
  });

  it('lets another tab take the claim over openly, telling the one that held it', async () => {
    const locks = new FakeLocks();
    let lost = 0;
    await claim('realtime-client:id', { locks, onLost: () => (lost += 1) });
    const taken = await claim('realtime-client:id', { locks, steal: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(taken).toBeDefined();
    expect(lost).toBe(1);
  });

  it('always succeeds without Web Locks', async () => {
    const noLocks = { locks: undefined };
    expect(await claim('x', noLocks)).toBeDefined();
    expect(await claim('x', noLocks)).toBeDefined();
  });
});

describe('claimTabId', () => {
  it('keeps the id sessionStorage has (a reload), and gives a duplicated tab (same sessionStorage copy) a new one', async () => {
    const locks = new FakeLocks();
    const storage = memoryStorage();
    const ids = ['first', 'second'];
    const newId = () => ids.shift() ?? 'none';
    const tab = await claimTabId({ locks, storage, newId });
    expect(tab.id).toBe('first');
    expect(storage.items.get('realtime-tab-id')).toBe('first');

    // A duplicate: the browser copied sessionStorage, the first tab still holds its id.
    const copy = memoryStorage();
    copy.setItem('realtime-tab-id', 'first');
    const duplicate = await claimTabId({ locks, storage: copy, newId });
    expect(duplicate.id).toBe('second');
    expect(copy.items.get('realtime-tab-id')).toBe('second');

    // The first tab reloads: its claim went with the old page, and it keeps its id.
    tab.claim.release();
    await new Promise((r) => setTimeout(r, 0));
    expect((await claimTabId({ locks, storage, newId })).id).toBe('first');
  });

  it('draws ids in the client id alphabet', async () => {
    const { id } = await claimTabId({ locks: undefined, storage: memoryStorage() });
    expect(id).toMatch(/^[0-9a-z]{10}$/);
  });
});
