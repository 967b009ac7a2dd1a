import { CredentialsRequestError, CustomCredentialSource } from './custom.js';

const response = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('CustomCredentialSource (POST /credentials)', () => {
  it('sends the bearer token and maps the response, keeping the session (client id, topics)', async () => {
    const calls: Array<[string, RequestInit | undefined]> = [];
    const source = new CustomCredentialSource('https://api.example', () => 'jwt-1', async (url, init) => {
      calls.push([String(url), init]);
      return response(200, {
        accessKeyId: 'ASIA',
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: '2030-01-01T01:00:00.000Z',
        region: 'eu-west-1',
        iotEndpoint: 'x-ats.iot.eu-west-1.amazonaws.com',
        clientId: 'app.prod.alice',
        topics: { subscribe: ['app/prod/broadcast'], publish: [] },
      });
    });
    const creds = await source.fetch();
    expect(calls[0]?.[0]).toBe('https://api.example/credentials');
    expect(calls[0]?.[1]?.headers).toEqual({ authorization: 'Bearer jwt-1' });
    expect(creds).toEqual({ accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', region: 'eu-west-1', expiration: new Date('2030-01-01T01:00:00.000Z') });
    expect(source.session).toEqual({ clientId: 'app.prod.alice', iotEndpoint: 'x-ats.iot.eu-west-1.amazonaws.com', topics: { subscribe: ['app/prod/broadcast'], publish: [] } });
  });

  it('surfaces the API\'s message and status on failure', async () => {
    const source = new CustomCredentialSource('https://api.example', () => 'bad', async () => response(401, { message: 'the token has expired' }));
    await expect(source.fetch()).rejects.toEqual(new CredentialsRequestError('the token has expired', 401));
  });
});
