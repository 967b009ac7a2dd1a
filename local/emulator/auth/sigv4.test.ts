/**
 * The verifier is checked against signatures made by independent implementations: the AWS SDK v3 signer
 * (@smithy/signature-v4), aws-crt's browser signer (what aws-iot-device-sdk-v2 uses in browsers), aws-crt's native
 * signer (what it uses in Node), and a published AWS test-suite vector.
 */
import { createRequire } from 'node:module';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { auth, http } from 'aws-crt';
import { type SecretLookup, SignatureError, SigningKeyCache, signingKey, verifyAuthorizationHeader, verifyPresignedUrl } from './sigv4.js';

const require = createRequire(import.meta.url);
// aws-crt's browser build, loaded directly: its create_websocket_url is what the browser SDK calls before connecting.
const crtBrowserWs = require('aws-crt/dist.browser/browser/ws.js') as {
  create_websocket_url(config: unknown): string;
};

const AKID = 'ASIAEXAMPLEKEY000001';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const TOKEN = 'FwoGZXIvYXdzEXAMPLE//token+with/special=chars';
const secrets: SecretLookup = (id) => (id === AKID ? SECRET : undefined);
const iotScope = { services: ['iotdevicegateway'], region: 'us-east-1' };

function splitUrl(url: string) {
  const u = new URL(url);
  return { path: u.pathname, rawQuery: u.search.slice(1), host: u.host };
}

function expectCode(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SignatureError);
    expect((e as SignatureError).code).toBe(code);
    return;
  }
  throw new Error(`expected SignatureError ${code}, but the request verified`);
}

describe('known vector (AWS SigV4 test suite: get-vanilla)', () => {
  it('verifies the published signature', () => {
    const lookup: SecretLookup = (id) => (id === 'AKIDEXAMPLE' ? SECRET : undefined);
    const verified = verifyAuthorizationHeader(
      {
        method: 'GET',
        path: '/',
        rawQuery: '',
        headers: {
          host: 'example.amazonaws.com',
          'x-amz-date': '20150830T123600Z',
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
        },
        body: Buffer.alloc(0),
      },
      { services: ['service'], region: 'us-east-1' },
      lookup,
      new Date('2015-08-30T12:36:30Z'),
    );
    expect(verified.scope).toEqual({ accessKeyId: 'AKIDEXAMPLE', date: '20150830', region: 'us-east-1', service: 'service' });
  });
});

