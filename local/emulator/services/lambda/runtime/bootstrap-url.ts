/**
 * The runtime's code as a worker thread loads it: bootstrap.ts compiled once per process with esbuild (a worker gets
 * no TypeScript loader) and handed to each worker as a `data:` module URL, so nothing is written to disk.
 */
import { readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';

let compiled: URL | undefined;

export function runtimeBootstrapUrl(): URL {
  if (!compiled) {
    const source = readFileSync(new URL('./bootstrap.ts', import.meta.url), 'utf8');
    const { code } = transformSync(source, { loader: 'ts', format: 'esm', target: 'node20', sourcefile: 'lambda-runtime-bootstrap.ts' });
    compiled = new URL(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  }
  return compiled;
}
