import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { mockClient } from 'aws-sdk-client-mock';
import { MessagesEnvSchema } from '../../core/contracts/function-env.js';
import { context, fakeVerifier, httpEvent, silentLogger, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import { createMessagesHandler } from './handler.js';

const iotData = mockClient(IoTDataPlaneClient);
let ids = 0;
const handler = createMessagesHandler({
  config: testConfig(MessagesEnvSchema),
  logger: silentLogger(),
  verifyToken: fakeVerifier,
  publisher: new IotDataPublisher(new IoTDataPlaneClient(unitTestAws)),
  clock: { now: () => new Date('2030-01-01T00:00:00Z') },
  newId: () => `m-${++ids}`,
});

const post = (body: string, headers: Record<string, string> = { authorization: 'Bearer alice:general' }, roomId = 'general') =>
  handler(httpEvent({ path: `/rooms/${roomId}/messages`, routeKey: 'POST /rooms/{roomId}/messages', pathParameters: { roomId }, headers, body }), context);

beforeEach(() => iotData.reset());

describe('POST /rooms/{roomId}/messages', () => {
  it('publishes with QoS 1 through the data plane and answers 202', async () => {
    iotData.on(PublishCommand).resolves({});
    const res = await post('{"text":"hi"}');
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body!) as { id: string; topic: string; sentAt: string };
    expect(body).toMatchObject({ topic: 'app/test/rooms/general', sentAt: '2030-01-01T00:00:00.000Z' });
    const input = iotData.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ topic: 'app/test/rooms/general', qos: 1 });
    expect(JSON.parse(new TextDecoder().decode(input.payload as Uint8Array))).toMatchObject({ id: body.id, author: 'alice', text: 'hi' });
  });

  it('answers 503 with a retryable message when IoT throttles, never 202', async () => {
    iotData.on(PublishCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }));
    const res = await post('{"text":"hi"}');
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body!)).toEqual({ error: 'service_unavailable', message: 'could not deliver the message; please retry shortly' });
  });

  it('answers 502 when IoT refuses the publish', async () => {
    iotData.on(PublishCommand).rejects(Object.assign(new Error('not authorized'), { name: 'ForbiddenException', $metadata: { httpStatusCode: 403 } }));
    expect((await post('{"text":"hi"}')).statusCode).toBe(502);
  });

  it('answers 401 without a token, 403 outside the user\'s rooms, 400/415/413 for bad bodies, without publishing', async () => {
    expect((await post('{"text":"hi"}', {})).statusCode).toBe(401);
    expect((await post('{"text":"hi"}', { authorization: 'Bearer bob:general' }, 'ops')).statusCode).toBe(403);
    expect((await post('{"text":')).statusCode).toBe(400);
    expect((await post('{"text":"hi"}', { authorization: 'Bearer alice:general', 'content-type': 'text/plain' })).statusCode).toBe(415);
    expect((await post(JSON.stringify({ text: 'x'.repeat(17_000) }))).statusCode).toBe(413);
    expect(iotData.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('never leaks internals in error bodies', async () => {
    iotData.on(PublishCommand).rejects(new Error('socket hang up at 10.0.0.1:443 secret=abc'));
    const res = await post('{"text":"hi"}');
    expect(res.body).not.toContain('10.0.0.1');
    expect(res.body).not.toContain('stack');
  });
});
