/**
 * The emulator's SQS with the AWS SDK v3 SQSClient (AWS JSON 1.0 protocol, SigV4): messages, visibility, batches,
 * attributes, redrive to the dead-letter queue, quotas, IAM, and errors as the SDK's own exception classes (SQS API
 * reference; "Amazon SQS visibility timeout", "Using dead-letter queues", "Amazon SQS message quotas").
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidBatchEntryId,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type SQSServiceException,
  TooManyEntriesInBatchRequest,
  UnsupportedOperation,
} from '@aws-sdk/client-sqs';
import type { RoleDefinition } from '../../../core/access/model.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import type { StandardQueue } from '../services/sqs/queue.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let emulator: TestEmulator;
let sqs: SQSClient;
let queue: StandardQueue;
let dlq: StandardQueue;
let redriven: StandardQueue;

beforeAll(async () => {
  emulator = await startTestEmulator();
  sqs = new SQSClient({ region: REGION, endpoint: emulator.url, credentials: adminCredentials });
  queue = emulator.sqs.createQueue({ name: 'work', attributes: { visibilityTimeoutSeconds: 30 } });
  dlq = emulator.sqs.createQueue({ name: 'work-dlq', attributes: { messageRetentionSeconds: 1_209_600 } });
  redriven = emulator.sqs.createQueue({ name: 'redriven', attributes: { redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 } } });
});
afterAll(async () => {
  sqs.destroy();
  await emulator.close();
});
beforeEach(() => {
  for (const q of [queue, dlq, redriven]) q.purge();
});

/** Credentials of a role session with exactly these statements. */
function roleClient(name: string, statements: RoleDefinition['policies'][number]['document']['Statement']): SQSClient {
  const role: RoleDefinition = {
    name,
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    trust: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    policies: [{ name: 'inline', document: { Version: '2012-10-17', Statement: statements } }],
    maxSessionDurationSeconds: 3600,
  };
  if (!emulator.account.roleByName(name)) emulator.account.createRole(role);
  const issued = emulator.account.startRoleSession(emulator.account.roleByName(name)!, name, new Date(Date.now() + 3_600_000));
  return new SQSClient({
    region: REGION,
    endpoint: emulator.url,
    credentials: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken! },
  });
}

async function rejection(promise: Promise<unknown>): Promise<SQSServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as SQSServiceException;
  }
  throw new Error('expected the request to fail');
}

describe('messages', () => {
  it('sends, receives (oldest first) and deletes, with MD5s the SDK checks', async () => {
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'first' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'second ✓' }));
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.MD5OfMessageBody).toBe('8b04d5e3775d298e78455efc5ca404d5');
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    expect(received.Messages?.map((m) => m.Body)).toEqual(['first', 'second ✓']);
    const first = received.Messages![0]!;
    expect(first.MessageId).toBe(sent.MessageId);
    expect(first.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d{13}$/) });
    for (const m of received.Messages!) await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: m.ReceiptHandle! }));
    expect(queue.depth).toBe(0);
  });

  it('returns only the system attributes asked for', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x' }));
    const none = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 0 }));
    expect(none.Messages![0]!.Attributes).toBeUndefined();
    const some = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
    );
    expect(some.Messages![0]!.Attributes).toEqual({ ApproximateReceiveCount: '2' });
  });

  it('long-polls: a receive waiting for messages returns as soon as one is sent', async () => {
    const started = Date.now();
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, WaitTimeSeconds: 5 }));
    await sleep(100);
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'late' }));
    const received = await waiting;
    expect(received.Messages?.map((m) => m.Body)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('delays a message by DelaySeconds', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'later', DelaySeconds: 1 }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages ?? []).toEqual([]);
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(attributes.Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: '1' });
    await sleep(1050);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages?.map((m) => m.Body)).toEqual(['later']);
  });
});

describe('visibility', () => {
  it('hides a received message for the visibility timeout, then gives it again with a new receipt and a higher count', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'v' }));
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, VisibilityTimeout: 1 }))).Messages![0]!;
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages ?? []).toEqual([]);
    await sleep(1050);
    const second = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages![0]!;
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);
    expect(second.Attributes?.ApproximateReceiveCount).toBe('2');
    // The stale receipt deletes nothing ("you must provide the most recently received receipt handle").
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: first.ReceiptHandle! }));
    expect(queue.depth).toBe(1);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: second.ReceiptHandle! }));
    expect(queue.depth).toBe(0);
  });

  it('ChangeMessageVisibility 0 makes a message visible at once; a stale receipt cannot change it', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'c' }));
    const first = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages![0]!;
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: first.ReceiptHandle!, VisibilityTimeout: 0 }));
    const second = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages![0]!;
    expect(second.MessageId).toBe(first.MessageId);
    const stale = await rejection(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: first.ReceiptHandle!, VisibilityTimeout: 0 })),
    );
    expect(stale.name).toBe('InvalidParameterValue');
    expect(stale.message).toMatch(/Message does not exist or is not available for visibility timeout change/);
    const bad = await rejection(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: 'garbage', VisibilityTimeout: 0 })));
    expect(bad).toBeInstanceOf(ReceiptHandleIsInvalid);
    const range = await rejection(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: second.ReceiptHandle!, VisibilityTimeout: 43_201 })),
    );
    expect(range.name).toBe('InvalidParameterValue');
  });
});