describe('header signatures made by the AWS SDK v3 signer', () => {
  const signer = (service: string) =>
    new SignatureV4({ service, region: 'us-east-1', sha256: Sha256, credentials: { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: TOKEN } });

  async function signed(
    service: string,
    request: { method: string; path: string; query?: Record<string, string>; body: string; headers?: Record<string, string> },
  ) {
    const r = await signer(service).sign(
      new HttpRequest({
        method: request.method,
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 4510,
        path: request.path,
        query: request.query ?? {},
        headers: { host: '127.0.0.1:4510', ...request.headers },
        body: request.body,
      }),
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(r.headers)) headers[k.toLowerCase()] = v;
    const rawQuery = Object.entries(r.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return { method: r.method, path: r.path, rawQuery, headers, body: Buffer.from(request.body) };
  }

  it('verifies an STS Query-protocol POST and returns the session token', async () => {
    const req = await signed('sts', {
      method: 'POST',
      path: '/',
      body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fx',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const v = verifyAuthorizationHeader(req, { services: ['sts'], region: 'us-east-1' }, secrets);
    expect(v.securityToken).toBe(TOKEN);
    expect(v.scope.service).toBe('sts');
  });

  it('verifies a data-plane publish whose topic is sent with %2F, with a query string', async () => {
    const req = await signed('iotdata', { method: 'POST', path: '/topics/a%2Fb%2Fc', query: { qos: '1', retain: 'false' }, body: '{"x":1}' });
    expect(verifyAuthorizationHeader(req, { services: ['iotdata'], region: 'us-east-1' }, secrets).scope.service).toBe('iotdata');
  });

  it('refuses a tampered body, path, query or header', async () => {
    const req = await signed('iotdata', { method: 'POST', path: '/topics/a', query: { qos: '1' }, body: 'hello' });
    const scope = { services: ['iotdata'], region: 'us-east-1' };
    expectCode(() => verifyAuthorizationHeader({ ...req, body: Buffer.from('hellO') }, scope, secrets), 'SignatureDoesNotMatch');
    expectCode(() => verifyAuthorizationHeader({ ...req, path: '/topics/b' }, scope, secrets), 'SignatureDoesNotMatch');
    expectCode(() => verifyAuthorizationHeader({ ...req, rawQuery: 'qos=0' }, scope, secrets), 'SignatureDoesNotMatch');
    expectCode(() => verifyAuthorizationHeader({ ...req, headers: { ...req.headers, host: 'evil:4510' } }, scope, secrets), 'SignatureDoesNotMatch');
  });

  it('refuses the wrong service, region, an unknown key and a stale date', async () => {
    const req = await signed('iotdata', { method: 'POST', path: '/topics/a', body: '' });
    expectCode(() => verifyAuthorizationHeader(req, { services: ['sts'], region: 'us-east-1' }, secrets), 'InvalidScope');
    expectCode(() => verifyAuthorizationHeader(req, { services: ['iotdata'], region: 'eu-west-1' }, secrets), 'InvalidScope');
    expectCode(() => verifyAuthorizationHeader(req, { services: ['iotdata'], region: 'us-east-1' }, () => undefined), 'UnknownAccessKey');
    const later = new Date(Date.now() + 6 * 60_000);
    expectCode(() => verifyAuthorizationHeader(req, { services: ['iotdata'], region: 'us-east-1' }, secrets, later), 'RequestExpired');
  });

  it('refuses a missing or malformed Authorization header with a clear code', () => {
    const base = { method: 'GET', path: '/', rawQuery: '', body: Buffer.alloc(0) };
    expectCode(() => verifyAuthorizationHeader({ ...base, headers: {} }, iotScope, secrets), 'MissingAuthentication');
    expectCode(() => verifyAuthorizationHeader({ ...base, headers: { authorization: 'Bearer abc' } }, iotScope, secrets), 'InvalidAlgorithm');
    expectCode(
      () => verifyAuthorizationHeader({ ...base, headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' } }, iotScope, secrets),
      'IncompleteSignature',
    );
  });

  it("refuses a request that sends Authorization or X-Amz-Date twice (header lines as Node's headersDistinct gives them)", async () => {
    const req = await signed('iotdata', { method: 'POST', path: '/topics/a', body: '' });
    const scope = { services: ['iotdata'], region: 'us-east-1' };
    const twice = (name: string) => ({ ...req, headers: { ...req.headers, [name]: [req.headers[name]!, req.headers[name]!] } });
    expect(verifyAuthorizationHeader({ ...req, headers: { ...req.headers, 'x-amz-date': [req.headers['x-amz-date']!] } }, scope, secrets).scope.service).toBe(
      'iotdata',
    );
    expectCode(() => verifyAuthorizationHeader(twice('authorization'), scope, secrets), 'IncompleteSignature');
    expectCode(() => verifyAuthorizationHeader(twice('x-amz-date'), scope, secrets), 'IncompleteSignature');
  });

  it('refuses a query string that is not valid percent-encoding with a clear code', async () => {
    const req = await signed('iotdata', { method: 'POST', path: '/topics/a', query: { qos: '1' }, body: '' });
    const scope = { services: ['iotdata'], region: 'us-east-1' };
    for (const rawQuery of ['qos=%G1', 'qos=1%', 'qos=1%2', 'q%2=1', 'qos=%%41'])
      expectCode(() => verifyAuthorizationHeader({ ...req, rawQuery }, scope, secrets), 'IncompleteSignature');
  });

  it('verifies query strings of any characters the SDK signer encodes (seeded: UTF-8, surrogate pairs, reserved, +, %, spaces)', async () => {
    // Characters that exercise every branch of the decoding and re-encoding: unreserved, reserved, '+', '%', space,
    // 2-, 3- and 4-byte UTF-8 (a surrogate pair), in runs and alone.
    const alphabet = ['a', 'Z', '0', '-', '.', '_', '~', ' ', '+', '%', '/', '=', '&', '?', '#', '*', "'", 'é', '€', '中', '😀', '\u00ff'];
    let seed = 20261206;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = () => Array.from({ length: 1 + random(12) }, () => alphabet[random(alphabet.length)]).join('');
    const scope = { services: ['iotdata'], region: 'us-east-1' };
    for (let round = 0; round < 40; round += 1) {
      const query = Object.fromEntries(Array.from({ length: 1 + random(4) }, () => [word(), word()]));
      const req = await signed('iotdata', { method: 'POST', path: '/topics/a', query, body: '' });
      expect(verifyAuthorizationHeader(req, scope, secrets).scope.accessKeyId).toBe(AKID);
      // The same request with one query value changed by one character does not verify.
      const [name, value] = Object.entries(query)[0]!;
      const tampered = await signed('iotdata', { method: 'POST', path: '/topics/a', query: { ...query, [name]: `${value}x` }, body: '' });
      expectCode(() => verifyAuthorizationHeader({ ...req, rawQuery: tampered.rawQuery }, scope, secrets), 'SignatureDoesNotMatch');
    }
  });
});

describe('cached signing keys', () => {
  const scope = { services: ['iotdata'], region: 'us-east-1' };
  const signedWith = (secret: string, keyId = AKID) =>
    new SignatureV4({ service: 'iotdata', region: 'us-east-1', sha256: Sha256, credentials: { accessKeyId: keyId, secretAccessKey: secret } }).sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 4510,
        path: '/topics/a',
        headers: { host: '127.0.0.1:4510' },
        body: 'x',
      }),
    );
  const asRequest = (r: { method: string; path: string; headers: Record<string, string> }) => ({
    method: r.method,
    path: r.path,
    rawQuery: '',
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: Buffer.from('x'),
  });

  it('are looked up by secret: once a key id answers with another secret, what the old one signed no longer verifies', async () => {
    let current = 'first-secret-000000000000000000000000000';
    const lookup: SecretLookup = (id) => (id === AKID ? current : undefined);
    const byFirst = asRequest(await signedWith(current));
    expect(verifyAuthorizationHeader(byFirst, scope, lookup).scope.accessKeyId).toBe(AKID);
    current = 'second-secret-00000000000000000000000000';
    expectCode(() => verifyAuthorizationHeader(byFirst, scope, lookup), 'SignatureDoesNotMatch');
    expect(verifyAuthorizationHeader(asRequest(await signedWith(current)), scope, lookup).scope.accessKeyId).toBe(AKID);
  });

  it('are bounded: past the bound the oldest entry goes, and every key returned is the one derived afresh', () => {
    const cache = new SigningKeyCache(3);
    const day = { date: '20261206', region: 'us-east-1', service: 'iotdata' };
    const inputs = [
      ['s1', day],
      ['s2', day],
      ['s1', { ...day, date: '20261207' }],
      ['s1', { ...day, service: 'sts' }],
      ['s3', day],
      ['s1', day],
      ['s2', day],
    ] as const;
    for (const [secret, scope] of inputs) {
      expect(cache.key(secret, scope).equals(signingKey(secret, scope))).toBe(true);
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    expect(cache.size).toBe(3);
    // Oldest out first: the last three distinct inputs stay, the ones before them went.
    expect([cache.has('s3', day), cache.has('s1', day), cache.has('s2', day)]).toEqual([true, true, true]);
    expect([cache.has('s1', { ...day, date: '20261207' }), cache.has('s1', { ...day, service: 'sts' })]).toEqual([false, false]);
    // Inputs whose parts joined with "/" would read the same get each their own key.
    const first = { ...day, region: 'a/b', service: 'iotdata' };
    const second = { ...day, region: 'a', service: 'b' };
    expect(cache.key('x', first).equals(signingKey('x', first))).toBe(true);
    expect(cache.key('iotdata/x', second).equals(signingKey('iotdata/x', second))).toBe(true);
  });
});

describe('presigned WebSocket URLs', () => {
  const host = 'abc123-ats.iot.us-east-1.amazonaws.com';

  it('verifies aws-crt browser signer URLs (aws-iot-device-sdk-v2 in the browser), with the token appended after signing', () => {
    const url = crtBrowserWs.create_websocket_url({
      host_name: host,
      port: 443,
      websocket: { protocol: 'wss' },
      credentials_provider: { getCredentials: () => ({ aws_access_id: AKID, aws_secret_key: SECRET, aws_sts_token: TOKEN, aws_region: 'us-east-1' }) },
    });
    const { path, rawQuery } = splitUrl(url);
    expect(rawQuery).toContain('X-Amz-Security-Token=');
    expect(rawQuery).not.toContain('X-Amz-Expires');
    const v = verifyPresignedUrl({ method: 'GET', path, rawQuery, hostCandidates: ['127.0.0.1:4510', host] }, iotScope, secrets);
    expect(v.securityToken).toBe(TOKEN);
    expect(v.scope.accessKeyId).toBe(AKID);
  });

  it('refuses the aws-crt URL when the host it signed is not a candidate, or when it was tampered with', () => {
    const url = crtBrowserWs.create_websocket_url({
      host_name: host,
      port: 443,
      websocket: { protocol: 'wss' },
      credentials_provider: { getCredentials: () => ({ aws_access_id: AKID, aws_secret_key: SECRET, aws_region: 'us-east-1' }) },
    });
    const { path, rawQuery } = splitUrl(url);
    expectCode(() => verifyPresignedUrl({ method: 'GET', path, rawQuery, hostCandidates: ['127.0.0.1:4510'] }, iotScope, secrets), 'SignatureDoesNotMatch');
    const flipped = rawQuery.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`);
    expectCode(() => verifyPresignedUrl({ method: 'GET', path, rawQuery: flipped, hostCandidates: [host] }, iotScope, secrets), 'SignatureDoesNotMatch');
    const extra = `${rawQuery}&clientId=other`;
    expectCode(() => verifyPresignedUrl({ method: 'GET', path, rawQuery: extra, hostCandidates: [host] }, iotScope, secrets), 'SignatureDoesNotMatch');
  });

  it('refuses a URL signed more than 5 minutes ago when it has no X-Amz-Expires', () => {
    const signedAt = new Date(Date.now() - 10 * 60_000);
    const url = crtBrowserWs.create_websocket_url({
      host_name: host,
      port: 443,
      websocket: {
        protocol: 'wss',
        create_signing_config: () => ({
          service: 'iotdevicegateway',
          date: signedAt,
          credentials: { aws_access_id: AKID, aws_secret_key: SECRET, aws_region: 'us-east-1' },
        }),
      },
    });
    const { path, rawQuery } = splitUrl(url);
    expectCode(() => verifyPresignedUrl({ method: 'GET', path, rawQuery, hostCandidates: [host] }, iotScope, secrets), 'RequestExpired');
  });

  it('verifies AWS SDK v3 presign (which signs X-Amz-Expires) when the token is appended after signing, as Amplify does', async () => {
    const signer = new SignatureV4({
      service: 'iotdevicegateway',
      region: 'us-east-1',
      sha256: Sha256,
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET },
    });
    const presigned = await signer.presign(
      new HttpRequest({ method: 'GET', protocol: 'wss:', hostname: '127.0.0.1', port: 4510, path: '/mqtt', headers: { host: '127.0.0.1:4510' } }),
      { expiresIn: 60 },
    );
    const rawQuery = `${Object.entries(presigned.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&')}&X-Amz-Security-Token=${encodeURIComponent(TOKEN)}`;
    expect(rawQuery).toContain('X-Amz-Expires=60');
    const v = verifyPresignedUrl({ method: 'GET', path: '/mqtt', rawQuery, hostCandidates: ['127.0.0.1:4510'] }, iotScope, secrets);
    expect(v.securityToken).toBe(TOKEN);
    const later = new Date(Date.now() + 120_000);
    expectCode(
      () => verifyPresignedUrl({ method: 'GET', path: '/mqtt', rawQuery, hostCandidates: ['127.0.0.1:4510'] }, iotScope, secrets, later),
      'RequestExpired',
    );
  });

  it('refuses an SDK v3 presign that put the session token into the canonical query (IoT does not allow that)', async () => {
    const signer = new SignatureV4({
      service: 'iotdevicegateway',
      region: 'us-east-1',
      sha256: Sha256,
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: TOKEN },
    });
    const presigned = await signer.presign(
      new HttpRequest({ method: 'GET', protocol: 'wss:', hostname: '127.0.0.1', port: 4510, path: '/mqtt', headers: { host: '127.0.0.1:4510' } }),
    );
    const rawQuery = Object.entries(presigned.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    expectCode(
      () => verifyPresignedUrl({ method: 'GET', path: '/mqtt', rawQuery, hostCandidates: ['127.0.0.1:4510'] }, iotScope, secrets),
      'SignatureDoesNotMatch',
    );
  });

  it("verifies URLs presigned by aws-crt's native signer (aws-iot-device-sdk-v2 in Node)", async () => {
    // As the native SDK's WebSocket handshake: it signs `connection` as well as `host`.
    const request = new http.HttpRequest(
      'GET',
      '/mqtt',
      new http.HttpHeaders([
        ['host', '127.0.0.1:4510'],
        ['connection', 'Upgrade'],
      ]),
    );
    const signed = await auth.aws_sign_request(request, {
      algorithm: auth.AwsSigningAlgorithm.SigV4,
      signature_type: auth.AwsSignatureType.HttpRequestViaQueryParams,
      provider: auth.AwsCredentialsProvider.newStatic(AKID, SECRET, TOKEN),
      region: 'us-east-1',
      service: 'iotdevicegateway',
      date: new Date(),
      omit_session_token: true,
      signed_body_value: auth.AwsSignedBodyValue.EmptySha256,
    });
    const [path, rawQuery = ''] = signed.path.split('?') as [string, string?];
    expect(path).toBe('/mqtt');
    expect(rawQuery).toContain('X-Amz-SignedHeaders=connection%3Bhost');
    const headers = { host: '127.0.0.1:4510', connection: 'Upgrade' };
    const v = verifyPresignedUrl({ method: 'GET', path, rawQuery, hostCandidates: ['127.0.0.1:4510'], headers }, iotScope, secrets);
    expect(v.scope.accessKeyId).toBe(AKID);
    expectCode(
      () =>
        verifyPresignedUrl(
          { method: 'GET', path, rawQuery, hostCandidates: ['127.0.0.1:4510'], headers: { ...headers, connection: 'keep-alive' } },
          iotScope,
          secrets,
        ),
      'SignatureDoesNotMatch',
    );
    expectCode(
      () => verifyPresignedUrl({ method: 'GET', path, rawQuery, hostCandidates: ['127.0.0.1:4510'], headers: { host: '127.0.0.1:4510' } }, iotScope, secrets),
      'IncompleteSignature',
    );
  });

  it('refuses a URL without a signature, with the wrong algorithm, or signing headers the request does not carry', () => {
    const req = (rawQuery: string) => ({ method: 'GET', path: '/mqtt', rawQuery, hostCandidates: [host] });
    expectCode(() => verifyPresignedUrl(req(''), iotScope, secrets), 'MissingAuthentication');
    expectCode(() => verifyPresignedUrl(req('X-Amz-Algorithm=AWS4-HMAC-SHA1&X-Amz-Signature=00'), iotScope, secrets), 'InvalidAlgorithm');
    expectCode(() => verifyPresignedUrl(req('X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00'), iotScope, secrets), 'IncompleteSignature');
    const d = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
    const q = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${AKID}%2F${d.slice(0, 8)}%2Fus-east-1%2Fiotdevicegateway%2Faws4_request&X-Amz-Date=${d}&X-Amz-SignedHeaders=host%3Bx-amz-date&X-Amz-Signature=${'0'.repeat(64)}`;
    expectCode(() => verifyPresignedUrl(req(q), iotScope, secrets), 'IncompleteSignature');
  });
});
