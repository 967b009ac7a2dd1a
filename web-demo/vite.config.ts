import { defineConfig } from 'vite';

// The SDK's browser build needs the `events` and `util` packages (installed); no Node polyfill plugin.
export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
  },
  define: { global: 'globalThis' },
});
