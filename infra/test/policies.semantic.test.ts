/**
 * The synthesized policy documents, evaluated with the same evaluator the emulator enforces: what AWS would allow
 * with exactly the documents Terraform sends.
 */
import { RATE_LIMITED_FUNCTIONS } from '../../core/access/model.js';
import { evaluateLayers, evaluatePolicies, type NamedPolicy, type PolicyLayer } from '../../core/policy/evaluator.js';
import { FUNCTIONS } from '../../functions/catalog.js';
import { ServiceAuthorizationReference } from '../../local/emulator/account/authorization-reference.js';
import { policyOf, type Synthesized, synthesize, TEST_ACCOUNT, TEST_IDENTITY_POOL } from './synthesized.js';

let synth: Synthesized;
beforeAll(async () => {
  synth = await synthesize();
}, 120_000);

const arn = (kind: string, name: string) => `arn:aws:iot:eu-west-1:${TEST_ACCOUNT}:${kind}/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${TEST_ACCOUNT}:role/${name}`;

/** Inline policies of a role, found through the role's resource id as Terraform references it. */
function rolePolicies(roleName: string): NamedPolicy[] {
  const role = synth.resources('aws_iam_role').find((r) => r.name === roleName);
  if (!role) throw new Error(`no role ${roleName}`);
  return synth
    .resources('aws_iam_role_policy')
    .filter((p) => p.role === `\${aws_iam_role.${role.__id}.id}`)
    .map((p) => ({ name: String(p.name), document: policyOf(p.policy) }));
}

function trustOf(roleName: string) {
  const role = synth.resources('aws_iam_role').find((r) => r.name === roleName)!;
  return policyOf(role.assume_role_policy);
}

const iotPolicy = (): NamedPolicy => {
  const [p] = synth.resources('aws_iot_policy');
  return { name: String(p!.name), document: policyOf(p!.policy) };
};

describe('Cognito guests (unauthenticated role)', () => {
  const layers = (): PolicyLayer[] => [{ name: 'guest role', policies: rolePolicies('iot-realtime-test-cognito-guest') }];
  const ctx = { 'cognito-identity.amazonaws.com:sub': 'eu-west-1:aaaaaaaa-0000-4000-8000-000000000001' };

  it('can only receive broadcast', () => {
    const can = (action: string, resource: string) => evaluateLayers(layers(), { action, resource, context: ctx }).allowed;
    expect(can('iot:Connect', arn('client', `iot-realtime.test.${ctx['cognito-identity.amazonaws.com:sub']}`))).toBe(true);
    // Only within the stage's client ids: the bare identity id is not one.
    expect(can('iot:Connect', arn('client', ctx['cognito-identity.amazonaws.com:sub']))).toBe(false);
    expect(can('iot:Subscribe', arn('topicfilter', 'iot-realtime/test/broadcast'))).toBe(true);
    expect(can('iot:Receive', arn('topic', 'iot-realtime/test/broadcast'))).toBe(true);
    expect(can('iot:Receive', arn('topic', 'iot-realtime/test/rooms/general'))).toBe(false);
    expect(can('iot:Subscribe', arn('topicfilter', 'iot-realtime/test/#'))).toBe(false);
    expect(can('iot:Receive', arn('topic', `iot-realtime/test/users/${ctx['cognito-identity.amazonaws.com:sub']}/x`))).toBe(false);
    expect(can('iot:Publish', arn('topic', 'iot-realtime/test/broadcast'))).toBe(false);
  });
});

