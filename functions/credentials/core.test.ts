import { accessModel } from '../../core/access/model.js';
import type { PolicyDocument } from '../../core/policy/document.js';
import { evaluateLayers } from '../../core/policy/evaluator.js';
import { UpstreamError, ValidationError } from '../shared/errors.js';
import type { CredentialVendor } from '../shared/ports.js';
import { issueRealtimeCredentials, roleSessionName } from './core.js';

const deployment = { app: 'app', stage: 'prod', region: 'eu-west-1', accountId: '123456789012' };
const expiration = new Date('2030-01-01T01:00:00Z');

function recordingVendor(): CredentialVendor & { calls: Array<{ sessionName: string; policy: string; durationSeconds: number }> } {
  const calls: Array<{ sessionName: string; policy: string; durationSeconds: number }> = [];
  return {
    calls,
    async vend(request) {
      calls.push(request);
      return { accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration };
    },
  };
}

describe('issueRealtimeCredentials', () => {
  it('returns credentials, region, endpoint, client id and topics for the user', async () => {
    const vendor = recordingVendor();
    const { response: out } = await issueRealtimeCredentials(
      { userId: 'bob' },
      {},
      { vendor, deployment, iotEndpoint: 'abc-ats.iot.eu-west-1.amazonaws.com', durationSeconds: 3600 },
    );
    expect(out).toEqual({
      accessKeyId: 'ASIA1',
      secretAccessKey: 's',
      sessionToken: 't',
      expiration: '2030-01-01T01:00:00.000Z',
      region: 'eu-west-1',
      iotEndpoint: 'abc-ats.iot.eu-west-1.amazonaws.com',
      clientId: 'app.prod.bob',
      topics: { subscribe: ['app/prod/broadcast', 'app/prod/users/bob/#'], publish: [] },
    });
    expect(vendor.calls).toEqual([expect.objectContaining({ sessionName: 'user-bob', durationSeconds: 3600 })]);
  });

  it("sends a session policy that, with the browser-client role, grants exactly the user's topics", async () => {
    const vendor = recordingVendor();
    await issueRealtimeCredentials({ userId: 'bob' }, {}, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 });
    const session = JSON.parse(vendor.calls[0]!.policy) as PolicyDocument;
    const model = accessModel({
      deployment,
      identityPoolId: 'eu-west-1:00000000-0000-0000-0000-000000000000',
      jobQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:q',
      fanoutQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:f',
      presenceEventsQueueArn: 'arn:aws:sqs:us-east-1:123456789012:iot-realtime-test-presence-events',
      presenceFailuresQueueArn: 'arn:aws:sqs:us-east-1:123456789012:iot-realtime-test-presence-failures',
    });
    const layers = [
      { name: 'role', policies: model.browserClientRole.policies },
      { name: 'session', policies: [{ name: 'session', document: session }] },
    ];
    const allowed = (action: string, resource: string) =>
      evaluateLayers(layers, { action, resource: `arn:aws:iot:eu-west-1:123456789012:${resource}` }).allowed;
    expect(allowed('iot:Receive', 'topic/app/prod/users/bob/rooms/general')).toBe(true);
    expect(allowed('iot:Receive', 'topic/app/prod/users/bob/jobs/1')).toBe(true);
    expect(allowed('iot:Receive', 'topic/app/prod/rooms/general')).toBe(false);
    expect(allowed('iot:Receive', 'topic/app/prod/users/alice/rooms/general')).toBe(false);
    expect(allowed('iot:Receive', 'topic/app/prod/users/alice/jobs/1')).toBe(false);
    expect(allowed('iot:Connect', 'client/app.prod.bob')).toBe(true);
    expect(allowed('iot:Connect', 'client/app.prod.bob.tab2')).toBe(false);
    expect(allowed('iot:Connect', 'client/app.prod.alice')).toBe(false);
    expect(allowed('iot:Publish', 'topic/app/prod/users/bob/rooms/general')).toBe(false);
  });

  it('sends the same policy size for every user, whatever their rooms (membership is not in the grant)', async () => {
    const vendor = recordingVendor();
    await issueRealtimeCredentials({ userId: 'bob' }, {}, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 });
    await issueRealtimeCredentials({ userId: 'bb8' }, {}, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 });
    expect(vendor.calls[0]!.policy.length).toBe(vendor.calls[1]!.policy.length);
  });

  it('lets vendor failures through as they are', async () => {
    const vendor: CredentialVendor = { vend: () => Promise.reject(new UpstreamError('sts down', true)) };
    await expect(issueRealtimeCredentials({ userId: 'bob' }, {}, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 })).rejects.toThrow('sts down');
  });

  it('returns and grants exactly the client id of a requested tab', async () => {
    const vendor = recordingVendor();
    const { response } = await issueRealtimeCredentials({ userId: 'bob' }, { tab: 'x1' }, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 });
    expect(response.clientId).toBe('app.prod.bob.x1');
    const connect = (JSON.parse(vendor.calls[0]!.policy) as PolicyDocument).Statement.filter((st) => st.Action === 'iot:Connect');
    expect(connect.map((st) => st.Resource)).toEqual(['arn:aws:iot:eu-west-1:123456789012:client/app.prod.bob.x1']);
  });

  it("refuses a tab that would make the client id longer than IoT's 128 bytes, saying how long it may be, before calling STS", async () => {
    const vendor = recordingVendor();
    const longUser = 'u'.repeat(64);
    // app.prod. (9) + 64 + . (1) = 74: a tab of 54 fits, 55 does not.
    await expect(
      issueRealtimeCredentials({ userId: longUser }, { tab: 't'.repeat(55) }, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 }),
    ).rejects.toThrow(new ValidationError('the client id would be 129 characters long; IoT allows at most 128; a "tab" of at most 54 characters fits'));
    expect(vendor.calls).toEqual([]);
    await expect(
      issueRealtimeCredentials({ userId: longUser }, { tab: 't'.repeat(54) }, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 }),
    ).resolves.toMatchObject({ response: { clientId: `app.prod.${longUser}.${'t'.repeat(54)}` } });
  });
});

