import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The SDK's browser build needs the `events` package (installed); Node's `util` is asked for but not needed, so it
// resolves to an empty module (no "externalized for browser compatibility" warnings). No Node polyfill plugin.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  resolve: { alias: { util: fileURLToPath(new URL('../packages/realtime-client/src/shims/util.ts', import.meta.url)) } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
  define: { global: 'globalThis' },
});
