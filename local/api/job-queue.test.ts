import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { InProcessQueue, type InProcessQueueOptions } from './job-queue.js';

const job = (id: string) => ({ jobId: id, userId: 'u', kind: 'report', steps: 1, stepMs: 0, requestedAt: '' });
const idOf = (r: SQSRecord) => (JSON.parse(r.body) as { jobId: string }).jobId;
const waitFor = async (check: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open: InProcessQueue[] = [];
function queue(options: Partial<InProcessQueueOptions> = {}): InProcessQueue {
  const q = new InProcessQueue({
    queueArn: 'arn:aws:sqs:us-east-1:000000000000:q',
    region: 'us-east-1',
    maxReceiveCount: 3,
    batchSize: 10,
    visibilityTimeoutMs: 60_000,
    ...options,
  });
  open.push(q);
  return q;
}
afterEach(() => {
  for (const q of open.splice(0)) q.close();
});

/** Every receive of every message: which message, which receive count, when. */
interface Receive {
  id: string;
  count: number;
  at: number;
}
const failing =
  (ids: ReadonlySet<string>, seen: Receive[]) =>
  async (e: SQSEvent): Promise<SQSBatchResponse> => {
    for (const r of e.Records) seen.push({ id: idOf(r), count: Number(r.attributes.ApproximateReceiveCount), at: Date.now() });
    return { batchItemFailures: e.Records.filter((r) => ids.has(idOf(r))).map((r) => ({ itemIdentifier: r.messageId })) };
  };

describe('InProcessQueue (SQS semantics locally)', () => {
  it('delivers SQS-shaped records and deletes what succeeded', async () => {
    const q = queue();
    const events: SQSEvent[] = [];
    q.attach(async (e) => void events.push(e));
    await q.send(job('a'));
    await waitFor(() => events.length === 1 && q.depth === 0);
    const record = events[0]!.Records[0]!;
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(JSON.parse(record.body)).toEqual(job('a'));
    await sleep(50);
    expect(events).toHaveLength(1);
  });

  describe('visibility timeout', () => {
    it('keeps a failed record invisible for the visibility timeout counted from its receive', async () => {
      const q = queue({ visibilityTimeoutMs: 150 });
      const seen: Receive[] = [];
      q.attach(failing(new Set(['bad']), seen));
      await q.send(job('bad'));
      await waitFor(() => seen.length === 2);
      const [first, second] = seen;
      expect([first!.count, second!.count]).toEqual([1, 2]);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(145);
    });

    it('receives a message again, with a higher count, when its processing outlasts the visibility timeout', async () => {
      const q = queue({ visibilityTimeoutMs: 100 });
      const seen: Receive[] = [];
      let release: (() => void) | undefined;
      const firstDeliveryDone = new Promise<void>((resolve) => (release = resolve));
      q.attach(async (e) => {
        const r = e.Records[0]!;
        seen.push({ id: idOf(r), count: Number(r.attributes.ApproximateReceiveCount), at: Date.now() });
        if (r.attributes.ApproximateReceiveCount === '1') await firstDeliveryDone;
      });
      await q.send(job('slow'));
      // The first delivery is still running when the second one arrives: at-least-once, as in SQS.
      await waitFor(() => seen.length === 2);
      expect(seen.map((s) => s.count)).toEqual([1, 2]);
      expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(95);
      await waitFor(() => q.depth === 0);
      // The first delivery's late success holds a stale receipt and changes nothing.
      release!();
      await sleep(150);
      expect(seen).toHaveLength(2);
      expect(q.deadLetters).toEqual([]);
    });

    it("lets a stale delivery's failure neither delete nor release the message", async () => {
      const q = queue({ visibilityTimeoutMs: 150, failureVisibilityMs: 0 });
      const counts: string[] = [];
      let releaseFirst: (() => void) | undefined;
      const first = new Promise<void>((resolve) => (releaseFirst = resolve));
      q.attach(async (e) => {
        const r = e.Records[0]!;
        counts.push(r.attributes.ApproximateReceiveCount);
        if (r.attributes.ApproximateReceiveCount === '1') {
          await first;
          throw new Error('late failure of the first delivery');
        }
        // The second delivery keeps the message in flight a while (within its visibility timeout), then succeeds.
        await sleep(50);
      });
      await q.send(job('m'));
      await waitFor(() => counts.length === 2);
      releaseFirst!();
      await waitFor(() => q.depth === 0);
      expect(counts).toEqual(['1', '2']);
    });

    it('makes a failed record visible after failureVisibilityMs when set (the local ChangeMessageVisibility shortcut)', async () => {
      const q = queue({ visibilityTimeoutMs: 60_000, failureVisibilityMs: 20 });
      const seen: Receive[] = [];
      q.attach(failing(new Set(['bad']), seen));
      await q.send(job('bad'));
      await waitFor(() => seen.length === 3);
      expect(seen.map((s) => s.count)).toEqual([1, 2, 3]);
    });
  });

  describe('partial batch failure and redrive', () => {
    it('retries only the reported failures, raising ApproximateReceiveCount, then dead-letters them', async () => {
      const dead: string[] = [];
      const q = queue({ failureVisibilityMs: 5, onDeadLetter: (m) => dead.push(m.messageId) });
      const seen: Receive[] = [];
      q.attach(failing(new Set(['bad']), seen));
      await q.send(job('good'));
      await q.send(job('bad'));
      await waitFor(() => q.deadLetters.length === 1);
      expect(seen.filter((s) => s.id === 'good').map((s) => s.count)).toEqual([1]);
      expect(seen.filter((s) => s.id === 'bad').map((s) => s.count)).toEqual([1, 2, 3]);
      expect(dead).toEqual([q.deadLetters[0]!.messageId]);
      expect(q.deadLetters[0]).toMatchObject({ receiveCount: 3 });
      expect(JSON.parse(q.deadLetters[0]!.body)).toEqual(job('bad'));
      expect(q.depth).toBe(0);
    });

    it('moves a message to the dead-letter list only when it would be received once more, after its visibility timeout', async () => {
      const q = queue({ maxReceiveCount: 1, visibilityTimeoutMs: 150 });
      const seen: Receive[] = [];
      q.attach(failing(new Set(['bad']), seen));
      await q.send(job('bad'));
      await waitFor(() => seen.length === 1);
      await sleep(60);
      expect(q.deadLetters).toEqual([]);
      await waitFor(() => q.deadLetters.length === 1);
      expect(Date.now() - seen[0]!.at).toBeGreaterThanOrEqual(145);
      expect(seen).toHaveLength(1);
    });

    it('fails the whole batch when the function throws', async () => {
      const q = queue({ maxReceiveCount: 1, visibilityTimeoutMs: 20 });
      const batches: string[][] = [];
      await q.send(job('a'));
      await q.send(job('b'));
      q.attach(async (e) => {
        batches.push(e.Records.map(idOf));
        throw new Error('crash');
      });
      await waitFor(() => q.deadLetters.length === 2);
      expect(batches).toEqual([['a', 'b']]);
    });

    it.each([
      ['an identifier that is not in the batch', { batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] }],
      ['an empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
      ['an item without identifier', { batchItemFailures: [{}] }],
    ])('fails the whole batch for a response with %s (as Lambda does)', async (_name, response) => {
      const q = queue({ maxReceiveCount: 1, visibilityTimeoutMs: 20 });
      await q.send(job('a'));
      await q.send(job('b'));
      q.attach(async () => response as SQSBatchResponse);
      await waitFor(() => q.deadLetters.length === 2);
    });

    it('treats an empty or absent batchItemFailures as complete success', async () => {
      const q = queue({ maxReceiveCount: 1, visibilityTimeoutMs: 20 });
      let calls = 0;
      q.attach(async () => (calls++ % 2 === 0 ? { batchItemFailures: [] } : undefined));
      for (const id of ['a', 'b', 'c', 'd']) await q.send(job(id));
      await waitFor(() => q.depth === 0);
      await sleep(60);
      expect(q.deadLetters).toEqual([]);
    });
  });

  describe('no head-of-line blocking', () => {
    it('processes other messages while a failing one waits out its visibility timeout', async () => {
      const q = queue({ visibilityTimeoutMs: 400, batchSize: 1 });
      const seen: Receive[] = [];
      q.attach(failing(new Set(['bad']), seen));
      await q.send(job('bad'));
      await waitFor(() => seen.length === 1);
      const sentAt = Date.now();
      for (const id of ['g1', 'g2', 'g3']) await q.send(job(id));
      await waitFor(() => ['g1', 'g2', 'g3'].every((id) => seen.some((s) => s.id === id)));
      expect(Date.now() - sentAt).toBeLessThan(300);
      expect(seen.filter((s) => s.id === 'bad')).toHaveLength(1);
    });

    it('processes other batches while one batch is slow, up to maxConcurrency at once', async () => {
      const q = queue({ batchSize: 1, maxConcurrency: 2 });
      let running = 0;
      let peak = 0;
      const done: string[] = [];
      let releaseSlow: (() => void) | undefined;
      const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
      q.attach(async (e) => {
        running += 1;
        peak = Math.max(peak, running);
        const id = idOf(e.Records[0]!);
        if (id === 'slow') await slow;
        else await sleep(20);
        done.push(id);
        running -= 1;
      });
      await q.send(job('slow'));
      for (const id of ['f1', 'f2', 'f3', 'f4']) await q.send(job(id));
      await waitFor(() => done.length === 4);
      expect(done).toEqual(['f1', 'f2', 'f3', 'f4']);
      releaseSlow!();
      await waitFor(() => done.length === 5);
      expect(peak).toBe(2);
    });
  });

  it('refuses nonsensical settings and sends after close', () => {
    expect(() => queue({ visibilityTimeoutMs: 0 })).toThrow(/visibilityTimeoutMs/);
    expect(() => queue({ maxReceiveCount: 0 })).toThrow(/maxReceiveCount/);
    expect(() => queue({ failureVisibilityMs: -1 })).toThrow(/failureVisibilityMs/);
    const q = queue();
    q.close();
    expect(() => q.enqueue('x')).toThrow(/closed/);
  });
});
