import { CognitoIdentityProviderClient, GetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { unitTestAws } from '../../test/fixtures/events.js';
import { cognitoAccessTokenChecker } from './cognito-access-check.js';
import { UnauthorizedError, UpstreamError } from './errors.js';

const userPool = mockClient(CognitoIdentityProviderClient);
const check = cognitoAccessTokenChecker(new CognitoIdentityProviderClient({ ...unitTestAws, maxAttempts: 1 }));
const refusedWith = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {}, $fault: 'client' });

beforeEach(() => userPool.reset());

describe('the Cognito access token check (GetUser)', () => {
  it('asks GetUser with the access token and accepts what Cognito accepts', async () => {
    userPool.on(GetUserCommand).resolves({ Username: 'dana', UserAttributes: [] });
    await expect(check('the-access-token')).resolves.toBeUndefined();
    expect(userPool.commandCalls(GetUserCommand)[0]!.args[0].input).toEqual({ AccessToken: 'the-access-token' });
  });

  it.each([
    ['NotAuthorizedException', 'Access Token has been revoked', 'the Cognito sign-in was signed out or revoked; sign in again'],
    ['NotAuthorizedException', 'Access Token has expired', 'the Cognito access token has expired; refresh the session'],
    ['NotAuthorizedException', 'User is disabled.', 'the Cognito user is disabled'],
    ['NotAuthorizedException', 'Invalid Access Token', 'Cognito does not accept the access token; sign in again'],
    ['UserNotFoundException', 'User does not exist.', 'the Cognito user no longer exists'],
  ])('answers %s "%s" with 401: %s', async (name, message, said) => {
    userPool.on(GetUserCommand).rejects(refusedWith(name, message));
    const refusal = check('t').catch((error: unknown) => error);
    await expect(refusal).resolves.toBeInstanceOf(UnauthorizedError);
    await expect(refusal).resolves.toHaveProperty('message', said);
  });

  it('treats throttling as retryable (503) and a misconfiguration as permanent (502), never as an acceptance', async () => {
    userPool.on(GetUserCommand).rejects(refusedWith('TooManyRequestsException', 'Rate exceeded'));
    const throttled = await check('t').catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(UpstreamError);
    expect((throttled as UpstreamError).retryable).toBe(true);
    userPool.on(GetUserCommand).rejects(refusedWith('ResourceNotFoundException', 'User pool client does not exist'));
    const missing = await check('t').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(UpstreamError);
    expect((missing as UpstreamError).retryable).toBe(false);
  });
});
