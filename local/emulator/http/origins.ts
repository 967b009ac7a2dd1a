/**
 * Which browser origins may use the emulator (local, not AWS behaviour). AWS's endpoints are on the internet and
 * answer any page; the emulator runs on a developer's machine next to every page they visit, so a page from another
 * origin must not drive it (open MQTT sockets, call its services, pull its `/_local/*` knobs).
 *
 * - No `Origin` header: not a browser (SDKs, curl, Node): accepted.
 * - An `Origin` in the configured list (the web demo's, by default): accepted, and CORS names that origin only.
 * - Any other `Origin` (`null` included): refused with 403 before anything runs.
 */
import type { IncomingMessage } from 'node:http';

/** `*` in the list allows every origin. */
export function isAllowedOrigin(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes(origin) || allowed.includes('*');
}

export type OriginVerdict = { kind: 'no-origin' } | { kind: 'allowed'; origin: string } | { kind: 'refused'; origin: string };

export function checkOrigin(req: Pick<IncomingMessage, 'headers'>, allowed: readonly string[]): OriginVerdict {
  const origin = req.headers.origin;
  if (origin === undefined) return { kind: 'no-origin' };
  return isAllowedOrigin(origin, allowed) ? { kind: 'allowed', origin } : { kind: 'refused', origin };
}

/**
 * Is this request from a browser page at all (any origin)? `Origin` is sent on every cross-origin request and on
 * same-origin POSTs; `Sec-Fetch-Site` by current browsers on every request ("none" when the user typed the URL).
 */
export function isFromWebPage(req: Pick<IncomingMessage, 'headers'>): boolean {
  const site = req.headers['sec-fetch-site'];
  return req.headers.origin !== undefined || (site !== undefined && site !== 'none');
}