describe('batches', () => {
  it('sends a batch entry by entry: a bad entry fails alone, the others are sent', async () => {
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'a', MessageBody: 'one' },
          { Id: 'b', MessageBody: 'bad \u0000 char' },
          { Id: 'c', MessageBody: 'three' },
        ],
      }),
    );
    expect(out.Successful?.map((s) => s.Id)).toEqual(['a', 'c']);
    expect(out.Failed).toEqual([{ Id: 'b', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.stringMatching(/Invalid characters found/) }]);
    expect(queue.depth).toBe(2);
  });

  it.each([
    ['no entry', [], EmptyBatchRequest],
    ['eleven entries', Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' })), TooManyEntriesInBatchRequest],
    [
      'two entries with one id',
      [
        { Id: 'same', MessageBody: 'x' },
        { Id: 'same', MessageBody: 'y' },
      ],
      BatchEntryIdsNotDistinct,
    ],
    ['an id SQS does not take', [{ Id: 'has space', MessageBody: 'x' }], InvalidBatchEntryId],
  ])('refuses a batch with %s, sending nothing', async (_name, entries, exception) => {
    const error = await rejection(sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries })));
    expect(error).toBeInstanceOf(exception);
    expect(queue.depth).toBe(0);
  });

  it('refuses a batch whose bodies total more than 1 MiB with BatchRequestTooLong, sending nothing', async () => {
    // The emulator's front refuses request bodies over 1 MiB before any service reads them (emulator.ts), so a batch of
    // more than 1 MiB of messages is sent to the SQS service through a front without that cap.
    const front = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void emulator.sqs.handle(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const client = new SQSClient({ region: REGION, endpoint: `http://127.0.0.1:${(front.address() as AddressInfo).port}`, credentials: adminCredentials });
    try {
      const entries = Array.from({ length: 5 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x'.repeat(262_144) }));
      const error = await rejection(client.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries })));
      expect(error).toBeInstanceOf(BatchRequestTooLong);
      expect(error.message).toBe('Batch requests cannot be longer than 1048576 bytes. You have sent 1310720 bytes.');
      expect(queue.depth).toBe(0);
      // 1 MiB exactly is one batch.
      const exactly = Array.from({ length: 4 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x'.repeat(262_144) }));
      expect((await client.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: exactly }))).Successful).toHaveLength(4);
    } finally {
      client.destroy();
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
    }
  });

  it('deletes a batch entry by entry: an invalid receipt fails alone', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'd' }));
    const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).Messages![0]!;
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'ok', ReceiptHandle: m.ReceiptHandle! },
          { Id: 'bad', ReceiptHandle: 'not-a-receipt' },
        ],
      }),
    );
    expect(out.Successful).toEqual([{ Id: 'ok' }]);
    expect(out.Failed).toEqual([{ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: expect.any(String) }]);
    expect(queue.depth).toBe(0);
  });
});

describe('quotas and bad input', () => {
  it("takes a body of exactly the queue's maximum size and refuses one byte more", async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x'.repeat(262_144) }));
    const error = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x'.repeat(262_145) })));
    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toBe('One or more parameters are invalid. Reason: Message must be shorter than 262144 bytes.');
    expect(queue.depth).toBe(1);
    const small = emulator.sqs.createQueue({ name: 'small-messages', attributes: { maximumMessageSize: 1024 } });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: small.url, MessageBody: 'é'.repeat(513) }))).rejects.toThrow(/shorter than 1024 bytes/);
  });

  it('refuses an empty body, characters SQS does not take, receive counts outside 1-10, and FIFO parameters it does not emulate', async () => {
    expect((await rejection(sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '' })))).name).toBe('MissingParameter');
    expect((await rejection(sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '\u0007' })))).name).toBe('InvalidMessageContents');
    expect((await rejection(sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 11 })))).name).toBe('InvalidParameterValue');
    // Standard queues only: a FIFO message group is refused by name rather than ignored.
    const fifo = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x', MessageGroupId: 'g' })));
    expect(fifo).toBeInstanceOf(UnsupportedOperation);
    expect(fifo.message).toBe('MessageGroupId is not emulated by the local SQS');
    expect(queue.depth).toBe(0);
  });

  it('answers a queue that does not exist with the SDK’s QueueDoesNotExist', async () => {
    const missing = `${emulator.url}/${ACCOUNT}/no-such-queue`;
    const send = await rejection(sqs.send(new SendMessageCommand({ QueueUrl: missing, MessageBody: 'x' })));
    expect(send).toBeInstanceOf(QueueDoesNotExist);
    expect(send.message).toBe('The specified queue does not exist.');
    expect(await rejection(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })))).toBeInstanceOf(QueueDoesNotExist);
    // Another account's queue is not this account's either.
    expect(await rejection(sqs.send(new SendMessageCommand({ QueueUrl: `${emulator.url}/111122223333/work`, MessageBody: 'x' })))).toBeInstanceOf(
      QueueDoesNotExist,
    );
  });
});

