/**
 * The local stack's build cache on disk (node_modules/.cache/iot-realtime: git-ignored, and gone with `npm ci`): the
 * synthesized stack and its function bundles (deploy/synth-cache.ts) and the store thread's entry (store/store-thread.ts).
 * Entries are named by a hash of what they are built from, written under a temporary name and renamed, so concurrent
 * processes (test workers) never read half an entry.
 */
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CACHE_ROOT = fileURLToPath(new URL('../node_modules/.cache/iot-realtime/', import.meta.url));

/** Keeps the `keep` most recently written entries of a cache folder (files or folders; unfinished `.tmp` ones aside). */
export function pruneCacheFolder(folder: string, keep: number): void {
  if (!existsSync(folder)) return;
  const entries = readdirSync(folder)
    .filter((name) => !name.endsWith('.tmp'))
    .map((name) => ({ name, mtime: statSync(join(folder, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const stale of entries.slice(keep)) rmSync(join(folder, stale.name), { recursive: true, force: true });
}
