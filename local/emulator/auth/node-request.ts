/**
 * Turns a request as Node's HTTP server delivers it into what the SigV4 verifier reads. One place, so the emulator's
 * routes, the WebSocket upgrade and the AWS test-suite tests verify exactly the same input.
 */
import type { HeaderSignedRequest } from './sigv4.js';

/** The parts of Node's `IncomingMessage` the verifier needs. */
export interface NodeRequestLike {
  method?: string | undefined;
  /** The request-target as sent: raw path and query, nothing decoded. */
  url?: string | undefined;
  /** Node's `rawHeaders`: name, value, name, value, ... one pair per header line, in the order received. */
  rawHeaders: readonly string[];
}

/** Splits a raw request-target into the path and the query string (without `?`). */
export function splitRequestTarget(url: string): { path: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, rawQuery: '' } : { path: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

/**
 * The value of every header line by lower-case name, in the order the lines were received. SigV4 joins the values of
 * a header sent on several lines with "," in that order ("Create a canonical request",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html; the AWS suite's
 * get-header-key-duplicate and get-header-value-order), so it must read the lines themselves: Node's `headers` joins
 * them with ", " and keeps only the first line of some headers. A null-prototype record: a header named `__proto__`
 * or `constructor` is just a header.
 */
export function headerLinesByName(rawHeaders: readonly string[]): Record<string, string[]> {
  const lines: Record<string, string[]> = Object.create(null);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    const seen = lines[name];
    if (seen === undefined) lines[name] = [value];
    else seen.push(value);
  }
  return lines;
}

export function headerSignedRequestFrom(req: NodeRequestLike, body: Buffer): HeaderSignedRequest {
  return {
    method: req.method ?? 'GET',
    ...splitRequestTarget(req.url ?? '/'),
    headers: headerLinesByName(req.rawHeaders),
    body,
  };
}
