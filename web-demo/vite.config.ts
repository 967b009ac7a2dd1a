import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

// The SDK's browser build needs the `events` package (installed); Node's `util` is asked for but not needed, so it
// resolves to an empty module (smaller than the `util` package the client depends on). No Node polyfill plugin and no
// `define`: the client installs what the SDK reads (process, Buffer, global) itself. In this repository the client
// package resolves to its sources (the `iot-realtime-source` export condition), so the demo needs no build of it first.
const shim = (name: string) => fileURLToPath(new URL(`../packages/realtime-client/src/shims/${name}.ts`, import.meta.url));

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  resolve: {
    alias: [
      { find: /^util$/, replacement: shim('util') },
      // aws-crt signs with two functions of crypto-js and asks uuid for one v4: the package's stand-ins, not the libraries.
      { find: /^crypto-js$/, replacement: shim('crypto-js') },
      { find: /^uuid$/, replacement: shim('uuid') },
    ],
    conditions: ['iot-realtime-source', ...defaultClientConditions],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
});
