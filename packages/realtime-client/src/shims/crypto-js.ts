/**
 * What bundlers should give aws-crt's browser build for `crypto-js` (optional, for size). aws-crt presigns the
 * WebSocket URL with `HmacSHA256(message, key)` and `SHA256(message)` and nothing else (aws-crt 1.33,
 * dist.browser/browser/ws.js: make_signing_key, sign_url), but `crypto-js`'s index pulls in every algorithm of the
 * library (AES, DES, Rabbit, SHA-3, RIPEMD, ...: 67 kB minified). This module gives those two with the behaviour ws.js
 * relies on: a string is hashed as its UTF-8 bytes, a digest may be passed back as the next key, and a digest put in a
 * string reads as lower-case hex (crypto-js's WordArray does the same). Only for bundles where nothing else imports
 * `crypto-js`: alias the bare specifier, e.g. `{ find: /^crypto-js$/, replacement: ... }` in Vite.
 * SHA-256 and HMAC as FIPS 180-4 and RFC 2104 define them; shims/crypto-js.test.ts checks both against Node's crypto.
 */

/** A SHA-256 or HMAC-SHA256 result: its bytes, and lower-case hex as a string. */
export class Digest {
  constructor(readonly bytes: Uint8Array) {}

  toString(): string {
    let hex = '';
    for (const byte of this.bytes) hex += byte.toString(16).padStart(2, '0');
    return hex;
  }
}

/** FIPS 180-4 section 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Uint32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
/** FIPS 180-4 section 5.3.3: the initial hash value. */
const H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const BLOCK_BYTES = 64;

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

function sha256(data: Uint8Array): Uint8Array {
  // Padding (section 5.1.1): a 1 bit, zeros, and the length in bits as a 64-bit big-endian integer.
  const padded = new Uint8Array(Math.ceil((data.length + 9) / BLOCK_BYTES) * BLOCK_BYTES);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(data.length / 0x20000000));
  view.setUint32(padded.length - 4, (data.length * 8) >>> 0);
  const h = H0.slice();
  const w = new Uint32Array(64);
  for (let offset = 0; offset < padded.length; offset += BLOCK_BYTES) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(offset + t * 4);
    for (let t = 16; t < 64; t++) {
      const w15 = w[t - 15]!;
      const w2 = w[t - 2]!;
      const s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3);
      const s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as [number, number, number, number, number, number, number, number];
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + b) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
    h[4] = (h[4]! + e) | 0;
    h[5] = (h[5]! + f) | 0;
    h[6] = (h[6]! + g) | 0;
    h[7] = (h[7]! + hh) | 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (const [i, word] of h.entries()) outView.setUint32(i * 4, word >>> 0);
  return out;
}

const bytesOf = (value: string | Digest): Uint8Array => (value instanceof Digest ? value.bytes : new TextEncoder().encode(value));

const concat = (first: Uint8Array, second: Uint8Array): Uint8Array => {
  const out = new Uint8Array(first.length + second.length);
  out.set(first);
  out.set(second, first.length);
  return out;
};

/** SHA-256 of a string's UTF-8 bytes, or of a digest's bytes. */
export function SHA256(message: string | Digest): Digest {
  return new Digest(sha256(bytesOf(message)));
}

/** HMAC-SHA256 (RFC 2104, block size 64 bytes) of `message` with `key`; strings are taken as their UTF-8 bytes. */
export function HmacSHA256(message: string | Digest, key: string | Digest): Digest {
  let keyBytes = bytesOf(key);
  if (keyBytes.length > BLOCK_BYTES) keyBytes = sha256(keyBytes);
  const inner = new Uint8Array(BLOCK_BYTES).fill(0x36);
  const outer = new Uint8Array(BLOCK_BYTES).fill(0x5c);
  keyBytes.forEach((byte, i) => {
    inner[i] = byte ^ 0x36;
    outer[i] = byte ^ 0x5c;
  });
  return new Digest(sha256(concat(outer, sha256(concat(inner, bytesOf(message))))));
}

export default { SHA256, HmacSHA256 };
