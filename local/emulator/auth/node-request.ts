/**
 * Turns a request as Node's HTTP server delivers it into what the SigV4 verifier reads. One place, so the emulator's
 * routes and the AWS test-suite tests verify exactly the same input.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderSignedRequest } from './sigv4.js';

/** The parts of Node's `IncomingMessage` the verifier needs. */
export interface NodeRequestLike {
  method?: string | undefined;
  /** The request-target as sent: raw path and query, nothing decoded. */
  url?: string | undefined;
  headers: IncomingHttpHeaders;
  /** One value per header line, in arrival order (Node >= 18.3). */
  headersDistinct?: NodeJS.Dict<string[]>;
}

/** Splits a raw request-target into the path and the query string (without `?`). */
export function splitRequestTarget(url: string): { path: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, rawQuery: '' } : { path: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

/**
 * Node's `headers` joins the lines of a repeated header with ", " (and keeps only the first line of some headers), but
 * SigV4 joins the lines' values with "," (the suite's get-header-key-duplicate): `headersDistinct` keeps each line.
 */
export function headerSignedRequestFrom(req: NodeRequestLike, body: Buffer): HeaderSignedRequest {
  return {
    method: req.method ?? 'GET',
    ...splitRequestTarget(req.url ?? '/'),
    headers: req.headersDistinct ?? req.headers,
    body,
  };
}
