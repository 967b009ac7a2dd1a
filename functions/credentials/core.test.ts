import { evaluateLayers } from '../../core/policy/evaluator.js';
import { accessModel } from '../../core/access/model.js';
import type { PolicyDocument } from '../../core/policy/document.js';
import { UpstreamError } from '../shared/errors.js';
import type { CredentialVendor } from '../shared/ports.js';
import { issueRealtimeCredentials } from './core.js';

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
    const out = await issueRealtimeCredentials({ userId: 'bob' }, { vendor, deployment, iotEndpoint: 'abc-ats.iot.eu-west-1.amazonaws.com', durationSeconds: 3600 });
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

  it('sends a session policy that, with the browser-client role, grants exactly the user\'s topics', async () => {
    const vendor = recordingVendor();
    await issueRealtimeCredentials({ userId: 'bob' }, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 });
    const session = JSON.parse(vendor.calls[0]!.policy) as PolicyDocument;
    const model = accessModel({ deployment, identityPoolId: 'eu-west-1:00000000-0000-0000-0000-000000000000', jobQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:q', fanoutQueueArn: 'arn:aws:sqs:eu-west-1:123456789012:f' });
    const layers = [
      { name: 'role', policies: model.browserClientRole.policies },
      { name: 'session', policies: [{ name: 'session', document: session }] },
    ];
    const allowed = (action: string, resource: string) => evaluateLayers(layers, { action, resource: `arn:aws:iot:eu-west-1:123456789012:${resource}` }).allowed;
    expect(allowed('iot:Receive', 'topic/app/prod/users/bob/rooms/general')).toBe(true);
    expect(allowed('iot:Receive', 'topic/app/prod/users/bob/jobs/1')).toBe(true);
    expect(allowed('iot:Receive', 'topic/app/prod/rooms/general')).toBe(false);
    expect(allowed('iot:Receive', 'topic/app/prod/users/alice/rooms/general')).toBe(false);
    expect(allowed('iot:Receive', 'topic/app/prod/users/alice/jobs/1')).toBe(false);
    expect(allowed('iot:Connect', 'client/app.prod.alice')).toBe(false);
    expect(allowed('iot:Publish', 'topic/app/prod/users/bob/rooms/general')).toBe(false);
  });

  it('sends the same policy size for every user, whatever their rooms (membership is not in the grant)', async () => {
    const vendor = recordingVendor();
    await issueRealtimeCredentials({ userId: 'bob' }, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 });
    await issueRealtimeCredentials({ userId: 'bb8' }, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 });
    expect(vendor.calls[0]!.policy.length).toBe(vendor.calls[1]!.policy.length);
  });

  it('lets vendor failures through as they are', async () => {
    const vendor: CredentialVendor = { vend: () => Promise.reject(new UpstreamError('sts down', true)) };
    await expect(issueRealtimeCredentials({ userId: 'bob' }, { vendor, deployment, iotEndpoint: 'x', durationSeconds: 3600 })).rejects.toThrow('sts down');
  });
});
