/**
 * The local stage's synthesized stack, built as `npm run synth` builds any stage (the same bundles, the same
 * RealtimeStack) and cached by content: the functions' bundles by a hash of the sources they may include, the stack
 * by a hash of its configuration, the bundles and the infra sources. `npm start` with nothing changed reuses both and
 * takes no time here; a change rebuilds only what it affects. Entries are written to a temporary folder and renamed,
 * so concurrent test workers never read half an entry.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildFunctions, REPO_ROOT } from '../../infra/build-functions.js';
import type { InfraConfig } from '../../infra/config.js';
import { synthesizeStack } from '../../infra/synth.js';
import { CACHE_ROOT, pruneCacheFolder } from '../cache.js';

/** Sources a function bundle may include, and what else decides the stack's JSON. */
const BUNDLE_INPUTS = ['core', 'functions', 'packages/realtime-server/src', 'package-lock.json', 'infra/build-functions.ts'];
const STACK_INPUTS = ['infra'];
/** Entries kept per kind: enough for the configurations the tests and benches use, bounded on disk. */
const KEEP_ENTRIES = 24;

export interface CachedSynth {
  stackName: string;
  stackDir: string;
  /** Whether this call built anything (false: both came from the cache). */
  built: { bundles: boolean; stack: boolean };
}

export async function synthesizeCached(config: Omit<InfraConfig, 'functionsDir'>): Promise<CachedSynth> {
  const bundlesKey = hashInputs(BUNDLE_INPUTS);
  const bundlesDir = join(CACHE_ROOT, 'functions', bundlesKey);
  const bundlesBuilt = await ensure(bundlesDir, async (staging) => {
    await buildFunctions(staging);
  });
  const stackName = `${config.app}-${config.stage}`;
  const stackKey = createHash('sha256').update(JSON.stringify(config)).update(bundlesKey).update(hashInputs(STACK_INPUTS)).digest('hex').slice(0, 24);
  const synthDir = join(CACHE_ROOT, 'synth', stackKey);
  const stackBuilt = await ensure(synthDir, async (staging) => {
    synthesizeStack({ ...config, functionsDir: bundlesDir }, staging);
  });
  pruneCacheFolder(join(CACHE_ROOT, 'functions'), KEEP_ENTRIES);
  pruneCacheFolder(join(CACHE_ROOT, 'synth'), KEEP_ENTRIES);
  return { stackName, stackDir: join(synthDir, 'stacks', stackName), built: { bundles: bundlesBuilt, stack: stackBuilt } };
}

/** Builds `dir` with `build` unless it is complete already; true when it built. */
async function ensure(dir: string, build: (staging: string) => Promise<void>): Promise<boolean> {
  if (existsSync(join(dir, '.complete'))) return false;
  const staging = `${dir}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(staging, { recursive: true });
  try {
    await build(staging);
    writeFileSync(join(staging, '.complete'), new Date().toISOString());
    try {
      renameSync(staging, dir);
    } catch {
      // Another process finished the same entry first: theirs is as good.
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return true;
}

/** A hash of every file under the inputs (paths and contents), skipping tests and build output. */
function hashInputs(inputs: readonly string[]): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path).sort()) {
        if (entry === 'node_modules' || entry === 'cdktf.out' || entry === 'test' || entry.includes('.test.')) continue;
        visit(join(path, entry));
      }
      return;
    }
    hash.update(relative(REPO_ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of inputs) visit(join(REPO_ROOT, input));
  return hash.digest('hex').slice(0, 24);
}
