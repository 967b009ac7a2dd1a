import type { SQSEvent } from 'aws-lambda';
import { InProcessQueue } from './job-queue.js';

const job = (id: string) => ({ jobId: id, userId: 'u', kind: 'report', steps: 1, stepMs: 0, requestedAt: '' });
const waitFor = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('InProcessQueue (SQS semantics locally)', () => {
  it('delivers SQS-shaped records', async () => {
    const queue = new InProcessQueue({ queueArn: 'arn:aws:sqs:us-east-1:000000000000:q', region: 'us-east-1', maxReceiveCount: 3, retryDelayMs: 5, batchSize: 10 });
    const events: SQSEvent[] = [];
    queue.attach(async (e) => void events.push(e));
    await queue.send(job('a'));
    await waitFor(() => events.length === 1);
    const record = events[0]!.Records[0]!;
    expect(record).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q', attributes: { ApproximateReceiveCount: '1' } });
    expect(JSON.parse(record.body)).toEqual(job('a'));
    queue.close();
  });

  it('retries only the reported failures, raising ApproximateReceiveCount, then dead-letters them', async () => {
    const dead: string[] = [];
    const queue = new InProcessQueue({ queueArn: 'q', region: 'r', maxReceiveCount: 3, retryDelayMs: 5, batchSize: 10, onDeadLetter: (m) => dead.push(m.messageId) });
    const seen: Array<[string, string]> = [];
    queue.attach(async (e) => ({
      batchItemFailures: e.Records.filter((r) => {
        seen.push([JSON.parse(r.body).jobId as string, r.attributes.ApproximateReceiveCount]);
        return JSON.parse(r.body).jobId === 'bad';
      }).map((r) => ({ itemIdentifier: r.messageId })),
    }));
    await queue.send(job('good'));
    await queue.send(job('bad'));
    await waitFor(() => queue.deadLetters.length === 1);
    expect(seen.filter(([id]) => id === 'good')).toEqual([['good', '1']]);
    expect(seen.filter(([id]) => id === 'bad')).toEqual([
      ['bad', '1'],
      ['bad', '2'],
      ['bad', '3'],
    ]);
    expect(dead).toHaveLength(1);
    expect(queue.deadLetters[0]).toMatchObject({ receiveCount: 3 });
    queue.close();
  });

  it('fails the whole batch when the function throws', async () => {
    const queue = new InProcessQueue({ queueArn: 'q', region: 'r', maxReceiveCount: 1, retryDelayMs: 5, batchSize: 10 });
    queue.attach(async () => {
      throw new Error('crash');
    });
    await queue.send(job('a'));
    await queue.send(job('b'));
    await waitFor(() => queue.deadLetters.length === 2);
    queue.close();
  });
});
