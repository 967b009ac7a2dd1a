import { iotArn } from '../deployment.js';
import { InvalidIdError } from '../ids.js';
import { policySizeWithoutWhitespace } from '../policy/document.js';
import { evaluateLayers, type PolicyLayer } from '../policy/evaluator.js';
import { browserSessionPolicy, cognitoUserPolicy, SESSION_POLICY_MAX_CHARS } from './browser-policies.js';
import { accessModel } from './model.js';

const d = { app: 'iot-realtime', stage: 'test', region: 'us-east-1', accountId: '000000000000' };
const model = accessModel({
  deployment: d,
  identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000',
  jobQueueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
  fanoutQueueArn: 'arn:aws:sqs:us-east-1:000000000000:f',
  presenceEventsQueueArn: 'arn:aws:sqs:us-east-1:000000000000:e',
  presenceFailuresQueueArn: 'arn:aws:sqs:us-east-1:000000000000:p',
});

function sessionLayers(userId: string, tab?: string): PolicyLayer[] {
  return [
    { name: 'role', policies: model.browserClientRole.policies },
    { name: 'session policy', policies: [{ name: 'session', document: browserSessionPolicy(d, { userId, ...(tab ? { tab } : {}) }).policy }] },
  ];
}
const can = (layers: PolicyLayer[], action: string, kind: 'client' | 'topic' | 'topicfilter', name: string, context = {}) =>
  evaluateLayers(layers, { action, resource: iotArn(d, kind, name), context }).allowed;