describe('Cognito signed-in identities (authenticated role + attached IoT policy)', () => {
  const me = 'eu-west-1:aaaaaaaa-0000-4000-8000-000000000001';
  const other = 'eu-west-1:bbbbbbbb-0000-4000-8000-000000000002';
  const layers = (): PolicyLayer[] => [
    { name: 'authenticated role', policies: rolePolicies('iot-realtime-test-cognito-authenticated') },
    { name: 'attached IoT policies', policies: [iotPolicy()] },
  ];
  const can = (action: string, resource: string) =>
    evaluateLayers(layers(), { action, resource, context: { 'cognito-identity.amazonaws.com:sub': me } }).allowed;

  it('reach their own topics', () => {
    expect(can('iot:Connect', arn('client', `iot-realtime.test.${me}`))).toBe(true);
    expect(can('iot:Subscribe', arn('topicfilter', `iot-realtime/test/users/${me}/#`))).toBe(true);
    expect(can('iot:Receive', arn('topic', `iot-realtime/test/users/${me}/jobs/1`))).toBe(true);
  });

  it("cannot read another identity's topics or take its client id", () => {
    expect(can('iot:Subscribe', arn('topicfilter', `iot-realtime/test/users/${other}/#`))).toBe(false);
    expect(can('iot:Receive', arn('topic', `iot-realtime/test/users/${other}/jobs/1`))).toBe(false);
    expect(can('iot:Connect', arn('client', `iot-realtime.test.${other}`))).toBe(false);
  });

  it("are refused by the role's trust when they present as unauthenticated or from another pool", () => {
    const trust = [{ name: 'trust', document: trustOf('iot-realtime-test-cognito-authenticated') }];
    const principal = { type: 'Federated' as const, id: 'cognito-identity.amazonaws.com' };
    const ask = (aud: string, amr: string[]) =>
      evaluatePolicies(trust, {
        action: 'sts:AssumeRoleWithWebIdentity',
        principal,
        context: { 'cognito-identity.amazonaws.com:aud': aud, 'cognito-identity.amazonaws.com:amr': amr },
      }).allowed;
    expect(ask(TEST_IDENTITY_POOL, ['authenticated', 'cognito-idp'])).toBe(true);
    expect(ask(TEST_IDENTITY_POOL, ['unauthenticated'])).toBe(false);
    expect(ask('eu-west-1:99999999-0000-4000-8000-000000000000', ['authenticated'])).toBe(false);
  });
});

