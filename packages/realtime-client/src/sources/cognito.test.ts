import { type CognitoAuthSession, CognitoCredentialSource } from './cognito.js';

const expiration = new Date('2030-01-01T01:00:00.000Z');
const session: CognitoAuthSession = {
  identityId: 'us-east-1:0f3c1e6a-1111-2222-3333-444455556666',
  credentials: { accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', expiration },
};

describe('CognitoCredentialSource (injected fetchAuthSession)', () => {
  it("uses Amplify's cached credentials first, then forces a refresh on every later fetch", async () => {
    const asked: boolean[] = [];
    const source = new CognitoCredentialSource('eu-west-1', async ({ forceRefresh }) => {
      asked.push(forceRefresh);
      return session;
    });
    expect(await source.fetch()).toEqual({ accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', expiration, region: 'eu-west-1' });
    await source.fetch();
    await source.fetch();
    expect(asked).toEqual([false, true, true]);
    expect(source.identityId).toBe('us-east-1:0f3c1e6a-1111-2222-3333-444455556666');
  });

  it.each([
    ['no credentials', { identityId: 'us-east-1:x' }],
    ['no session token', { ...session, credentials: { accessKeyId: 'A', secretAccessKey: 's', expiration } }],
    ['no expiration', { ...session, credentials: { accessKeyId: 'A', secretAccessKey: 's', sessionToken: 't' } }],
    ['no identity id', { credentials: session.credentials }],
  ])('fails clearly when the session has %s', async (_case, incomplete: CognitoAuthSession) => {
    const source = new CognitoCredentialSource('eu-west-1', async () => incomplete);
    await expect(source.fetch()).rejects.toThrow('Cognito returned no credentials for this identity');
    expect(source.identityId).toBeUndefined();
  });

  it('marks a refused login as permanent (retrying cannot help), other failures not', async () => {
    const refused = Object.assign(new Error('Refresh Token has been revoked'), { name: 'NotAuthorizedException' });
    const source = new CognitoCredentialSource('eu-west-1', async () => Promise.reject(refused));
    await expect(source.fetch()).rejects.toMatchObject({ message: 'Cognito refused this sign-in: Refresh Token has been revoked', permanent: true });
    const flaky = new CognitoCredentialSource('eu-west-1', async () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(flaky.fetch()).rejects.not.toHaveProperty('permanent');
  });
});
