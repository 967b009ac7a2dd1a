import { accessModel } from './model.js';
import { browserSessionPolicy, cognitoUserPolicy, maxRoomsPerSession, SESSION_POLICY_MAX_CHARS, SessionPolicyTooLargeError } from './browser-policies.js';
import { evaluateLayers, type PolicyLayer } from '../policy/evaluator.js';
import { iotArn } from '../deployment.js';
import { policySizeWithoutWhitespace } from '../policy/document.js';
import { InvalidIdError } from '../ids.js';

const d = { app: 'iot-realtime', stage: 'test', region: 'us-east-1', accountId: '000000000000' };
const model = accessModel({ deployment: d, identityPoolId: 'us-east-1:00000000-0000-0000-0000-000000000000', jobQueueArn: 'arn:aws:sqs:us-east-1:000000000000:q' });

function sessionLayers(userId: string, rooms: string[]): PolicyLayer[] {
  return [
    { name: 'role', policies: model.browserClientRole.policies },
    { name: 'session policy', policies: [{ name: 'session', document: browserSessionPolicy(d, { userId, rooms }).policy }] },
  ];
}
const can = (layers: PolicyLayer[], action: string, kind: 'client' | 'topic' | 'topicfilter', name: string, context = {}) =>
  evaluateLayers(layers, { action, resource: iotArn(d, kind, name), context }).allowed;

describe('browser session policy (non-Cognito users)', () => {
  const alice = sessionLayers('alice', ['general', 'ops']);
  const bob = sessionLayers('bob', ['general']);

  it('lets alice connect with her own client ids only', () => {
    expect(can(alice, 'iot:Connect', 'client', 'iot-realtime.test.alice')).toBe(true);
    expect(can(alice, 'iot:Connect', 'client', 'iot-realtime.test.alice.tab2')).toBe(true);
    expect(can(alice, 'iot:Connect', 'client', 'iot-realtime.test.bob')).toBe(false);
    // A user named "alice-x" must not be reachable through alice's grant.
    expect(can(alice, 'iot:Connect', 'client', 'iot-realtime.test.alice-x')).toBe(false);
  });

  it('lets members subscribe to and receive their rooms, and nobody else', () => {
    expect(can(alice, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/rooms/ops')).toBe(true);
    expect(can(alice, 'iot:Receive', 'topic', 'iot-realtime/test/rooms/ops')).toBe(true);
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/rooms/ops')).toBe(false);
    expect(can(bob, 'iot:Receive', 'topic', 'iot-realtime/test/rooms/ops')).toBe(false);
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/rooms/#')).toBe(false);
    expect(can(bob, 'iot:Subscribe', 'topicfilter', 'iot-realtime/test/rooms/+')).toBe(false);
  });

  it('gives each user their private subtree and never another user\'s', () => {
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
      expect(() => browserSessionPolicy(d, { userId: evil, rooms: [] })).toThrow(InvalidIdError);
      expect(() => browserSessionPolicy(d, { userId: 'alice', rooms: [evil] })).toThrow(InvalidIdError);
    }
  });

  it('fails with a clear error instead of truncating when the rooms do not fit in 2048 characters', () => {
    const max = maxRoomsPerSession(d, 'alice', 8);
    const fits = Array.from({ length: max }, (_, i) => `room${String(i).padStart(4, '0')}`);
    expect(policySizeWithoutWhitespace(browserSessionPolicy(d, { userId: 'alice', rooms: fits }).policy)).toBeLessThanOrEqual(SESSION_POLICY_MAX_CHARS);
    const tooMany = [...fits, 'room9999'];
    expect(() => browserSessionPolicy(d, { userId: 'alice', rooms: tooMany })).toThrow(SessionPolicyTooLargeError);
    expect(() => browserSessionPolicy(d, { userId: 'alice', rooms: tooMany })).toThrow(new RegExp(`at most ${max} rooms`));
  });

  it('returns the client id and the topics the browser should subscribe to', () => {
    const scope = browserSessionPolicy(d, { userId: 'alice', rooms: ['ops', 'general', 'ops'] });
    expect(scope.clientId).toBe('iot-realtime.test.alice');
    expect(scope.topics.subscribe).toEqual([
      'iot-realtime/test/broadcast',
      'iot-realtime/test/users/alice/#',
      'iot-realtime/test/rooms/general',
      'iot-realtime/test/rooms/ops',
    ]);
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
    expect(can(signedIn, 'iot:Connect', 'client', me, ctx)).toBe(true);
    expect(can(signedIn, 'iot:Connect', 'client', other, ctx)).toBe(false);
    expect(can(signedIn, 'iot:Subscribe', 'topicfilter', `iot-realtime/test/users/${me}/#`, ctx)).toBe(true);
    expect(can(signedIn, 'iot:Receive', 'topic', `iot-realtime/test/users/${other}/jobs/1`, ctx)).toBe(false);
  });

  it('needs the attached IoT policy as well as the role', () => {
    const withoutIot: PolicyLayer[] = [signedIn[0]!, { name: 'attached IoT policies', policies: [] }];
    expect(can(withoutIot, 'iot:Connect', 'client', me, ctx)).toBe(false);
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
