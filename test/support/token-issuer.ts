/** The local token issuer (local/api/token-issuer.ts) with its JWKS on a server of its own, for tests without the local API. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalTokenIssuer, type LocalTokenIssuer } from '../../local/api/token-issuer.js';

export interface TestIssuer extends LocalTokenIssuer {
  url: string;
  close(): Promise<void>;
}

export async function startTestIssuer(audience: string): Promise<TestIssuer> {
  let issuer: LocalTokenIssuer | undefined;
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json' && issuer) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(issuer.jwks));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = await createLocalTokenIssuer(url, audience);
  return Object.assign(issuer, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
