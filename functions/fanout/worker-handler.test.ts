import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { mockClient } from 'aws-sdk-client-mock';
import { FanoutWorkerEnvSchema } from '../../core/contracts/function-env.js';
import { context, silentLogger, sqsEvent, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import { createFanoutWorkerHandler } from './worker-handler.js';

const iotData = mockClient(IoTDataPlaneClient);
const handler = createFanoutWorkerHandler({
  config: testConfig(FanoutWorkerEnvSchema),
  logger: silentLogger(),
  publisher: new IotDataPublisher(new IoTDataPlaneClient(unitTestAws)),
});

const message = { type: 'message', messageId: 'm1', roomId: 'general', from: 'alice', fromName: 'Alice', text: 'hi', sentAt: '2030-01-01T00:00:00.000Z' };
const task = (recipients: string[]) => JSON.stringify({ message, recipients });

beforeEach(() => iotData.reset());

describe('fan-out worker', () => {
  it("publishes each task to every recipient's inbox with QoS 1", async () => {
    iotData.on(PublishCommand).resolves({});
    const out = await handler(sqsEvent([{ id: 'a', body: task(['bob', 'carol']) }]), context);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(
      iotData
        .commandCalls(PublishCommand)
        .map((c) => [c.args[0].input.topic, c.args[0].input.qos])
        .sort(),
    ).toEqual([
      ['app/test/users/bob/rooms/general', 1],
      ['app/test/users/carol/rooms/general', 1],
    ]);
  });

  it("delivers a room event (a large room's membership change) the same way, exactly as the rooms function built it", async () => {
    iotData.on(PublishCommand).resolves({});
    const event = {
      type: 'member_removed',
      eventId: 'e1',
      roomId: 'general',
      roomName: 'General',
      at: '2030-01-01T00:00:00.000Z',
      by: { userId: 'alice', displayName: 'Alice' },
      member: { userId: 'bob', displayName: 'Bob' },
      reason: 'removed',
      roomDeleted: false,
    };
    expect(await handler(sqsEvent([{ id: 'e', body: JSON.stringify({ message: event, recipients: ['bob', 'carol'] }) }]), context)).toEqual({
      batchItemFailures: [],
    });
    const published = iotData.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published.map((p) => p.topic).sort()).toEqual(['app/test/users/bob/rooms/general', 'app/test/users/carol/rooms/general']);
    expect(JSON.parse(new TextDecoder().decode(published[0]!.payload as Uint8Array))).toEqual(event);
  });

  it('reports only the task with a failed publish, so SQS retries it and not the others', async () => {
    iotData.on(PublishCommand).resolves({});
    iotData
      .on(PublishCommand, { topic: 'app/test/users/dave/rooms/general' })
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }));
    const out = await handler(
      sqsEvent([
        { id: 'ok', body: task(['bob']) },
        { id: 'bad', body: task(['carol', 'dave']) },
      ]),
      context,
    );
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  });

  it('reports a malformed task as failed (it goes to the dead-letter queue after its retries)', async () => {
    iotData.on(PublishCommand).resolves({});
    const out = await handler(
      sqsEvent([
        { id: 'junk', body: '{"message":{}}' },
        { id: 'empty', body: task([]) },
        { id: 'ok', body: task(['bob']) },
      ]),
      context,
    );
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'junk' }, { itemIdentifier: 'empty' }] });
    expect(iotData.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('fails the invocation when every record failed (powertools: SQS then retries the whole batch)', async () => {
    await expect(handler(sqsEvent([{ id: 'junk', body: 'not json' }]), context)).rejects.toThrow('All records failed processing');
  });
});
