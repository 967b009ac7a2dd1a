/**
 * A header sent on several lines, signed by aws-crt's native signer (aws-c-auth), reaches the emulator's own HTTP
 * server and verifies there: SigV4 joins the lines' values with "," in arrival order ("Create a canonical request",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html). STS GetCallerIdentity
 * is the request: any signed caller may make it.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { auth, http } from 'aws-crt';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(async () => {
  await emulator.close();
});

const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/** Header lines as aws-crt signed them: [name, value] in order, repeated names kept. */
async function signedLines(host: string, lines: Array<[string, string]>): Promise<Array<[string, string]>> {
  const signed = await auth.aws_sign_request(
    new http.HttpRequest('POST', '/', new http.HttpHeaders([['host', host], ['content-type', 'application/x-www-form-urlencoded'], ...lines])),
    {
      algorithm: auth.AwsSigningAlgorithm.SigV4,
      signature_type: auth.AwsSignatureType.HttpRequestViaHeaders,
      provider: auth.AwsCredentialsProvider.newStatic(adminCredentials.accessKeyId, adminCredentials.secretAccessKey),
      region: 'us-east-1',
      service: 'sts',
      date: new Date(),
      // The canonical request's last line: the hex SHA-256 of the body that is sent.
      signed_body_value: createHash('sha256').update(BODY).digest('hex'),
    },
  );
  return [...signed.headers];
}

/** Sends the lines as they are (one line per entry, in order) and returns status and body. */
function send(lines: Array<[string, string]>, body: string): Promise<{ status: number; body: string }> {
  const url = new URL(emulator.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path: '/', headers: [...lines.flat(), 'content-length', String(Buffer.byteLength(body))] },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('SigV4 over the emulator: a signed header sent on several lines', () => {
  it('verifies the lines joined with "," in arrival order, and refuses them reordered or merged into one line', async () => {
    const host = new URL(emulator.url).host;
    const lines = await signedLines(host, [
      ['X-Trace', 'first  value'],
      ['x-trace', ' second'],
    ]);
    const authorization = lines.find(([k]) => k.toLowerCase() === 'authorization')?.[1] ?? '';
    expect(authorization).toContain('SignedHeaders=content-type;host;x-amz-date;x-trace');

    const ok = await send(lines, BODY);
    expect(ok).toMatchObject({ status: 200, body: expect.stringContaining('<Arn>arn:aws:iam::000000000000:') });

    const swapped = lines.map(([k, v]): [string, string] =>
      k === 'X-Trace' ? ['X-Trace', ' second'] : k === 'x-trace' ? ['x-trace', 'first  value'] : [k, v],
    );
    const merged = lines.filter(([k]) => k !== 'x-trace').map(([k, v]): [string, string] => (k === 'X-Trace' ? [k, 'first  value, second'] : [k, v]));
    for (const other of [swapped, merged]) {
      const refused = await send(other, BODY);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain('SignatureDoesNotMatch');
    }
  });
});
