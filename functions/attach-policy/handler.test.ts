import { CognitoIdentityClient, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient, GetUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AttachPolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { AttachPolicyEnvSchema } from '../../core/contracts/function-env.js';
import { cognitoAccessToken, cognitoIdToken, poolKeySet } from '../../test/fixtures/cognito-tokens.js';
import { baseEnv, context, httpEvent, silentLogger, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { cognitoIotPolicyAttacher } from './aws.js';
import { createAttachPolicyHandler } from './handler.js';

const identity = mockClient(CognitoIdentityClient);
const userPool = mockClient(CognitoIdentityProviderClient);
const iot = mockClient(IoTClient);
const handler = createAttachPolicyHandler({
  logger: silentLogger(),
  cognito: cognitoIotPolicyAttacher(
    testConfig(AttachPolicyEnvSchema),
    { identity: new CognitoIdentityClient(unitTestAws), userPool: new CognitoIdentityProviderClient(unitTestAws), iot: new IoTClient(unitTestAws) },
    poolKeySet,
  ),
});

// The fixture's tokens are dated around 2030: the verifier runs on the real clock here, so they are made current.
const iat = Math.floor(Date.now() / 1000) - 10;
const current = { iat, exp: iat + 600 };
const ID = await cognitoIdToken({}, current);
const ACCESS = await cognitoAccessToken({}, current);
const call = (headers: Record<string, string>, body = '{}') => handler(httpEvent({ path: '/iot/attach-policy', headers, body }), context);
const signedIn = { authorization: `Bearer ${ID}`, 'cognito-access-token': ACCESS };

beforeEach(() => {
  identity.reset();
  userPool.reset();
  iot.reset();
  userPool.on(GetUserCommand).resolves({ Username: 'dana', UserAttributes: [] });
});

describe('POST /iot/attach-policy', () => {
  it('checks the sign-in with Cognito, derives the identity id from the ID token and attaches the policy to it, ignoring any id in the body', async () => {
    identity.on(GetIdCommand).resolves({ IdentityId: 'eu-west-1:11111111-1111-1111-1111-111111111111' });
    iot.on(AttachPolicyCommand).resolves({});
    const res = await call(signedIn, JSON.stringify({ identityId: 'eu-west-1:99999999-9999-9999-9999-999999999999' }));
    expect(res.statusCode).toBe(200);
    expect(userPool.commandCalls(GetUserCommand)[0]!.args[0].input).toEqual({ AccessToken: ACCESS });
    expect(identity.commandCalls(GetIdCommand)[0]!.args[0].input).toEqual({
      IdentityPoolId: baseEnv.IDENTITY_POOL_ID,
      Logins: { 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc': ID },
    });
    expect(iot.commandCalls(AttachPolicyCommand)[0]!.args[0].input).toEqual({
      policyName: 'app-test-cognito-user',
      target: 'eu-west-1:11111111-1111-1111-1111-111111111111',
    });
  });

  it('answers 401 for a signed-out sign-in (Cognito: "Access Token has been revoked"), and attaches nothing', async () => {
    userPool.on(GetUserCommand).rejects(Object.assign(new Error('Access Token has been revoked'), { name: 'NotAuthorizedException' }));
    const res = await call(signedIn);
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(String(res.body)).message).toBe('the Cognito sign-in was signed out or revoked; sign in again');
    expect(identity.commandCalls(GetIdCommand)).toHaveLength(0);
    expect(iot.commandCalls(AttachPolicyCommand)).toHaveLength(0);
  });

  it('answers 401 when the identity pool refuses the token, without the access token, and without a token; attaches nothing', async () => {
    identity.on(GetIdCommand).rejects(Object.assign(new Error('Invalid login token'), { name: 'NotAuthorizedException' }));
    expect((await call(signedIn)).statusCode).toBe(401);
    expect((await call({ authorization: `Bearer ${ID}` })).statusCode).toBe(401);
    expect((await call({})).statusCode).toBe(401);
    expect(iot.commandCalls(AttachPolicyCommand)).toHaveLength(0);
  });
});