describe('queue attributes and listing', () => {
  it('reports the queue’s attributes and counts, and refuses an attribute name it does not know', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: redriven.url, MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: redriven.url, MessageBody: 'b' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: redriven.url }));
    const all = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: redriven.url, AttributeNames: ['All'] }));
    expect(all.Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:redriven`,
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      MaximumMessageSize: '262144',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '0',
    });
    expect(JSON.parse(all.Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 });
    expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: redriven.url, AttributeNames: ['QueueArn'] }))).Attributes).toEqual({
      QueueArn: redriven.arn,
    });
    const unknown = await rejection(sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['Colour' as never] })));
    expect(unknown.name).toBe('InvalidAttributeName');
  });

  it('finds queues by name and prefix, and purges one', async () => {
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'work' }))).QueueUrl).toBe(queue.url);
    expect((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'work' }))).QueueUrls?.sort()).toEqual([dlq.url, queue.url].sort());
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'p' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
    expect(queue.depth).toBe(0);
  });
});

describe('redrive to the dead-letter queue', () => {
  it('moves a message received maxReceiveCount times to the DLQ when it would be received again, with its id and source', async () => {
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: redriven.url, MessageBody: 'poison' }));
    for (const count of ['1', '2']) {
      const m = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: redriven.url, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] })))
        .Messages![0]!;
      expect(m.Attributes?.ApproximateReceiveCount).toBe(count);
    }
    expect(dlq.depth).toBe(0);
    // The third receive finds it gone: moved to the dead-letter queue, not delivered a third time.
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: redriven.url }))).Messages ?? []).toEqual([]);
    expect(redriven.depth).toBe(0);
    const dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MessageSystemAttributeNames: ['All'] }))).Messages!;
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ MessageId: sent.MessageId, Body: 'poison' });
    expect(dead[0]!.Attributes).toMatchObject({ DeadLetterQueueSourceArn: redriven.arn });
  });

  it('refuses a redrive policy naming a queue that does not exist', () => {
    expect(() =>
      emulator.sqs.createQueue({
        name: 'orphan',
        attributes: { redrive: { deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:nowhere`, maxReceiveCount: 3 } },
      }),
    ).toThrow(/Dead letter target does not exist/);
    expect(() => emulator.sqs.createQueue({ name: 'zero', attributes: { redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount: 0 } } })).toThrow(
      /maxReceiveCount/,
    );
  });
});

describe('IAM', () => {
  it('refuses a role without sqs:SendMessage with AccessDenied, and logs the denial', async () => {
    const receiver = roleClient('only-receives', [{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: queue.arn }]);
    const before = emulator.denials().length;
    const error = await rejection(receiver.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x' })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toMatch(/is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:work/);
    // The batch form needs the same permission.
    expect((await rejection(receiver.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'a', MessageBody: 'x' }] })))).name).toBe(
      'AccessDenied',
    );
    expect(queue.depth).toBe(0);
    expect(emulator.denials().slice(before)).toContainEqual(expect.objectContaining({ service: 'sqs', action: 'sqs:SendMessage', resource: queue.arn }));
    // What it may do, it may do; only on its queue.
    expect(await receiver.send(new ReceiveMessageCommand({ QueueUrl: queue.url }))).toBeDefined();
    expect((await rejection(receiver.send(new ReceiveMessageCommand({ QueueUrl: dlq.url })))).name).toBe('AccessDenied');
    receiver.destroy();
  });

  it('lets a role send to the one queue its policy names', async () => {
    const sender = roleClient('sends-to-work', [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queue.arn }]);
    await sender.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'allowed' }));
    expect(queue.depth).toBe(1);
    expect((await rejection(sender.send(new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: 'x' })))).name).toBe('AccessDenied');
    sender.destroy();
  });

  it('refuses a request with a bad signature and one without credentials', async () => {
    const forged = new SQSClient({ region: REGION, endpoint: emulator.url, credentials: { ...adminCredentials, secretAccessKey: 'wrong-secret' } });
    const error = await rejection(forged.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x' })));
    expect(error.$metadata.httpStatusCode).toBe(403);
    forged.destroy();
    const unsigned = await fetch(emulator.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.status).toBeLessThan(500);
    expect(queue.depth).toBe(0);
  });
});
