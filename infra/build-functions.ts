/**
 * Bundles every Lambda of the catalog with esbuild: ESM for nodejs22.x on arm64, tree-shaken, minified, with source
 * maps. The AWS SDK v3 is bundled too (pinned versions, smaller cold starts than the runtime's copy); aws-crt is
 * never bundled (native binary; the functions do not use it) and the build fails if anything pulls it in.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { FUNCTIONS } from '../functions/catalog.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUT_DIR = join(REPO_ROOT, 'dist', 'functions');

export interface BuiltFunction {
  name: string;
  /** Directory holding index.mjs (+ map): what Terraform zips. */
  dir: string;
  bytes: number;
}

export async function buildFunctions(outDir = DEFAULT_OUT_DIR): Promise<BuiltFunction[]> {
  rmSync(outDir, { recursive: true, force: true });
  const built: BuiltFunction[] = [];
  for (const fn of FUNCTIONS) {
    const dir = join(outDir, fn.name);
    mkdirSync(dir, { recursive: true });
    const result = await build({
      entryPoints: [join(REPO_ROOT, fn.entry)],
      outfile: join(dir, 'index.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      sourcemap: true,
      treeShaking: true,
      metafile: true,
      legalComments: 'none',
      logLevel: 'silent',
      // The workspace packages (@iot-realtime/realtime-server) from their sources, as jest and tsc see them: their
      // `import` condition is the built dist/, which a bundle of this repository must not depend on being fresh.
      conditions: ['iot-realtime-source'],
      // ESM bundles of CommonJS dependencies need a `require` in scope.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    });
    assertNoNativeCrt(fn.name, result.metafile);
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
    built.push({ name: fn.name, dir, bytes });
  }
  return built;
}

function assertNoNativeCrt(name: string, metafile: Metafile): void {
  const crt = Object.keys(metafile.inputs).find((input) => input.includes('node_modules/aws-crt/'));
  if (crt) throw new Error(`${name}: the bundle pulls in aws-crt (${crt}); it must never be bundled`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildFunctions();
  for (const b of built) process.stdout.write(`${b.name.padEnd(14)} ${(b.bytes / 1024).toFixed(0).padStart(6)} KiB (with source map)\n`);
}
