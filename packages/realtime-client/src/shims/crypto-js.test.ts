/**
 * The crypto-js stand-in against two independent references: Node's crypto (SHA-256 and HMAC-SHA256 themselves) and
 * aws-crt's browser ws.js loaded with it in place of crypto-js, whose presigned URL must be the one it signs with the
 * real crypto-js, byte for byte.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Digest, HmacSHA256, SHA256 } from './crypto-js.js';

const require = createRequire(import.meta.url);

let seed = 1206;
const random = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};
/** A string of `length` characters: ASCII, Latin-1, BMP and astral (surrogate pairs) alike. */
const randomText = (length: number) =>
  Array.from({ length }, () => String.fromCodePoint([0x20 + random(95), 0xa0 + random(96), 0x4e00 + random(500), 0x1f600 + random(80)][random(4)]!)).join('');

describe('SHA256 and HmacSHA256 for aws-crt', () => {
  it('hash as Node does, across the padding boundaries and for any UTF-8', () => {
    const lengths = [0, 1, 31, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000];
    for (const length of lengths) {
      const ascii = 'a'.repeat(length);
      expect(SHA256(ascii).toString()).toBe(createHash('sha256').update(ascii, 'utf8').digest('hex'));
      const text = randomText(length);
      expect(SHA256(text).toString()).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
    }
  });

  it('compute HMAC as Node does, for keys shorter and longer than a block, and with a digest as the key', () => {
    for (const keyLength of [0, 1, 32, 63, 64, 65, 200]) {
      const key = randomText(keyLength);
      const message = randomText(random(150));
      const digest = HmacSHA256(message, key);
      expect(digest.toString()).toBe(createHmac('sha256', Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex'));
      // The SigV4 key derivation chains digests as keys.
      expect(HmacSHA256('next', digest).toString()).toBe(createHmac('sha256', Buffer.from(digest.bytes)).update('next').digest('hex'));
    }
  });

  it('read as lower-case hex wherever a digest is put in a string, as ws.js does', () => {
    const digest = SHA256('');
    expect(digest).toBeInstanceOf(Digest);
    expect(`${digest}`).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(''.concat(String(HmacSHA256('a', 'b')))).toMatch(/^[0-9a-f]{64}$/);
  });

  it("make aws-crt's browser ws.js presign exactly the URL it presigns with crypto-js", () => {
    const wsPath = require.resolve('aws-crt/dist.browser/browser/ws.js');
    const requireFromWs = createRequire(wsPath);
    type Ws = { create_websocket_url(config: unknown): string };
    /** ws.js evaluated as CommonJS, with its `require('crypto-js')` answered by `cryptoJs` and the rest as usual. */
    const loadWs = (cryptoJs: unknown): Ws => {
      const module = { exports: {} as Ws };
      const requireHere = (id: string) => (id === 'crypto-js' ? cryptoJs : requireFromWs(id));
      // aws-crt's own file, evaluated with another crypto-js.
      new Function('exports', 'require', 'module', '__filename', '__dirname', readFileSync(wsPath, 'utf8'))(
        module.exports,
        requireHere,
        module,
        wsPath,
        dirname(wsPath),
      );
      return module.exports;
    };
    const config = {
      host_name: 'abc123-ats.iot.eu-west-1.amazonaws.com',
      port: 443,
      websocket: {
        protocol: 'wss',
        // A fixed date, so both signatures are over the same string.
        create_signing_config: () => ({
          service: 'iotdevicegateway',
          date: new Date('2026-12-06T10:11:12Z'),
          credentials: { aws_access_id: 'ASIAEXAMPLE', aws_secret_key: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCY', aws_sts_token: 'tok/en+=', aws_region: 'eu-west-1' },
        }),
      },
    };
    const withCryptoJs = loadWs(requireFromWs('crypto-js')).create_websocket_url(config);
    const withShim = loadWs({ HmacSHA256, SHA256 }).create_websocket_url(config);
    expect(withShim).toMatch(/X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=/);
    expect(withShim).toBe(withCryptoJs);
  });
});
