import { CognitoIdentityClient, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { AttachPolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { mockClient } from 'aws-sdk-client-mock';
import { AttachPolicyEnvSchema } from '../../core/contracts/function-env.js';
import { baseEnv, context, httpEvent, silentLogger, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { cognitoIotPolicyAttacher } from './aws.js';
import { createAttachPolicyHandler } from './handler.js';

const cognito = mockClient(CognitoIdentityClient);
const iot = mockClient(IoTClient);
const handler = createAttachPolicyHandler({
  logger: silentLogger(),
  cognito: cognitoIotPolicyAttacher(testConfig(AttachPolicyEnvSchema), new CognitoIdentityClient(unitTestAws), new IoTClient(unitTestAws)),
});

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
const call = (headers: Record<string, string>, body = '{}') => handler(httpEvent({ path: '/iot/attach-policy', headers, body }), context);

beforeEach(() => {
  cognito.reset();
  iot.reset();
});

describe('POST /iot/attach-policy', () => {
  it('derives the identity id from the ID token and attaches the policy to it, ignoring any id in the body', async () => {
    cognito.on(GetIdCommand).resolves({ IdentityId: 'eu-west-1:11111111-1111-1111-1111-111111111111' });
    iot.on(AttachPolicyCommand).resolves({});
    const res = await call({ authorization: `Bearer ${TOKEN}` }, JSON.stringify({ identityId: 'eu-west-1:99999999-9999-9999-9999-999999999999' }));
    expect(res.statusCode).toBe(200);
    expect(cognito.commandCalls(GetIdCommand)[0]!.args[0].input).toEqual({
      IdentityPoolId: baseEnv.IDENTITY_POOL_ID,
      Logins: { 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc': TOKEN },
    });
    expect(iot.commandCalls(AttachPolicyCommand)[0]!.args[0].input).toEqual({
      policyName: 'app-test-cognito-user',
      target: 'eu-west-1:11111111-1111-1111-1111-111111111111',
    });
  });

  it('answers 401 when Cognito refuses the token, and without a token; attaches nothing', async () => {
    cognito.on(GetIdCommand).rejects(Object.assign(new Error('Invalid login token'), { name: 'NotAuthorizedException' }));
    expect((await call({ authorization: `Bearer ${TOKEN}` })).statusCode).toBe(401);
    expect((await call({})).statusCode).toBe(401);
    expect(iot.commandCalls(AttachPolicyCommand)).toHaveLength(0);
  });
});
