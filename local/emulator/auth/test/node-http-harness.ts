/**
 * A real Node HTTP server on 127.0.0.1 that reports each request exactly as Node parsed it, so tests feed the
 * verifier what the emulator's own server would hand it: method, raw `url`, `rawHeaders` (one pair per line, as
 * received), Node's lower-cased `headers` (repeated lines joined with ", "), body. Requests Node refuses come back as its parser error code.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect } from 'node:net';
import type { NodeRequestLike } from '../node-request.js';

export interface DeliveredRequest extends NodeRequestLike {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export type Delivery = { kind: 'delivered'; request: DeliveredRequest } | { kind: 'rejected'; code: string };

export class NodeHttpHarness {
  private settle: ((delivery: Delivery) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    private readonly port: number,
  ) {
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.report({
          kind: 'delivered',
          request: { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) },
        });
        res.end();
      });
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      this.report({ kind: 'rejected', code: error.code ?? error.message });
      socket.destroy();
    });
  }

  static async start(): Promise<NodeHttpHarness> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the test server has no TCP address');
    return new NodeHttpHarness(server, address.port);
  }

  /** Sends the bytes on a fresh connection; one request at a time, so each report belongs to its request. */
  deliver(raw: Buffer): Promise<Delivery> {
    const run = () =>
      new Promise<Delivery>((resolve, reject) => {
        this.settle = resolve;
        const socket = connect(this.port, '127.0.0.1', () => socket.end(raw));
        socket.on('error', () => undefined); // Node may reset the connection after refusing a request.
        socket.resume();
        socket.on('close', () => {
          if (this.settle !== resolve) return;
          this.settle = undefined;
          reject(new Error('the connection closed before Node reported the request'));
        });
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private report(delivery: Delivery): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(delivery);
  }
}
