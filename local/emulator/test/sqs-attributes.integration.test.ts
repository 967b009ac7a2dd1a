/**
 * SQS message attributes with the SDK v3 client ("Amazon SQS message attributes"): sent, validated, selected by name
 * on receive, with MD5OfMessageAttributes computed as SQS does (checked against digests AWS returned, recorded in
 * LocalStack's AWS-validated snapshots, tests/aws/services/sqs/test_sqs.snapshot.json).
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import { md5OfMessageAttributes } from '../services/sqs/queue.js';

let emulator: TestEmulator;
let sqs: SQSClient;
beforeAll(async () => {
  emulator = await startTestEmulator();
  sqs = new SQSClient({ region: LOCAL_DEPLOYMENT.region, endpoint: emulator.url, credentials: adminCredentials });
});
afterAll(async () => emulator.close());

const queue = async (name: string) => {
  emulator.sqs.createQueue({ name, attributes: {} });
  return emulator.sqs.queueByName(name)!.url;
};

describe('SQS message attributes', () => {
  it('computes MD5OfMessageAttributes as AWS does (digests AWS returned)', () => {
    expect(md5OfMessageAttributes({ Foo: { DataType: 'String', StringValue: 'Bar' } })).toBe('ae7155c6026991b6d54b11589678bf9c');
    expect(md5OfMessageAttributes({ Hello: { DataType: 'String', StringValue: 'There' } })).toBe('a311262e065454b75da111d535b8dacd');
    expect(md5OfMessageAttributes({ Hello: { DataType: 'String', StringValue: 'There' }, General: { DataType: 'String', StringValue: 'Kenobi' } })).toBe(
      'fca026605781cb4126a1e9044df24232',
    );
  });

  it('sends and receives attributes, returning only those asked for (All, a name, a prefix.*)', async () => {
    const url = await queue('attributes-it');
    const MessageAttributes = {
      Hello: { DataType: 'String', StringValue: 'There' },
      'Help.Me': { DataType: 'String', StringValue: 'Me' },
      count: { DataType: 'Number', StringValue: '3' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 255]) },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'msg', MessageAttributes }));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const receive = async (names: string[]) =>
      (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: names, VisibilityTimeout: 0 }))).Messages![0]!;
    const all = await receive(['All']);
    expect(Object.keys(all.MessageAttributes ?? {}).sort()).toEqual(['Hello', 'Help.Me', 'blob', 'count']);
    expect(all.MessageAttributes!.blob!.BinaryValue).toEqual(new Uint8Array([0, 1, 255]));
    expect(all.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    const one = await receive(['Hello', 'Missing']);
    expect(one.MessageAttributes).toEqual({ Hello: { DataType: 'String', StringValue: 'There' } });
    expect(one.MD5OfMessageAttributes).toBe('a311262e065454b75da111d535b8dacd');
    expect(Object.keys((await receive(['Help.*'])).MessageAttributes ?? {})).toEqual(['Help.Me']);
    const none = await receive([]);
    expect(none.MessageAttributes).toBeUndefined();
    expect(none.MD5OfMessageAttributes).toBeUndefined();
  });

  it('refuses attributes SQS refuses: reserved or malformed names, unknown types, empty values, more than 10', async () => {
    const url = await queue('attributes-refused-it');
    const send = (MessageAttributes: Record<string, { DataType: string; StringValue?: string }>) =>
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes }));
    await expect(send({ 'AWS.x': { DataType: 'String', StringValue: 'v' } })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(send({ 'a..b': { DataType: 'String', StringValue: 'v' } })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(send({ a: { DataType: 'Text', StringValue: 'v' } })).rejects.toMatchObject({ message: expect.stringContaining('Binary, Number, and String') });
    await expect(send({ a: { DataType: 'String', StringValue: '' } })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(send({ a: { DataType: 'Number', StringValue: 'three' } })).rejects.toMatchObject({ message: expect.stringContaining('to a number') });
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]));
    await expect(send(eleven)).rejects.toMatchObject({ message: expect.stringContaining('exceeds the allowed maximum [10]') });
    expect(emulator.sqs.queueByName('attributes-refused-it')!.depth).toBe(0);
  });

  it("reports a queue's access policy in GetQueueAttributes", async () => {
    const QueueUrl = await queue('attributes-policy-it');
    const q = emulator.sqs.queueByUrl(QueueUrl)!;
    q.policy = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: q.arn }],
    };
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }));
    expect(JSON.parse(Attributes!.Policy!)).toEqual(q.policy);
  });
});
