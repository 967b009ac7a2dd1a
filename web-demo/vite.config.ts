import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

// The SDK's browser build needs the `events` package (installed); Node's `util` is asked for but not needed, so it
// resolves to an empty module (smaller than the `util` package the client depends on). No Node polyfill plugin and no
// `define`: the client installs what the SDK reads (process, Buffer, global) itself. In this repository the client
// package resolves to its sources (the `iot-realtime-source` export condition), so the demo needs no build of it first.
const shim = (name: string, extension = 'ts') => fileURLToPath(new URL(`../packages/realtime-client/src/shims/${name}.${extension}`, import.meta.url));

/**
 * The session code (the signed-in page and the realtime client, with the SDK in a chunk of its own that it imports
 * while fetching credentials) is needed as soon as someone signs in, and a saved session loads it at once: the page
 * names it as `prefetch` hints, so the browser fetches it while the sign-in screen is shown, at idle priority (it does
 * not compete with what the first paint needs) and without running it. Amplify (Cognito sign-in only) is not hinted.
 */
function prefetchSessionChunk(): Plugin {
  return {
    name: 'prefetch-session-chunk',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle }) {
        const chunks = Object.values(bundle ?? {}).filter((c) => c.type === 'chunk');
        const dynamicEntry = (source: string) => {
          const chunk = chunks.find((c) => c.isDynamicEntry && c.moduleIds.some((id) => id.endsWith(source)));
          if (chunk === undefined) throw new Error(`prefetch-session-chunk: no chunk for ${source}`);
          return chunk;
        };
        const entries = [dynamicEntry('/src/session.ts'), dynamicEntry('/src/realtime-transport.ts')];
        // What importing them loads that the first load has not: the chunks, the chunks they import, their styles.
        const firstLoad = new Set(chunks.filter((c) => c.isEntry).map((c) => c.fileName));
        const scripts = [...new Set(entries.flatMap((c) => [c.fileName, ...c.imports]))].filter((f) => !firstLoad.has(f));
        const styles = [...new Set(entries.flatMap((c) => [...(c.viteMetadata?.importedCss ?? [])]))];
        return [
          ...scripts.map((file) => ({ tag: 'link', attrs: { rel: 'prefetch', href: `/${file}`, as: 'script', crossorigin: '' }, injectTo: 'head' as const })),
          ...styles.map((file) => ({ tag: 'link', attrs: { rel: 'prefetch', href: `/${file}`, as: 'style' }, injectTo: 'head' as const })),
        ];
      },
    },
  };
}

export default defineConfig({
  plugins: [prefetchSessionChunk()],
  root: new URL('.', import.meta.url).pathname,
  resolve: {
    alias: [
      { find: /^util$/, replacement: shim('util') },
      // What aws-crt uses of crypto-js (two functions), uuid (v4) and websocket-stream (an emitter over the WebSocket):
      // the client package's stand-ins, not the libraries (packages/realtime-client/README.md).
      { find: /^crypto-js$/, replacement: shim('crypto-js') },
      { find: /^uuid$/, replacement: shim('uuid') },
      { find: /^@httptoolkit\/websocket-stream$/, replacement: shim('websocket-stream', 'cjs') },
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