describe('browser session policy (non-Cognito users)', () => {
  const alice = sessionLayers('alice');
  const bob = sessionLayers('bob');

  it('lets alice connect with exactly the client id of her grant', () => {
    expect(can(alice, 'iot:Connect', 'client', 'iot-realtime.test.alice')).toBe(true);
    expect(can(alice, 'iot:Connect', 'client', 'iot-realtime.test.bob')).toBe(false);
    // A user named "alice-x" must not be reachable through alice's grant.
    expect(can(alice, 'iot:Connect', 'client', 'iot-realtime.test.alice-x')).toBe(false);
    // No suffix she did not ask for: in particular none that IoT hides from lifecycle events.
    for (const suffix of ['tab2', '#', '+', 'x/y', 'x.y']) expect(can(alice, 'iot:Connect', 'client', `iot-realtime.test.alice.${suffix}`)).toBe(false);
  });

  it('grants a requested tab exactly that client id, and not the base one', () => {
    const tab = sessionLayers('alice', 'x1');
    expect(browserSessionPolicy(d, { userId: 'alice', tab: 'x1' }).clientId).toBe('iot-realtime.test.alice.x1');
    expect(can(tab, 'iot:Connect', 'client', 'iot-realtime.test.alice.x1')).toBe(true);
    expect(can(tab, 'iot:Connect', 'client', 'iot-realtime.test.alice')).toBe(false);
    expect(can(tab, 'iot:Connect', 'client', 'iot-realtime.test.alice.x2')).toBe(false);
    expect(can(tab, 'iot:Connect', 'client', 'iot-realtime.test.alice.x1.more')).toBe(false);
  });

  it("refuses tab suffixes outside the id alphabet, and client ids over IoT's 128 bytes", () => {
    for (const evil of ['#', '+', 'a/b', '*', '?', 'a.b', 'tab\u0000', 'tab\n', '$x', '']) {
      expect(() => browserSessionPolicy(d, { userId: 'alice', tab: evil })).toThrow(InvalidIdError);
    }
    // iot-realtime.test. (18) + 64 + . + 45 = 128 fits; one more byte does not.
    expect(browserSessionPolicy(d, { userId: 'u'.repeat(64), tab: 't'.repeat(45) }).clientId).toHaveLength(128);
    expect(() => browserSessionPolicy(d, { userId: 'u'.repeat(64), tab: 't'.repeat(46) })).toThrow(/at most 128/);
  });

  it('lets users receive their own room inboxes only; no shared room topic is granted', () => {
    expect(can(alice, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/users/alice/rooms/+')).toBe(true);
    expect(can(alice, 'iot:Receive', 'topic', 'iot-realtime/test/users/alice/rooms/ops')).toBe(true);
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/users/alice/rooms/+')).toBe(false);
    expect(can(bob, 'iot:Receive', 'topic', 'iot-realtime/test/users/alice/rooms/ops')).toBe(false);
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/rooms/ops')).toBe(false);
    expect(can(bob, 'iot:Receive', 'topic', 'iot-realtime/test/rooms/ops')).toBe(false);
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/users/+/rooms/ops')).toBe(false);
  });

  it("gives each user their private subtree and never another user's", () => {
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/users/bob/#')).toBe(true);
    expect(can(bob, 'iot:Receive', 'topic', 'iot-realtime/test/users/bob/jobs/j1')).toBe(true);
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/users/alice/#')).toBe(false);
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/users/#')).toBe(false);
    expect(can(bob, 'iot:Receive', 'topic', 'iot-realtime/test/users/alice/jobs/j1')).toBe(false);
  });

  it('never allows browsers to publish', () => {
    expect(can(alice, 'iot:Publish', 'topic', 'iot-realtime/test/rooms/general')).toBe(false);
    expect(can(alice, 'iot:Publish', 'topic', 'iot-realtime/test/users/alice/x')).toBe(false);
  });

  it('rejects ids that would widen the grant', () => {
    for (const evil of ['*', 'a*', '?', '+', '#', 'a/b', '$aws', '']) {
      expect(() => browserSessionPolicy(d, { userId: evil })).toThrow(InvalidIdError);
    }
  });

  it('has the same size whatever the user belongs to, well within 2048 characters even for a 64-character id', () => {
    const longest = 'u'.repeat(64);
    const size = policySizeWithoutWhitespace(browserSessionPolicy(d, { userId: longest }).policy);
    expect(size).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARS / 2);
    expect(policySizeWithoutWhitespace(browserSessionPolicy(d, { userId: 'bob' }).policy)).toBe(size - 3 * (64 - 'bob'.length)); // the id appears in the client id and 2 subtree ARNs
  });

  it('returns the client id and the topics the browser should subscribe to', () => {
    const scope = browserSessionPolicy(d, { userId: 'alice' });
    expect(scope.clientId).toBe('iot-realtime.test.alice');
    expect(scope.topics.subscribe).toEqual(['iot-realtime/test/broadcast', 'iot-realtime/test/users/alice/#']);
    expect(scope.topics.publish).toEqual([]);
  });
});

describe('Cognito identities', () => {
  const me = 'us-east-1:11111111-1111-1111-1111-111111111111';
  const other = 'us-east-1:22222222-2222-2222-2222-222222222222';
  const ctx = { 'cognito-identity.amazonaws.com:sub': me };
  const signedIn: PolicyLayer[] = [
    { name: 'role', policies: model.cognitoAuthenticatedRole.policies },
    { name: 'attached IoT policies', policies: [model.cognitoUserIotPolicy] },
  ];
  const guest: PolicyLayer[] = [{ name: 'role', policies: model.cognitoGuestRole.policies }];

  it('lets a signed-in identity use its own client id and topics only', () => {
    expect(can(signedIn, 'iot:Connect', 'client', `iot-realtime.test.${me}`, ctx)).toBe(true);
    expect(can(signedIn, 'iot:Connect', 'client', me, ctx)).toBe(false);
    expect(can(signedIn, 'iot:Connect', 'client', `iot-realtime.test.${other}`, ctx)).toBe(false);
    expect(can(signedIn, 'iot:Subscribe', 'topicfilter', `iot-realtime/test/users/${me}/#`, ctx)).toBe(true);
    expect(can(signedIn, 'iot:Receive', 'topic', `iot-realtime/test/users/${other}/jobs/1`, ctx)).toBe(false);
  });

  it('needs the attached IoT policy as well as the role', () => {
    const withoutIot: PolicyLayer[] = [signedIn[0]!, { name: 'attached IoT policies', policies: [] }];
    expect(can(withoutIot, 'iot:Connect', 'client', `iot-realtime.test.${me}`, ctx)).toBe(false);
  });

  it('lets guests receive broadcast only', () => {
    expect(can(guest, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/broadcast', ctx)).toBe(true);
    expect(can(guest, 'iot:Receive', 'topic', 'iot-realtime/test/broadcast', ctx)).toBe(true);
    expect(can(guest, 'iot:Subscribe', 'topicfilter', `iot-realtime/test/users/${me}/#`, ctx)).toBe(false);
    expect(can(guest, 'iot:Receive', 'topic', 'iot-realtime/test/rooms/general', ctx)).toBe(false);
  });

  it('keeps the IoT policy within the 2048-character limit', () => {
    expect(policySizeWithoutWhitespace(cognitoUserPolicy(d))).toBeLessThan(2048);
  });
});
