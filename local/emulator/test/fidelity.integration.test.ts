/**
 * The emulator answering as AWS does where the issue found it did not (issue 21), through the real SDK v3 clients:
 * IoT ListPolicies/GetPolicy and the `execute-api` signing name, the data plane's retained messages, one answer for
 * what is not emulated (never a code AWS uses for a normal outcome) in the caller's protocol, STS managed session
 * policies, and DynamoDB's TransactGetItems, Time to Live and TableId through the emulator's IAM.
 */
import { CognitoIdentityClient, ListIdentityPoolsCommand } from '@aws-sdk/client-cognito-identity';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ExecuteStatementCommand,
  GetItemCommand,
  PutItemCommand,
  TransactGetItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { GetPolicyCommand, IoTClient, ListPoliciesCommand, ListThingsCommand } from '@aws-sdk/client-iot';
import {
  GetRetainedMessageCommand,
  GetThingShadowCommand,
  IoTDataPlaneClient,
  ListRetainedMessagesCommand,
  PublishCommand,
} from '@aws-sdk/client-iot-data-plane';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { RoleDefinition } from '../../../core/access/model.js';
import { lambdaTrustPolicy } from '../../../core/access/service-policies.js';
import { type PolicyStatement, policy } from '../../../core/policy/document.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { type AwsCredentials, signedFetch } from '../../../test/support/sign.js';
import { LOCAL_ADMIN_USER, LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import { type RunningLocalDynamoDb, startLocalDynamoDb } from '../../store/dynalite.js';

const d = LOCAL_DEPLOYMENT;
const adminArn = `arn:aws:iam::${d.accountId}:user/${LOCAL_ADMIN_USER.userName}`;
const topicArn = (topic: string) => `arn:aws:iot:${d.region}:${d.accountId}:topic/${topic}`;
const tableArn = (name: string) => `arn:aws:dynamodb:${d.region}:${d.accountId}:table/${name}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const role = (name: string, trust: RoleDefinition['trust'], ...statements: PolicyStatement[]): RoleDefinition => ({
  name: `fidelity-${name}`,
  arn: `arn:aws:iam::${d.accountId}:role/fidelity-${name}`,
  trust,
  policies: statements.length > 0 ? [{ name: `${name}-policy`, document: policy(...statements) }] : [],
  maxSessionDurationSeconds: 3600,
});
const adminTrust = policy({ Effect: 'Allow', Principal: { AWS: adminArn }, Action: 'sts:AssumeRole' });
const ROLES = {
  /** Publishes to a/*, b/* and d/* is granted only by an attached managed policy. */
  publisher: role('publisher', adminTrust, { Effect: 'Allow', Action: 'iot:Publish', Resource: [topicArn('a/*'), topicArn('b/*')] }),
  /** Publishes only: no retained-message reads, no IoT policy reads. */
  publishOnly: role('publish-only', lambdaTrustPolicy(), { Effect: 'Allow', Action: 'iot:Publish', Resource: topicArn('*') }),
  /** GetItem on table A only inside TransactGetItems; nothing on B. */
  txReader: role('tx-reader', lambdaTrustPolicy(), {
    Effect: 'Allow',
    Action: 'dynamodb:GetItem',
    Resource: tableArn('fidelity-a'),
    Condition: { StringEquals: { 'dynamodb:EnclosingOperation': 'TransactGetItems' } },
  }),
};

let emulator: TestEmulator;
let store: RunningLocalDynamoDb;
const destroy: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  store = await startLocalDynamoDb();
  emulator = await startTestEmulator({
    dynamoDbUpstreamUrl: store.url,
    account: (base) => ({ ...base, roles: [...(base.roles ?? []), ...Object.values(ROLES)] }),
  });
  for (const name of ['fidelity-a', 'fidelity-b'])
    await emulator.dynamodb!.createTable({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
});
afterAll(async () => {
  for (const c of destroy) c.destroy();
  await emulator.close();
  await store.close();
});

function serviceCredentials(definition: RoleDefinition): AwsCredentials {
  const issued = emulator.account.startServiceRoleSession(definition, 'lambda.amazonaws.com', `${definition.name}-session`, new Date(Date.now() + 3_600_000));
  return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken! };
}
function client<T extends { destroy(): void }>(make: (config: { region: string; endpoint: string; credentials: AwsCredentials; maxAttempts: number }) => T) {
  return (credentials: AwsCredentials = adminCredentials) => {
    const c = make({ region: d.region, endpoint: emulator.url, credentials, maxAttempts: 1 });
    destroy.push(c);
    return c;
  };
}
const iot = client((config) => new IoTClient(config));
const iotData = client((config) => new IoTDataPlaneClient(config));
const sts = client((config) => new STSClient(config));
const dynamodb = client((config) => new DynamoDBClient(config));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } },
  );
const bytes = (s: string) => new TextEncoder().encode(s);

describe('IoT control plane: policies, and the execute-api signing name of older SDK models', () => {
  it('ListPolicies pages through the policies (newest first unless ascending) and GetPolicy answers the document as submitted', async () => {
    const text = '{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iot:Connect", "Resource": "*" } ] }';
    emulator.account.createIotPolicy('fidelity-second', JSON.parse(text), text);
    const first = await iot().send(new ListPoliciesCommand({ pageSize: 1, ascendingOrder: true }));
    expect(first.policies).toEqual([
      { policyName: 'iot-realtime-local-cognito-user', policyArn: expect.stringMatching(/:policy\/iot-realtime-local-cognito-user$/) },
    ]);
    const second = await iot().send(new ListPoliciesCommand({ pageSize: 1, ascendingOrder: true, marker: first.nextMarker! }));
    expect(second.policies?.map((p) => p.policyName)).toEqual(['fidelity-second']);
    expect(second.nextMarker).toBeUndefined();
    expect((await iot().send(new ListPoliciesCommand({}))).policies?.[0]?.policyName).toBe('fidelity-second');

    const policyOut = await iot().send(new GetPolicyCommand({ policyName: 'fidelity-second' }));
    expect(policyOut).toMatchObject({
      policyName: 'fidelity-second',
      policyArn: `arn:aws:iot:${d.region}:${d.accountId}:policy/fidelity-second`,
      policyDocument: text,
      defaultVersionId: '1',
    });
    expect(Math.abs(policyOut.creationDate!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('GetPolicy of a policy that does not exist is ResourceNotFoundException; without iot:GetPolicy, AccessDeniedException', async () => {
    expect(await failure(iot().send(new GetPolicyCommand({ policyName: 'no-such-policy' })))).toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    expect(await failure(iot(serviceCredentials(ROLES.publishOnly)).send(new GetPolicyCommand({ policyName: 'fidelity-second' })))).toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    expect(await failure(iot(serviceCredentials(ROLES.publishOnly)).send(new ListPoliciesCommand({})))).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('accepts requests signed for execute-api (as the AWS CLI v2 of Debian 12 signs them), and still verifies them', async () => {
    const ok = await signedFetch(adminCredentials, { url: emulator.url, service: 'execute-api', method: 'GET', path: '/endpoint?endpointType=iot:Data-ATS' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ endpointAddress: 'localhost' });
    const forged = await signedFetch(
      { ...adminCredentials, secretAccessKey: 'not-the-secret' },
      { url: emulator.url, service: 'execute-api', method: 'GET', path: '/endpoint' },
    );
    expect(forged.status).toBe(403);
    expect(forged.headers.get('x-amzn-errortype')).toBe('SignatureDoesNotMatch');
  });

  it('answers an operation it does not emulate 501 UnknownOperationException, never ResourceNotFoundException', async () => {
    expect(await failure(iot().send(new ListThingsCommand({})))).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 501 } });
  });
});

describe('IoT data plane: retained messages', () => {
  it('GetRetainedMessage is ResourceNotFoundException only while the topic holds none', async () => {
    const topic = 'fidelity/retained/one';
    expect(await failure(iotData().send(new GetRetainedMessageCommand({ topic })))).toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    const before = Date.now();
    await iotData().send(new PublishCommand({ topic, qos: 1, retain: true, payload: bytes('{"kept":true}') }));
    const out = await iotData().send(new GetRetainedMessageCommand({ topic }));
    expect(out.topic).toBe(topic);
    expect(new TextDecoder().decode(out.payload)).toBe('{"kept":true}');
    expect(out.qos).toBe(1);
    expect(out.lastModifiedTime).toBeGreaterThanOrEqual(before - 1000);
    expect(out.lastModifiedTime).toBeLessThanOrEqual(Date.now() + 1000);
    // MQTT: a retained message with an empty payload clears the topic's.
    await iotData().send(new PublishCommand({ topic, qos: 0, retain: true, payload: new Uint8Array() }));
    expect(await failure(iotData().send(new GetRetainedMessageCommand({ topic })))).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('ListRetainedMessages lists topics with size and QoS, page by page', async () => {
    for (const [i, payload] of ['x', 'yy', 'zzz'].entries())
      await iotData().send(new PublishCommand({ topic: `fidelity/list/${i}`, qos: 0, retain: true, payload: bytes(payload) }));
    const first = await iotData().send(new ListRetainedMessagesCommand({ maxResults: 2 }));
    expect(first.retainedTopics).toHaveLength(2);
    const second = await iotData().send(new ListRetainedMessagesCommand({ maxResults: 2, nextToken: first.nextToken! }));
    const all = [...(first.retainedTopics ?? []), ...(second.retainedTopics ?? [])].filter((t) => t.topic?.startsWith('fidelity/list/'));
    expect(all.map((t) => [t.topic, t.payloadSize, t.qos])).toEqual([
      ['fidelity/list/0', 1, 0],
      ['fidelity/list/1', 2, 0],
      ['fidelity/list/2', 3, 0],
    ]);
    expect(await failure(iotData().send(new ListRetainedMessagesCommand({ maxResults: 201 })))).toMatchObject({ name: 'InvalidRequestException' });
  });

  it('needs iot:GetRetainedMessage and iot:ListRetainedMessages; shadows are not emulated (501)', async () => {
    const publisher = iotData(serviceCredentials(ROLES.publishOnly));
    expect(await failure(publisher.send(new GetRetainedMessageCommand({ topic: 'fidelity/list/0' })))).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await failure(publisher.send(new ListRetainedMessagesCommand({})))).toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(await failure(iotData().send(new GetThingShadowCommand({ thingName: 'thing' })))).toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 501 },
    });
  });
});

describe('services and operations the emulator lacks: 501 in the protocol the caller speaks', () => {
  it('a Query client (form body) gets an XML ErrorResponse it can parse; a JSON client gets JSON', async () => {
    const query = await signedFetch(adminCredentials, {
      url: emulator.url,
      service: 'sns',
      path: '/',
      body: 'Action=ListTopics&Version=2010-03-31',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    });
    expect(query.status).toBe(501);
    expect(query.headers.get('content-type')).toBe('text/xml');
    expect(query.body).toMatch(/^<ErrorResponse><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>the service &quot;sns&quot; is not emulated/);
    expect(query.body).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/);

    const json = await signedFetch(adminCredentials, {
      url: emulator.url,
      service: 'kinesis',
      path: '/',
      body: '{}',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.ListStreams' },
    });
    expect(json.status).toBe(501);
    expect(JSON.parse(json.body)).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringContaining('"kinesis" is not emulated') });

    const unsignedQuery = await fetch(emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListTopics',
    });
    expect(unsignedQuery.status).toBe(403);
    expect(await unsignedQuery.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('SQS through the Query protocol (older clients) is told the local SQS speaks JSON, in XML', async () => {
    const response = await signedFetch(adminCredentials, {
      url: emulator.url,
      service: 'sqs',
      path: '/',
      body: 'Action=ListQueues&Version=2012-11-05',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(501);
    expect(response.body).toContain('<Code>InvalidAction</Code><Message>the local SQS speaks the JSON protocol');
  });

  it('STS, Cognito Identity and DynamoDB answer their operations that are not emulated the same way', async () => {
    const stsQuery = await signedFetch(adminCredentials, {
      url: emulator.url,
      service: 'sts',
      path: '/',
      body: 'Action=GetSessionToken&Version=2011-06-15',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(stsQuery.status).toBe(501);
    expect(stsQuery.body).toContain('<Type>Sender</Type><Code>InvalidAction</Code>');
    const cognito = new CognitoIdentityClient({ region: d.region, endpoint: emulator.url, credentials: adminCredentials, maxAttempts: 1 });
    destroy.push(cognito);
    expect(await failure(cognito.send(new ListIdentityPoolsCommand({ MaxResults: 10 })))).toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 501 },
    });
    expect(await failure(dynamodb().send(new ExecuteStatementCommand({ Statement: 'SELECT * FROM "fidelity-a"' })))).toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 501 },
    });
  });
});

describe('STS AssumeRole with managed session policies (PolicyArns)', () => {
  const publish = (credentials: AwsCredentials, topic: string) =>
    iotData(credentials)
      .send(new PublishCommand({ topic, qos: 0, payload: bytes('x') }))
      .then(
        () => 'allowed',
        (error: Error & { $metadata?: { httpStatusCode?: number } }) => (error.$metadata?.httpStatusCode === 403 ? 'denied' : error.name),
      );
  const assume = async (input: { policyArns?: string[]; policy?: string }) => {
    const out = await sts().send(
      new AssumeRoleCommand({
        RoleArn: ROLES.publisher.arn,
        RoleSessionName: 'managed-session',
        ...(input.policyArns ? { PolicyArns: input.policyArns.map((arn) => ({ arn })) } : {}),
        ...(input.policy ? { Policy: input.policy } : {}),
      }),
    );
    const c = out.Credentials!;
    return { credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }, packed: out.PackedPolicySize };
  };
  let managedA: string;
  let managedC: string;

  beforeAll(() => {
    managedA = emulator.account.createManagedPolicy(
      'fidelity-a-and-c',
      policy({ Effect: 'Allow', Action: 'iot:Publish', Resource: [topicArn('a/*'), topicArn('c/*')] }),
    );
    managedC = emulator.account.createManagedPolicy('fidelity-c-only', policy({ Effect: 'Allow', Action: 'iot:Publish', Resource: topicArn('c/*') }), {
      path: '/team/',
    });
  });

  it('the session may do what the role allows and any of its session policies (inline or managed) allows', async () => {
    expect(managedC).toBe(`arn:aws:iam::${d.accountId}:policy/team/fidelity-c-only`);
    const inline = JSON.stringify(policy({ Effect: 'Allow', Action: 'iot:Publish', Resource: topicArn('b/x') }));
    const { credentials, packed } = await assume({ policyArns: [managedA], policy: inline });
    expect(packed).toBeGreaterThan(0);
    expect(await publish(credentials, 'a/1')).toBe('allowed');
    expect(await publish(credentials, 'b/x')).toBe('allowed');
    expect(await publish(credentials, 'b/y')).toBe('denied');
    // The managed policy allows c/*, the role does not: a session policy never grants more than the role.
    expect(await publish(credentials, 'c/1')).toBe('denied');
  });

  it('with managed session policies only, the session is limited to them', async () => {
    const { credentials } = await assume({ policyArns: [managedA] });
    expect(await publish(credentials, 'a/2')).toBe('allowed');
    expect(await publish(credentials, 'b/x')).toBe('denied');
  });

  it('refuses more than 10 ARNs, an ARN naming no policy, and policies whose plaintext passes 2048 characters', async () => {
    const tooMany = await failure(assume({ policyArns: Array.from({ length: 11 }, () => managedA) }));
    expect(tooMany).toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    expect(await failure(assume({ policyArns: [`arn:aws:iam::${d.accountId}:policy/no-such-policy`] }))).toMatchObject({ name: 'InvalidParameterValue' });
    const inline = (sid: string) => JSON.stringify(policy({ Sid: sid, Effect: 'Allow', Action: 'iot:Publish', Resource: topicArn('b/*') }));
    // An inline policy of 2040 characters: within its own limit, over the shared one with the ARN.
    const bulky = inline('x'.repeat(2040 - inline('').length));
    expect(bulky.length).toBe(2040);
    expect(bulky.length + managedA.length).toBeGreaterThan(2048);
    expect(await failure(assume({ policyArns: [managedA], policy: bulky }))).toMatchObject({
      name: 'PackedPolicyTooLargeException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('a managed policy attached to the role adds to its permissions, for sessions already running', async () => {
    const { credentials } = await assume({});
    expect(await publish(credentials, 'd/1')).toBe('denied');
    const arn = emulator.account.createManagedPolicy('fidelity-d', policy({ Effect: 'Allow', Action: 'iot:Publish', Resource: topicArn('d/*') }));
    emulator.account.attachRolePolicy(ROLES.publisher.name, arn);
    expect(emulator.account.attachedRolePolicies(ROLES.publisher.name).map((p) => p.arn)).toEqual([arn]);
    expect(await publish(credentials, 'd/1')).toBe('allowed');
    emulator.account.detachRolePolicy(ROLES.publisher.name, arn);
    expect(await publish(credentials, 'd/1')).toBe('denied');
    expect(() => emulator.account.attachRolePolicy(ROLES.publisher.name, `arn:aws:iam::${d.accountId}:policy/none`)).toThrow(/does not exist/);
    expect(() => emulator.account.createManagedPolicy('fidelity-d', policy())).toThrow(/already exists/);
  });
});

describe('DynamoDB through the emulator: TransactGetItems, Time to Live, TableId', () => {
  it('authorizes each Get of TransactGetItems as GetItem with dynamodb:EnclosingOperation, then runs it', async () => {
    await dynamodb().send(new PutItemCommand({ TableName: 'fidelity-a', Item: { pk: { S: 'one' }, v: { S: 'A' } } }));
    const reader = dynamodb(serviceCredentials(ROLES.txReader));
    // Outside a transaction the condition does not hold.
    expect(await failure(reader.send(new GetItemCommand({ TableName: 'fidelity-a', Key: { pk: { S: 'one' } } })))).toMatchObject({
      name: 'AccessDeniedException',
    });
    const out = await reader.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'fidelity-a', Key: { pk: { S: 'one' } } } }] }));
    expect(out.Responses).toEqual([{ Item: { pk: { S: 'one' }, v: { S: 'A' } } }]);
    const withB = await failure(
      reader.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: 'fidelity-a', Key: { pk: { S: 'one' } } } }, { Get: { TableName: 'fidelity-b', Key: { pk: { S: 'one' } } } }],
        }),
      ),
    );
    expect(withB).toMatchObject({ name: 'AccessDeniedException', message: expect.stringContaining(`dynamodb:GetItem on resource: ${tableArn('fidelity-b')}`) });
  });

  it('DescribeTimeToLive says ENABLED for a table deployed with TTL; DescribeTable gives a UUID TableId', async () => {
    expect((await dynamodb().send(new DescribeTimeToLiveCommand({ TableName: 'fidelity-a' }))).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
    await emulator.dynamodb!.setTimeToLive('fidelity-a', 'expiresAt');
    // Again, as a restart of the stack does: nothing changes (DynamoDB would refuse a second change within the hour).
    await emulator.dynamodb!.setTimeToLive('fidelity-a', 'expiresAt');
    expect((await dynamodb().send(new DescribeTimeToLiveCommand({ TableName: 'fidelity-a' }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'expiresAt',
    });
    expect((await dynamodb().send(new DescribeTableCommand({ TableName: 'fidelity-a' }))).Table?.TableId).toMatch(UUID);
  });
});