describe('function roles', () => {
  it.each([
    ['messages', 'iot-realtime/test/users/bob/rooms/general', 'iot-realtime/test/users/bob/jobs/j1'],
    ['fanout-worker', 'iot-realtime/test/users/bob/rooms/general', 'iot-realtime/test/users/bob/jobs/j1'],
    ['jobs-worker', 'iot-realtime/test/users/bob/jobs/j1', 'iot-realtime/test/users/bob/rooms/general'],
  ])('lets %s publish to its own family of user topics in this stage only', (fn, allowed, other) => {
    const layers = [{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }];
    const can = (topic: string) => evaluateLayers(layers, { action: 'iot:Publish', resource: arn('topic', topic) }).allowed;
    expect(can(allowed)).toBe(true);
    expect(can(other)).toBe(false);
    expect(can(allowed.replace('/test/', '/prod/'))).toBe(false);
    expect(can('iot-realtime/test/broadcast')).toBe(false);
    expect(can('iot-realtime/test/rooms/general')).toBe(false);
    expect(can('$aws/things/x/shadow/update')).toBe(false);
    expect(evaluateLayers(layers, { action: 'iot:Subscribe', resource: arn('topicfilter', 'iot-realtime/test/#') }).allowed).toBe(false);
  });

  it('gives each function exactly the DynamoDB actions and tables it needs', () => {
    const table = (name: string) => `arn:aws:dynamodb:eu-west-1:${TEST_ACCOUNT}:table/iot-realtime-test-${name}`;
    const can = (fn: string, action: string, resource: string) =>
      evaluateLayers([{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }], { action, resource }).allowed;
    // rooms: manages memberships (transactions are authorized per item action), lists a user's rooms on the index.
    for (const action of [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:Query',
    ]) {
      expect(can('rooms', action, table('memberships'))).toBe(true);
    }
    expect(can('rooms', 'dynamodb:Query', `${table('memberships')}/index/byUser`)).toBe(true);
    expect(can('rooms', 'dynamodb:Scan', table('memberships'))).toBe(false);
    expect(can('rooms', 'dynamodb:DeleteTable', table('memberships'))).toBe(false);
    expect(can('rooms', 'dynamodb:GetItem', table('messages'))).toBe(false);
    // rooms counts unread messages (GET /rooms) and nothing more on the history.
    expect(can('rooms', 'dynamodb:Query', table('messages'))).toBe(true);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'])
      expect(can('rooms', action, table('messages'))).toBe(false);
    // messages: reads memberships, appends history; never changes memberships.
    expect(can('messages', 'dynamodb:GetItem', table('memberships'))).toBe(true);
    expect(can('messages', 'dynamodb:Query', table('memberships'))).toBe(true);
    expect(can('messages', 'dynamodb:PutItem', table('messages'))).toBe(true);
    expect(can('messages', 'dynamodb:PutItem', table('memberships'))).toBe(false);
    expect(can('messages', 'dynamodb:DeleteItem', table('messages'))).toBe(false);
    // history: reads only.
    expect(can('history', 'dynamodb:Query', table('messages'))).toBe(true);
    expect(can('history', 'dynamodb:GetItem', table('memberships'))).toBe(true);
    expect(can('history', 'dynamodb:PutItem', table('messages'))).toBe(false);
    // jobs: records a user's jobs and reads their newest; the worker records steps and reads a finished one; nothing else.
    for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query']) expect(can('jobs', action, table('jobs'))).toBe(true);
    expect(can('jobs', 'dynamodb:UpdateItem', table('jobs'))).toBe(false);
    expect(can('jobs', 'dynamodb:Scan', table('jobs'))).toBe(false);
    for (const action of ['dynamodb:UpdateItem', 'dynamodb:GetItem']) expect(can('jobs-worker', action, table('jobs'))).toBe(true);
    for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query']) expect(can('jobs-worker', action, table('jobs'))).toBe(false);
    // broadcast: keeps and reads the latest broadcasts.
    for (const action of ['dynamodb:PutItem', 'dynamodb:Query']) expect(can('broadcast', action, table('broadcasts'))).toBe(true);
    for (const action of ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:Scan']) expect(can('broadcast', action, table('broadcasts'))).toBe(false);
    for (const fn of ['rooms', 'messages', 'history', 'credentials', 'users', 'presence', 'broadcast'])
      expect(can(fn, 'dynamodb:Query', table('jobs'))).toBe(false);
    for (const fn of ['rooms', 'messages', 'jobs', 'jobs-worker', 'users']) expect(can(fn, 'dynamodb:PutItem', table('broadcasts'))).toBe(false);
    // Nobody else touches the tables; no function reaches another stage's.
    for (const fn of ['credentials', 'fanout-worker', 'jobs', 'jobs-worker', 'attach-policy', 'health'])
      expect(can(fn, 'dynamodb:GetItem', table('memberships'))).toBe(false);
    expect(can('rooms', 'dynamodb:GetItem', table('memberships').replace('-test-', '-prod-'))).toBe(false);
  });

  it('lets exactly the rate-limited functions count requests: UpdateItem on the rate-limits table, nothing more', () => {
    const table = (name: string) => `arn:aws:dynamodb:eu-west-1:${TEST_ACCOUNT}:table/iot-realtime-test-${name}`;
    const can = (fn: string, action: string, resource: string) =>
      evaluateLayers([{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }], { action, resource }).allowed;
    // The access model grants the limiter to the functions whose catalog entry has a limit, and to no other.
    expect([...RATE_LIMITED_FUNCTIONS].sort()).toEqual(
      FUNCTIONS.filter((f) => f.rateLimit)
        .map((f) => f.name)
        .sort(),
    );
    for (const fn of FUNCTIONS) {
      const limited = fn.rateLimit !== undefined;
      expect(can(fn.name, 'dynamodb:UpdateItem', table('ratelimits'))).toBe(limited);
      // Counting needs no read: a function cannot see (or reset) anyone's counters.
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchWriteItem'])
        expect(can(fn.name, action, table('ratelimits'))).toBe(false);
    }
    // The grant names the table of this stage only, and no other table.
    expect(can('messages', 'dynamodb:UpdateItem', table('ratelimits').replace('-test-', '-prod-'))).toBe(false);
    expect(can('jobs', 'dynamodb:UpdateItem', table('memberships'))).toBe(false);
    expect(can('messages', 'dynamodb:UpdateItem', table('messages'))).toBe(false);
  });

  it('lets the presence functions reach the presence table, each only as far as its job needs, and nobody else', () => {
    const table = (name: string) => `arn:aws:dynamodb:eu-west-1:${TEST_ACCOUNT}:table/iot-realtime-test-${name}`;
    const can = (fn: string, action: string, resource: string) =>
      evaluateLayers([{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }], { action, resource }).allowed;
    const presence = table('presence');
    // The lifecycle-event function: reads and conditionally replaces a user's item; never deletes, scans or batch-reads.
    expect(can('presence-events', 'dynamodb:GetItem', presence)).toBe(true);
    expect(can('presence-events', 'dynamodb:PutItem', presence)).toBe(true);
    for (const action of [
      'dynamodb:DeleteItem',
      'dynamodb:UpdateItem',
      'dynamodb:Scan',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteTable',
    ]) {
      expect(can('presence-events', action, presence)).toBe(false);
    }
    // ... and finds whom to tell: a user's rooms on the byUser index, each room's members; it changes no membership.
    expect(can('presence-events', 'dynamodb:Query', `${table('memberships')}/index/byUser`)).toBe(true);
    expect(can('presence-events', 'dynamodb:Query', `${table('memberships')}/index/other`)).toBe(false);
    expect(can('presence-events', 'dynamodb:Query', table('memberships'))).toBe(true);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'])
      expect(can('presence-events', action, table('memberships'))).toBe(false);
    expect(can('presence-events', 'dynamodb:Query', table('messages'))).toBe(false);
    // The route: the caller's membership, a page of members, their connections; it writes nothing.
    expect(can('presence', 'dynamodb:BatchGetItem', presence)).toBe(true);
    expect(can('presence', 'dynamodb:GetItem', table('memberships'))).toBe(true);
    expect(can('presence', 'dynamodb:Query', table('memberships'))).toBe(true);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan'])
      expect(can('presence', action, presence)).toBe(false);
    expect(can('presence', 'dynamodb:PutItem', table('memberships'))).toBe(false);
    // The rooms function reads who is connected (members lists, member-added events) in batches, and writes nothing.
    expect(can('rooms', 'dynamodb:BatchGetItem', presence)).toBe(true);
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:Query'])
      expect(can('rooms', action, presence)).toBe(false);
    // No other function reads or writes who is connected; neither reaches another stage's table.
    for (const fn of FUNCTIONS.filter((f) => !['presence', 'presence-events', 'rooms'].includes(f.name))) {
      for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:BatchGetItem']) expect(can(fn.name, action, presence)).toBe(false);
    }
    expect(can('presence-events', 'dynamodb:PutItem', presence.replace('-test-', '-prod-'))).toBe(false);
    expect(can('presence', 'dynamodb:BatchGetItem', presence.replace('-test-', '-prod-'))).toBe(false);
  });

  it('lets the presence-events function publish to room inboxes only, and the presence route publish nothing', () => {
    const publish = (fn: string, topic: string) =>
      evaluateLayers([{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }], { action: 'iot:Publish', resource: arn('topic', topic) }).allowed;
    expect(publish('presence-events', 'iot-realtime/test/users/bob/rooms/general')).toBe(true);
    expect(publish('presence-events', 'iot-realtime/test/users/bob/jobs/j1')).toBe(false);
    expect(publish('presence-events', 'iot-realtime/test/broadcast')).toBe(false);
    expect(publish('presence-events', '$aws/events/presence/connected/x')).toBe(false);
    expect(publish('presence', 'iot-realtime/test/users/bob/rooms/general')).toBe(false);
  });

  it("lets only the broadcast function (and notify, for notifications to everyone) publish to the stage's broadcast topic, and it nothing else", () => {
    const publish = (fn: string, topic: string) =>
      evaluateLayers([{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }], { action: 'iot:Publish', resource: arn('topic', topic) }).allowed;
    expect(FUNCTIONS.filter((f) => publish(f.name, 'iot-realtime/test/broadcast')).map((f) => f.name)).toEqual(['broadcast', 'notify']);
    expect(publish('broadcast', 'iot-realtime/prod/broadcast')).toBe(false);
    expect(publish('broadcast', 'iot-realtime/test/broadcast/x')).toBe(false);
    expect(publish('broadcast', 'iot-realtime/test/users/bob/rooms/general')).toBe(false);
    const layers = [{ name: 'broadcast', policies: rolePolicies('iot-realtime-test-fn-broadcast') }];
    expect(evaluateLayers(layers, { action: 'iot:Subscribe', resource: arn('topicfilter', 'iot-realtime/test/broadcast') }).allowed).toBe(false);
    expect(evaluateLayers(layers, { action: 'iot:Connect', resource: arn('client', 'x') }).allowed).toBe(false);
    expect(
      evaluateLayers(layers, { action: 'dynamodb:GetItem', resource: `arn:aws:dynamodb:eu-west-1:${TEST_ACCOUNT}:table/iot-realtime-test-memberships` })
        .allowed,
    ).toBe(false);
  });

  it('lets the rooms and users functions read the user directory and write profiles, and nobody list or search it', () => {
    const users = `arn:aws:dynamodb:eu-west-1:${TEST_ACCOUNT}:table/iot-realtime-test-users`;
    const can = (fn: string, action: string, resource = users) =>
      evaluateLayers([{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }], { action, resource }).allowed;
    for (const fn of ['rooms', 'users']) {
      for (const action of ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem']) expect(can(fn, action)).toBe(true);
      for (const action of ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem']) expect(can(fn, action)).toBe(false);
      expect(can(fn, 'dynamodb:GetItem', users.replace('-test-', '-prod-'))).toBe(false);
    }
    for (const fn of FUNCTIONS.filter((f) => f.name !== 'rooms' && f.name !== 'users')) expect(can(fn.name, 'dynamodb:GetItem')).toBe(false);
  });

  it('lets the POST routes keep idempotency records: atomic ones for rooms and messages, pending-then-done for jobs', () => {
    const records = `arn:aws:dynamodb:eu-west-1:${TEST_ACCOUNT}:table/iot-realtime-test-idempotency`;
    const can = (fn: string, action: string) =>
      evaluateLayers([{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }], { action, resource: records }).allowed;
    for (const fn of ['rooms', 'messages']) {
      expect([can(fn, 'dynamodb:PutItem'), can(fn, 'dynamodb:GetItem')]).toEqual([true, true]);
      expect([can(fn, 'dynamodb:UpdateItem'), can(fn, 'dynamodb:DeleteItem'), can(fn, 'dynamodb:Scan')]).toEqual([false, false, false]);
    }
    for (const action of ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) expect(can('jobs', action)).toBe(true);
    expect(can('jobs', 'dynamodb:Scan')).toBe(false);
    for (const fn of FUNCTIONS.filter((f) => !['rooms', 'messages', 'jobs'].includes(f.name))) expect(can(fn.name, 'dynamodb:PutItem')).toBe(false);
  });

  it('lets the rooms function publish room events to room inboxes only, and hand large rooms to the fan-out queue', () => {
    const layers = [{ name: 'rooms', policies: rolePolicies('iot-realtime-test-fn-rooms') }];
    const publish = (topic: string) => evaluateLayers(layers, { action: 'iot:Publish', resource: arn('topic', topic) }).allowed;
    expect(publish('iot-realtime/test/users/bob/rooms/general')).toBe(true);
    expect(publish('iot-realtime/test/users/bob/jobs/j1')).toBe(false);
    expect(publish('iot-realtime/test/broadcast')).toBe(false);
    const queue = (name: string, action: string) =>
      evaluateLayers(layers, { action, resource: `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-${name}` }).allowed;
    expect([queue('fanout', 'sqs:SendMessage'), queue('fanout', 'sqs:ReceiveMessage'), queue('jobs', 'sqs:SendMessage')]).toEqual([true, false, false]);
  });

  it('lets the messages and rooms functions send to the fan-out queue, and only the fan-out worker consume it', () => {
    const queue = `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-fanout`;
    const can = (fn: string, action: string) =>
      evaluateLayers([{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }], { action, resource: queue }).allowed;
    expect(can('messages', 'sqs:SendMessage')).toBe(true);
    expect(can('messages', 'sqs:ReceiveMessage')).toBe(false);
    expect(can('rooms', 'sqs:SendMessage')).toBe(true);
    expect(can('fanout-worker', 'sqs:ReceiveMessage')).toBe(true);
    expect(can('fanout-worker', 'sqs:SendMessage')).toBe(false);
    expect(can('jobs', 'sqs:SendMessage')).toBe(false);
  });

  it("lets only IoT's presence rule role send to the presence-events queue, and only the presence-events function consume it", () => {
    const queue = (name: string) => `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-${name}`;
    const can = (role: string, action: string, resource = queue('presence-events')) =>
      evaluateLayers([{ name: role, policies: rolePolicies(`iot-realtime-test-${role}`) }], { action, resource }).allowed;
    expect(can('iot-presence-rule', 'sqs:SendMessage')).toBe(true);
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:PurgeQueue']) expect(can('iot-presence-rule', action)).toBe(false);
    for (const other of ['fanout', 'jobs', 'presence-failures', 'presence-events-dlq'])
      expect(can('iot-presence-rule', 'sqs:SendMessage', queue(other))).toBe(false);
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'])
      expect(can('fn-presence-events', action)).toBe(true);
    expect(can('fn-presence-events', 'sqs:SendMessage')).toBe(false);
    // No asynchronous invocations any more: the function sends nowhere, not even to the failures queue.
    expect(can('fn-presence-events', 'sqs:SendMessage', queue('presence-failures'))).toBe(false);
    expect(can('iot-rule-errors', 'sqs:SendMessage', queue('presence-failures'))).toBe(true);
    expect(can('iot-rule-errors', 'sqs:SendMessage')).toBe(false);
    for (const fn of FUNCTIONS.filter((f) => f.name !== 'presence-events')) expect(can(`fn-${fn.name}`, 'sqs:ReceiveMessage')).toBe(false);
  });

  it('lets only the credentials function assume the browser-client role (trust and identity policy)', () => {
    const browserRole = roleArn('iot-realtime-test-browser-client');
    const trust = [{ name: 'trust', document: trustOf('iot-realtime-test-browser-client') }];
    const roleNames = synth.resources('aws_iam_role').map((r) => String(r.name));
    const allowedBy = roleNames.filter((name) => {
      const trusted = evaluatePolicies(trust, { action: 'sts:AssumeRole', principal: { type: 'AWS', id: roleArn(name) } }).allowed;
      const permitted = evaluateLayers([{ name, policies: rolePolicies(name) }], { action: 'sts:AssumeRole', resource: browserRole }).allowed;
      return trusted && permitted;
    });
    expect(allowedBy).toEqual(['iot-realtime-test-fn-credentials']);
    expect(evaluatePolicies(trust, { action: 'sts:AssumeRole', principal: { type: 'Service', id: 'lambda.amazonaws.com' } }).allowed).toBe(false);
  });

  it("bounds every browser session: the browser-client role never allows publishing or other apps' topics", () => {
    const layers = [{ name: 'browser-client', policies: rolePolicies('iot-realtime-test-browser-client') }];
    expect(evaluateLayers(layers, { action: 'iot:Publish', resource: arn('topic', 'iot-realtime/test/rooms/x') }).allowed).toBe(false);
    expect(evaluateLayers(layers, { action: 'iot:Receive', resource: arn('topic', 'other/rooms/x') }).allowed).toBe(false);
    expect(evaluateLayers(layers, { action: 'iot:Receive', resource: arn('topic', 'iot-realtime/test/users/bob/rooms/x') }).allowed).toBe(true);
    // No shared room topics any more: rooms reach members through their inboxes.
    expect(evaluateLayers(layers, { action: 'iot:Receive', resource: arn('topic', 'iot-realtime/test/rooms/x') }).allowed).toBe(false);
  });

  it('gives the attach function iot:AttachPolicy as AWS authorizes it (on *: its resource types are cert and thinggroup) and nothing else', () => {
    const layers = [{ name: 'attach', policies: rolePolicies('iot-realtime-test-fn-attach-policy') }];
    // The Service Authorization Reference decides the resource: attaching to a Cognito identity is evaluated against *.
    const reference = ServiceAuthorizationReference.forServices(['iot']);
    const [resource] = reference.resourcesFor('iot:AttachPolicy', {});
    expect(resource).toBe('*');
    expect(evaluateLayers(layers, { action: 'iot:AttachPolicy', resource: resource! }).allowed).toBe(true);
    for (const action of ['iot:DetachPolicy', 'iot:CreatePolicy', 'iot:CreatePolicyVersion', 'iot:Publish', 'iot:Connect'])
      expect(evaluateLayers(layers, { action, resource: '*' }).allowed).toBe(false);
  });

  it('lets each function write logs to its own log group only', () => {
    const layers = [{ name: 'health', policies: rolePolicies('iot-realtime-test-fn-health') }];
    expect(
      evaluateLayers(layers, { action: 'logs:PutLogEvents', resource: `arn:aws:logs:eu-west-1:${TEST_ACCOUNT}:log-group:/aws/lambda/fn:log-stream:x` }).allowed,
    ).toBe(true);
    expect(
      evaluateLayers(layers, { action: 'logs:PutLogEvents', resource: `arn:aws:logs:eu-west-1:${TEST_ACCOUNT}:log-group:/aws/lambda/other:log-stream:x` })
        .allowed,
    ).toBe(false);
  });
});

describe('notifications (core/event-rules.ts)', () => {
  const layers = (fn: string) => [{ name: fn, policies: rolePolicies(`iot-realtime-test-fn-${fn}`) }];
  const can = (fn: string, action: string, resource: string) => evaluateLayers(layers(fn), { action, resource }).allowed;
  const bus = `arn:aws:events:eu-west-1:${TEST_ACCOUNT}:event-bus/iot-realtime-test-events`;

  it("lets the notify function publish to users' notifications topics, room inboxes and broadcast, and not to job topics", () => {
    expect(can('notify', 'iot:Publish', arn('topic', 'iot-realtime/test/users/alice/notifications'))).toBe(true);
    expect(can('notify', 'iot:Publish', arn('topic', 'iot-realtime/test/users/alice/rooms/general'))).toBe(true);
    expect(can('notify', 'iot:Publish', arn('topic', 'iot-realtime/test/broadcast'))).toBe(true);
    expect(can('notify', 'iot:Publish', arn('topic', 'iot-realtime/test/users/alice/jobs/j1'))).toBe(false);
    expect(can('notify', 'iot:Publish', arn('topic', 'iot-realtime/prod/users/alice/notifications'))).toBe(false);
    expect(can('notify', 'iot:Subscribe', arn('topicfilter', 'iot-realtime/test/#'))).toBe(false);
  });

  it("lets it read a room's members (Query) and nothing else of the store, and send to the fan-out queue and its failures queue", () => {
    const table = (name: string) => `arn:aws:dynamodb:eu-west-1:${TEST_ACCOUNT}:table/iot-realtime-test-${name}`;
    expect(can('notify', 'dynamodb:Query', table('memberships'))).toBe(true);
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:DeleteItem'])
      expect(can('notify', action, table('memberships'))).toBe(false);
    expect(can('notify', 'dynamodb:Query', table('messages'))).toBe(false);
    expect(can('notify', 'sqs:SendMessage', `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-fanout`)).toBe(true);
    expect(can('notify', 'sqs:SendMessage', `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-notify-failures`)).toBe(true);
    expect(can('notify', 'sqs:SendMessage', `arn:aws:sqs:eu-west-1:${TEST_ACCOUNT}:iot-realtime-test-jobs`)).toBe(false);
    expect(can('notify', 'events:PutEvents', bus)).toBe(false);
  });

  it('lets the job worker put events on the app bus (its completion announcements) and on no other bus; no other function may', () => {
    expect(can('jobs-worker', 'events:PutEvents', bus)).toBe(true);
    expect(can('jobs-worker', 'events:PutEvents', `arn:aws:events:eu-west-1:${TEST_ACCOUNT}:event-bus/default`)).toBe(false);
    expect(FUNCTIONS.filter((f) => can(f.name, 'events:PutEvents', bus)).map((f) => f.name)).toEqual(['jobs-worker']);
  });
});
