import type { Duplex } from 'node:stream';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { presignMqttUrl } from '../../../../test/support/sign.js';
import { rejectUpgrade, UpgradeAuthenticator, type UpgradeRequest } from '../upgrade.js';
import { testAccount, tester, testLog } from './fakes.js';

const HOST = '127.0.0.1:4510';

function setup() {
  const log = testLog();
  const account = testAccount();
  const step = new UpgradeAuthenticator({
    account,
    region: 'us-east-1',
    advertisedHost: 'localhost',
    allowedOrigins: ['http://127.0.0.1:5173'],
    logger: log.logger,
    now: () => new Date(),
  });
  return { step, log };
}

/** The upgrade request a client would send for a presigned ws:// URL, without a socket. */
async function requestFor(
  options: Parameters<typeof presignMqttUrl>[1] & { credentials?: Parameters<typeof presignMqttUrl>[0]; protocol?: string; origin?: string },
): Promise<UpgradeRequest> {
  const url = new URL(await presignMqttUrl(options.credentials ?? tester, options));
  const headers: Record<string, string> = {
    host: url.host,
    upgrade: 'websocket',
    ...(options.protocol === undefined ? {} : { 'sec-websocket-protocol': options.protocol }),
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  };
  return { method: 'GET', url: `${url.pathname}${url.search}`, headers, rawHeaders: Object.entries(headers).flat(), socket: { remoteAddress: '127.0.0.7' } };
}

describe('UpgradeAuthenticator: the SigV4 presigned URL of GET /mqtt', () => {
  it('accepts a correctly signed URL and names its principal and source address', async () => {
    const { step, log } = setup();
    const verdict = step.check(await requestFor({ connectTo: `http://${HOST}`, protocol: 'mqtt' }));
    expect(verdict).toMatchObject({ accepted: true, sourceIp: '127.0.0.7', principal: { kind: 'user', userName: 'tester' } });
    expect(log.denials()).toEqual([]);
  });

  it('accepts a URL signed for the advertised host without port (what the browser SDK signs)', async () => {
    const { step } = setup();
    expect(step.check(await requestFor({ connectTo: `http://${HOST}`, signedHost: 'localhost' })).accepted).toBe(true);
  });

  it('answers 403 to a tampered, stale, foreign-host or unknown-key signature, logging each', async () => {
    const { step, log } = setup();
    const good = await requestFor({ connectTo: `http://${HOST}` });
    const tampered = { ...good, url: good.url?.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`) };
    const refused = [
      tampered,
      { ...good, url: '/mqtt' },
      await requestFor({ connectTo: `http://${HOST}`, signingDate: new Date(Date.now() - 10 * 60_000), expiresIn: 60 }),
      await requestFor({ connectTo: `http://${HOST}`, signedHost: 'evil.example.com' }),
      await requestFor({ connectTo: `http://${HOST}`, credentials: { accessKeyId: 'AKIANOPE000000000000', secretAccessKey: 'x' } }),
    ];
    for (const req of refused) expect(step.check(req)).toMatchObject({ accepted: false, status: 403, message: expect.stringMatching(/^Forbidden: /) });
    expect(log.denials()).toHaveLength(refused.length);
    expect(log.denials()[0]).toMatchObject({
      service: 'mqtt',
      who: '127.0.0.7',
      action: 'WebSocket upgrade',
      resource: '/mqtt',
      reason: expect.stringMatching(/^SignatureDoesNotMatch: /),
    });
  });

  it('answers 400 to a WebSocket subprotocol other than mqtt or mqttv3.1', async () => {
    const { step } = setup();
    expect(step.check(await requestFor({ connectTo: `http://${HOST}`, protocol: 'mqttv3.1' })).accepted).toBe(true);
    expect(step.check(await requestFor({ connectTo: `http://${HOST}`, protocol: 'chat, mqtt' })).accepted).toBe(true);
    expect(step.check(await requestFor({ connectTo: `http://${HOST}`, protocol: 'chat' }))).toMatchObject({
      accepted: false,
      status: 400,
      message: expect.stringContaining('"chat"'),
    });
  });
});

describe('UpgradeAuthenticator: browser origins (local, not AWS)', () => {
  it('accepts no Origin (not a browser) and a configured origin; refuses any other origin with 403 before the signature', async () => {
    const { step, log } = setup();
    expect(step.check(await requestFor({ connectTo: `http://${HOST}` })).accepted).toBe(true);
    expect(step.check(await requestFor({ connectTo: `http://${HOST}`, origin: 'http://127.0.0.1:5173' })).accepted).toBe(true);
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:5174', 'http://127.0.0.1:5173\r\nX: y']) {
      expect(step.check(await requestFor({ connectTo: `http://${HOST}`, origin }))).toMatchObject({
        accepted: false,
        status: 403,
        message: expect.stringContaining('not allowed'),
      });
    }
    expect(log.denials()).toHaveLength(4);
    expect(log.denials()[0]).toMatchObject({ action: 'WebSocket upgrade', reason: expect.stringContaining('origin https://evil.example is not allowed') });
  });

  it('verifies a repeated signed header from rawHeaders, joined with "," as SigV4 does (not Node\'s ", ")', async () => {
    const { step } = setup();
    // A URL whose signature covers `x-repeated: a,b`: what a client sending the header on two lines signs.
    const signer = new SignatureV4({
      service: 'iotdevicegateway',
      region: 'us-east-1',
      sha256: Sha256,
      credentials: { accessKeyId: tester.accessKeyId, secretAccessKey: tester.secretAccessKey },
    });
    const presigned = await signer.presign(
      new HttpRequest({ method: 'GET', protocol: 'ws:', hostname: HOST, path: '/mqtt', headers: { host: HOST, 'x-repeated': 'a,b' } }),
      { expiresIn: 300 },
    );
    expect(String(presigned.query?.['X-Amz-SignedHeaders'])).toBe('host;x-repeated');
    const query = Object.entries(presigned.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const request: UpgradeRequest = {
      method: 'GET',
      url: `/mqtt?${query}`,
      headers: { host: HOST, 'x-repeated': 'a, b' },
      rawHeaders: ['Host', HOST, 'X-Repeated', ' a ', 'x-repeated', 'b'],
      socket: { remoteAddress: '127.0.0.7' },
    };
    // The lines as sent verify; one line holding Node's join "a, b" canonicalises as "a, b" and does not, nor do the
    // lines in the other order.
    expect(step.check(request).accepted).toBe(true);
    expect(step.check({ ...request, rawHeaders: ['Host', HOST, 'X-Repeated', 'a, b'] })).toMatchObject({ accepted: false, status: 403 });
    expect(step.check({ ...request, rawHeaders: ['Host', HOST, 'X-Repeated', 'b', 'X-Repeated', 'a'] })).toMatchObject({ accepted: false, status: 403 });
  });
});

describe('rejectUpgrade', () => {
  it('answers with a complete HTTP response and ends the socket', () => {
    let written = '';
    const socket = {
      end(data: string) {
        written = data;
      },
    } as unknown as Duplex;
    rejectUpgrade(socket, 403, 'Forbidden: bad signature');
    expect(written).toBe(
      'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 25\r\nConnection: close\r\n\r\nForbidden: bad signature\n',
    );
  });
});