describe('roleSessionName', () => {
  const STS_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

  it('is user-<id> when that fits, readable in CloudTrail', () => {
    expect(roleSessionName('bob')).toBe('user-bob');
    expect(roleSessionName('a')).toBe('user-a');
    expect(roleSessionName('x'.repeat(59))).toBe(`user-${'x'.repeat(59)}`);
  });

  it('keeps a readable prefix and adds a hash for long ids, so two long ids that differ only at the end get different names', () => {
    const a = `${'p'.repeat(63)}a`;
    const b = `${'p'.repeat(63)}b`;
    const [na, nb] = [roleSessionName(a), roleSessionName(b)];
    expect(na).not.toBe(nb);
    for (const name of [na, nb]) {
      expect(name).toMatch(STS_SESSION_NAME);
      expect(name).toHaveLength(64);
      expect(name.startsWith(`user-${'p'.repeat(42)}.`)).toBe(true);
    }
    // Stable: the same user always maps to the same name.
    expect(roleSessionName(a)).toBe(na);
  });

  it('never gives a shortened name that equals another user\'s full name ("." is not in the id alphabet)', () => {
    const long = 'q'.repeat(60);
    const shortened = roleSessionName(long);
    expect(shortened).toContain('.');
    expect(shortened.slice('user-'.length)).not.toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('is what STS receives', async () => {
    const vendor = recordingVendor();
    const userId = 'l'.repeat(64);
    const issued = await issueRealtimeCredentials({ userId }, {}, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 });
    expect(vendor.calls[0]!.sessionName).toBe(roleSessionName(userId));
    expect(issued.roleSessionName).toBe(roleSessionName(userId));
  });
});
