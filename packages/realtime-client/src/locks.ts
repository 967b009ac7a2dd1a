/**
 * Claims among the tabs of one browser, with the Web Locks API (one origin, all its tabs): a claim is held until the
 * tab closes, reloads or releases it. Used for a per-tab client id suffix that no other open tab uses, and for
 * connections whose client id is fixed (a Cognito identity id): one tab holds it, another may take it over openly
 * (`steal`) and the first is told, instead of the two taking each other's connection over at the broker.
 * Without Web Locks (old browsers, insecure contexts) every claim succeeds and nothing is detected.
 */

/** The part of the Web Locks API used here (navigator.locks). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: boolean; steal?: boolean }, callback: (lock: unknown) => Promise<unknown> | unknown): Promise<unknown>;
}

export interface Claim {
  readonly name: string;
  release(): void;
}

export interface ClaimOptions {
  /** Take the claim from the tab that holds it (that tab's `onLost` is called). */
  steal?: boolean;
  /** Called once if another tab steals the claim. */
  onLost?: () => void;
  locks?: LockManagerLike | undefined;
}

const browserLocks = (): LockManagerLike | undefined => (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;

/** Claims `name`; undefined when another tab holds it (and `steal` was not asked). */
export function claim(name: string, options: ClaimOptions = {}): Promise<Claim | undefined> {
  const locks = options.locks ?? browserLocks();
  if (!locks) return Promise.resolve({ name, release: () => undefined });
  return new Promise((resolve, reject) => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const request = options.steal ? { steal: true } : { ifAvailable: true };
    locks
      .request(name, request, (lock) => {
        if (lock === null) {
          resolve(undefined);
          return undefined;
        }
        resolve({ name, release });
        return held; // held until released, or the tab goes away
      })
      .catch((error: unknown) => {
        // A stolen lock rejects the holder's request with an AbortError.
        if (error instanceof Error && error.name === 'AbortError') options.onLost?.();
        else reject(error);
      });
  });
}

export interface TabIdOptions {
  storage?: Pick<Storage, 'getItem' | 'setItem'> | undefined;
  locks?: LockManagerLike | undefined;
  /** The sessionStorage key (default `realtime-tab-id`). */
  key?: string;
  newId?: () => string;
}

/** 10 characters of [0-9a-z]: fits the client id alphabet, and 36^10 makes two tabs drawing the same one unlikely. */
export function randomTabId(): string {
  const bytes = new Uint8Array(10);
  globalThis.crypto.getRandomValues(bytes);
  return [...bytes].map((b) => (b % 36).toString(36)).join('');
}

/**
 * This tab's id: the one sessionStorage kept (a reload keeps it, and with it the persistent session), unless another
 * open tab holds it (a duplicated tab: browsers copy sessionStorage), then a new one. Held until the tab goes away.
 */
export async function claimTabId(options: TabIdOptions = {}): Promise<{ id: string; claim: Claim }> {
  const storage = options.storage ?? (globalThis as { sessionStorage?: Storage }).sessionStorage;
  const key = options.key ?? 'realtime-tab-id';
  const newId = options.newId ?? randomTabId;
  const stored = storage?.getItem(key) ?? undefined;
  for (let tries = 0; tries < 5; tries += 1) {
    const id = tries === 0 && stored ? stored : newId();
    const held = await claim(`realtime-tab:${id}`, { locks: options.locks });
    if (held) {
      storage?.setItem(key, id);
      return { id, claim: held };
    }
  }
  throw new Error('could not find a tab id that no other tab holds');
}
