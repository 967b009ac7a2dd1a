/**
 * What bundlers should give aws-crt's browser build for `uuid` (optional, for size). aws-crt calls `v4()` once, for a
 * client id of its own when none is configured (aws-crt 1.33, dist.browser/browser/mqtt_internal/protocol.js; the
 * RealtimeClient always names one), while `uuid`'s CommonJS browser build brings every version (v1 to v7, MD5, SHA-1).
 * Alias the bare specifier, e.g. `{ find: /^uuid$/, replacement: ... }` in Vite, where nothing else needs more of it.
 */

/**
 * A random UUID (RFC 9562 section 5.4: version 4, variant 10), from `crypto.getRandomValues`, which browsers offer in
 * every context (`crypto.randomUUID` only in secure ones).
 */
export function v4(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export default { v4 };
