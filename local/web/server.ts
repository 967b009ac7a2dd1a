/**
 * Serves the web demo locally with its runtime config at /config.json: the Vite dev server (`npm start`, instant
 * start, modules compiled on request) or the production build (`LOCAL_WEB_MODE=static`: end-to-end tests and
 * bench:web, which measure what users would download).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = resolve(fileURLToPath(new URL('../../web-demo', import.meta.url)));
export const WEB_DIST = join(WEB_ROOT, 'dist');

export interface RunningWeb {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export async function startWebServer(options: { host: string; port: number; mode: 'dev' | 'static'; config: unknown }): Promise<RunningWeb> {
  const configJson = JSON.stringify(options.config);
  if (options.mode === 'dev') {
    const { createServer } = await import('vite');
    const vite = await createServer({
      configFile: join(WEB_ROOT, 'vite.config.ts'),
      root: WEB_ROOT,
      logLevel: 'warn',
      server: { host: options.host, port: options.port, strictPort: true },
      plugins: [
        {
          name: 'local-config',
          configureServer(server) {
            server.middlewares.use('/config.json', (_req, res) => {
              res.setHeader('content-type', 'application/json');
              res.setHeader('cache-control', 'no-store');
              res.end(configJson);
            });
          },
        },
      ],
    });
    await vite.listen();
    return { url: `http://${options.host}:${options.port}`, close: () => vite.close() };
  }

  if (!existsSync(join(WEB_DIST, 'index.html')))
    throw new Error('web-demo/dist is missing: run `npm run build:web` first (LOCAL_WEB_MODE=static serves the production build)');
  const server: Server = createHttpServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname);
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return void res.end(configJson);
    }
    const file = normalize(join(WEB_DIST, path === '/' ? 'index.html' : path));
    const safe = file.startsWith(WEB_DIST) && existsSync(file) && statSync(file).isFile();
    const target = safe ? file : join(WEB_DIST, 'index.html');
    const immutable = safe && path.startsWith('/assets/');
    res.writeHead(200, {
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    createReadStream(target).pipe(res);
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolvePromise());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
