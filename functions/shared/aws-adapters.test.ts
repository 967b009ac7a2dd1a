/**
 * The AWS adapters report failures as domain errors whose `retryable` comes from the one classification of SDK errors,
 * checked with the SDK's own exception classes (clients mocked with aws-sdk-client-mock).
 */
import { ForbiddenException, IoTDataPlaneClient, PublishCommand, ThrottlingException } from '@aws-sdk/client-iot-data-plane';
import { QueueDoesNotExist, RequestThrottled, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, MalformedPolicyDocumentException, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { unitTestAws } from '../../test/fixtures/events.js';
import { IotDataPublisher, SqsFanoutQueue, SqsJobQueue, StsCredentialVendor } from './aws-adapters.js';
import { toHttpError } from './http-errors.js';

const iot = mockClient(IoTDataPlaneClient);
const sqs = mockClient(SQSClient);
const sts = mockClient(STSClient);
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

beforeEach(() => {
  iot.reset();
  sqs.reset();
  sts.reset();
});

describe('AWS adapters', () => {
  it('answers 503 (retry) to a throttled publish and 502 to a refused one', async () => {
    const publisher = new IotDataPublisher(new IoTDataPlaneClient(unitTestAws));
    iot.on(PublishCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', ...meta(429) }));
    const throttled = await publisher.publish('app/test/users/a/rooms/r', {}, 1).catch((e: unknown) => e);
    expect([(throttled as Error).name, toHttpError(throttled).statusCode]).toEqual(['PublishFailedError', 503]);
    iot.on(PublishCommand).rejects(new ForbiddenException({ message: 'no', ...meta(403) }));
    expect(toHttpError(await publisher.publish('x', {}, 1).catch((e: unknown) => e)).statusCode).toBe(502);
  });

  it('classifies the queues and the credentials vendor the same way', async () => {
    sqs.on(SendMessageCommand).rejects(new RequestThrottled({ message: 'slow down', ...meta(400) }));
    const jobs = await new SqsJobQueue(new SQSClient(unitTestAws), 'https://q')
      .send({ jobId: 'j', userId: 'u', kind: 'report', steps: 1, stepMs: 0, requestedAt: '' })
      .catch((e: unknown) => e);
    expect(jobs).toMatchObject({ name: 'UpstreamError', retryable: true });
    sqs.on(SendMessageBatchCommand).rejects(new QueueDoesNotExist({ message: 'gone', ...meta(400) }));
    const fanout = await new SqsFanoutQueue(new SQSClient(unitTestAws), 'https://q')
      .send([{ message: { type: 'room_deleted', eventId: 'e', roomId: 'r', roomName: 'R', at: '', by: { userId: 'a', displayName: 'A' } }, recipients: ['a'] }])
      .catch((e: unknown) => e);
    expect(fanout).toMatchObject({ name: 'UpstreamError', retryable: false });
    sts.on(AssumeRoleCommand).rejects(new MalformedPolicyDocumentException({ message: 'too big', ...meta(400) }));
    const vended = await new StsCredentialVendor(new STSClient(unitTestAws), 'arn:aws:iam::123456789012:role/r')
      .vend({ sessionName: 's', policy: '{}', durationSeconds: 900 })
      .catch((e: unknown) => e);
    expect(vended).toMatchObject({ name: 'UpstreamError', retryable: false });
  });
});
