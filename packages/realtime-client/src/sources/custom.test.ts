import { CredentialsRequestError, CustomCredentialSource } from './custom.js';

const response = (status: number, body: unknown) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const valid = {
  accessKeyId: 'ASIA',
  secretAccessKey: 's',
  sessionToken: 't',
  expiration: '2030-01-01T01:00:00.000Z',
  region: 'eu-west-1',
  iotEndpoint: 'x-ats.iot.eu-west-1.amazonaws.com',
  clientId: 'app.prod.alice',
  topics: { subscribe: ['app/prod/broadcast'], publish: [] },
};

describe('CustomCredentialSource (POST /credentials)', () => {
  it('sends the bearer token and maps the response, keeping the session (client id, topics)', async () => {
    const calls: Array<[string, RequestInit | undefined]> = [];
    const source = new CustomCredentialSource('https://api.example', () => 'jwt-1', {
      fetch: async (url, init) => {
        calls.push([String(url), init]);
        return response(200, valid);
      },
    });
    const creds = await source.fetch();
    expect(calls[0]?.[0]).toBe('https://api.example/credentials');
    expect(calls[0]?.[1]?.method).toBe('POST');
    expect(calls[0]?.[1]?.headers).toEqual({ authorization: 'Bearer jwt-1' });
    expect(creds).toEqual({
      accessKeyId: 'ASIA',
      secretAccessKey: 's',
      sessionToken: 't',
      region: 'eu-west-1',
      expiration: new Date('2030-01-01T01:00:00.000Z'),
    });
    expect(source.session).toEqual({
      clientId: 'app.prod.alice',
      iotEndpoint: 'x-ats.iot.eu-west-1.amazonaws.com',
      topics: { subscribe: ['app/prod/broadcast'], publish: [] },
    });
  });

  it('asks for the token on every fetch, so a renewed app token is used', async () => {
    let token = 'jwt-1';
    const sent: unknown[] = [];
    const source = new CustomCredentialSource('https://api.example', () => token, {
      fetch: async (_url, init) => {
        sent.push(init?.headers);
        return response(200, valid);
      },
    });
    await source.fetch();
    token = 'jwt-2';
    await source.fetch();
    expect(sent).toEqual([{ authorization: 'Bearer jwt-1' }, { authorization: 'Bearer jwt-2' }]);
  });

  it("surfaces the API's message and status on failure, permanent for 400/401/403 only", async () => {
    const source = new CustomCredentialSource('https://api.example', () => 'bad', { fetch: async () => response(401, { message: 'the token has expired' }) });
    await expect(source.fetch()).rejects.toEqual(new CredentialsRequestError('the token has expired', 401));
    expect([400, 401, 403, 404, 429, 500, 503].map((status) => new CredentialsRequestError('x', status).permanent)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });

  it('asks for the client id of its tab on every fetch (body {"tab"}), and refuses credentials for another client id', async () => {
    const bodies: unknown[] = [];
    const source = new CustomCredentialSource('https://api.example', async () => 'jwt', {
      tab: 'k3x9',
      fetch: async (_url, init) => {
        bodies.push([init?.headers, init?.body]);
        return response(200, { ...valid, clientId: bodies.length === 1 ? 'app.prod.alice.k3x9' : 'app.prod.alice' });
      },
    });
    await source.fetch();
    expect(source.session?.clientId).toBe('app.prod.alice.k3x9');
    await expect(source.fetch()).rejects.toEqual(
      new CredentialsRequestError('the credentials name the client id "app.prod.alice", not one for tab "k3x9"', 200),
    );
    expect(bodies).toEqual([
      [{ authorization: 'Bearer jwt', 'content-type': 'application/json' }, '{"tab":"k3x9"}'],
      [{ authorization: 'Bearer jwt', 'content-type': 'application/json' }, '{"tab":"k3x9"}'],
    ]);
  });

  it('names the status when a failure has no JSON body', async () => {
    const source = new CustomCredentialSource('https://api.example', () => 't', { fetch: async () => response(502, '<html>Bad Gateway</html>') });
    await expect(source.fetch()).rejects.toEqual(new CredentialsRequestError('credentials request failed (502)', 502));
  });

  it.each([
    ['sessionToken', { ...valid, sessionToken: undefined }],
    ['expiration', { ...valid, expiration: 'tomorrow' }],
    ['region', { ...valid, region: 42 }],
    ['clientId', { ...valid, clientId: '' }],
    ['topics', { ...valid, topics: { subscribe: 'app/prod/broadcast', publish: [] } }],
    ['topics', { ...valid, topics: null }],
  ])('refuses a 200 response without a valid %s, and keeps no session', async (field, body) => {
    const source = new CustomCredentialSource('https://api.example', () => 't', { fetch: async () => response(200, body) });
    await expect(source.fetch()).rejects.toEqual(new CredentialsRequestError(`the credentials response has no valid "${field}"`, 200));
    expect(source.session).toBeUndefined();
  });
});
