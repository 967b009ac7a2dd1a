/**
 * One standard queue's semantics on a controlled clock (Amazon SQS Developer Guide): visibility from the moment a
 * message is returned, receipts (only the latest receive's handle settles a message), redrive when a message would be
 * received once more than maxReceiveCount, retention from the original send.
 */
import { type DeadLetterSink, ReceiptHandleError, StandardQueue, type StoredMessage } from './queue.js';

let now = 1_000_000;
const dead: Array<{ target: string; message: StoredMessage }> = [];
const sinkTo =
  (accept: boolean): DeadLetterSink =>
  (target, message) => {
    if (accept) dead.push({ target, message });
    return accept;
  };

function queue(attributes: Partial<StandardQueue['attributes']> = {}, options: { maxMessages?: number; sink?: DeadLetterSink } = {}): StandardQueue {
  return new StandardQueue(
    'q',
    'arn:aws:sqs:us-east-1:000000000000:q',
    'http://127.0.0.1/000000000000/q',
    {
      visibilityTimeoutSeconds: 30,
      messageRetentionSeconds: 345_600,
      delaySeconds: 0,
      receiveMessageWaitTimeSeconds: 0,
      maximumMessageSize: 262_144,
      ...attributes,
    },
    now,
    { maxMessages: options.maxMessages ?? 100, deadLetterSink: options.sink ?? sinkTo(true), now: () => now },
  );
}

beforeEach(() => {
  now = 1_000_000;
  dead.length = 0;
});

describe('StandardQueue', () => {
  it('hides a received message for its visibility timeout from the receive, then returns it with a new receipt and count', () => {
    const q = queue({ visibilityTimeoutSeconds: 10 });
    q.send('a');
    const [first] = q.receive(10);
    expect(first).toMatchObject({ body: 'a', receiveCount: 1, firstReceivedAt: now });
    now += 9_999;
    expect(q.receive(10)).toEqual([]);
    expect(q.counts(now)).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    now += 1;
    const [second] = q.receive(10);
    expect(second).toMatchObject({ messageId: first!.messageId, receiveCount: 2, firstReceivedAt: first!.firstReceivedAt });
    expect(second!.receipt).not.toBe(first!.receipt);
  });

  it('settles a message only with the receipt of its latest receive: a stale one neither deletes nor releases it', () => {
    const q = queue({ visibilityTimeoutSeconds: 1 });
    q.send('m');
    const [first] = q.receive(1);
    now += 1000;
    const [second] = q.receive(1);
    q.delete(first!.receipt!);
    expect(q.depth).toBe(1);
    expect(() => q.changeVisibility(first!.receipt!, 0)).toThrow(ReceiptHandleError);
    expect(q.receive(1)).toEqual([]);
    q.delete(second!.receipt!);
    expect(q.depth).toBe(0);
  });

  it('refuses a receipt that is not one of its own as malformed', () => {
    const q = queue();
    const other = new StandardQueue('o', 'arn:aws:sqs:us-east-1:000000000000:o', 'u', q.attributes, now, {
      maxMessages: 10,
      deadLetterSink: sinkTo(true),
      now: () => now,
    });
    other.send('x');
    const [m] = other.receive(1);
    expect(() => q.delete(m!.receipt!)).toThrow(expect.objectContaining({ malformed: true }));
    expect(() => q.delete('not base64 at all')).toThrow(expect.objectContaining({ malformed: true }));
  });

  it('moves a message to the dead-letter sink when it would be received once more than maxReceiveCount, keeping it if the sink refuses', () => {
    const q = queue({ visibilityTimeoutSeconds: 1, redrive: { deadLetterTargetArn: 'arn:dlq', maxReceiveCount: 2 } });
    const sent = q.send('poison');
    q.receive(1);
    now += 1000;
    q.receive(1);
    now += 999;
    expect(q.receive(1)).toEqual([]);
    expect(dead).toEqual([]);
    now += 1;
    expect(q.receive(1)).toEqual([]);
    expect(dead).toEqual([{ target: 'arn:dlq', message: expect.objectContaining({ messageId: sent.messageId, body: 'poison', receiveCount: 2 }) }]);
    expect(q.depth).toBe(0);

    const keeps = queue({ visibilityTimeoutSeconds: 0, redrive: { deadLetterTargetArn: 'arn:gone', maxReceiveCount: 1 } }, { sink: sinkTo(false) });
    keeps.send('stays');
    keeps.receive(1);
    expect(keeps.receive(1)).toEqual([expect.objectContaining({ body: 'stays', receiveCount: 2 })]);
  });

  it('keeps a dead-lettered message’s id, body and send time (retention counts from the original send), with its source', () => {
    const target = queue();
    const source = queue(
      { visibilityTimeoutSeconds: 0, redrive: { deadLetterTargetArn: 'arn:dlq', maxReceiveCount: 1 } },
      {
        sink: (_arn, m) => {
          target.acceptDeadLetter(m, 'arn:source');
          return true;
        },
      },
    );
    const sent = source.send('p');
    source.receive(1);
    now += 5000;
    source.receive(1);
    const [moved] = target.receive(1);
    expect(moved).toMatchObject({ messageId: sent.messageId, body: 'p', sentAt: sent.sentAt, sourceArn: 'arn:source' });
  });

  it('drops messages older than the retention period, counted from their send', () => {
    const q = queue({ messageRetentionSeconds: 60 });
    q.send('old');
    now += 30_000;
    q.send('young');
    now += 30_001;
    expect(q.receive(10).map((m) => m.body)).toEqual(['young']);
  });

  it('delays a message by its delay, counted as delayed, then visible', () => {
    const q = queue({ delaySeconds: 2 });
    q.send('d');
    expect(q.counts(now)).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(q.nextVisibleAt(now)).toBe(now + 2000);
    now += 2000;
    expect(q.receive(1).map((m) => m.body)).toEqual(['d']);
  });

  it('refuses a send over its local bound instead of evicting a message', () => {
    const q = queue({}, { maxMessages: 2 });
    q.send('1');
    q.send('2');
    expect(() => q.send('3')).toThrow(/already holds 2 messages, its bound \(LOCAL_SQS_MAX_MESSAGES\)/);
    expect(q.peek().map((m) => m.body)).toEqual(['1', '2']);
  });

  it('wakes a long poll at the first send, and returns at once when a message is visible', async () => {
    const q = queue();
    const started = Date.now();
    const waiting = q.waitForMessages(5000);
    setTimeout(() => q.send('wake'), 20);
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
    await q.waitForMessages(5000);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
