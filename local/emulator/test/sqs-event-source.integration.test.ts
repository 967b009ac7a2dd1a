/**
 * The SQS event source mapping on the emulator: Lambda polls a queue and invokes a function (running in its worker)
 * with batches ("Using Lambda with Amazon SQS", "Handling errors for an SQS event source"). Every behaviour the old
 * in-process queue was held to, now split between the queue (visibility, receipts, redrive) and the mapping (batches,
 * partial batch responses, concurrency): records as SQS sends them, partial failures retried alone with a rising
 * ApproximateReceiveCount, malformed responses failing the whole batch, redrive to a real dead-letter queue, no
 * head-of-line blocking, stale deliveries settling nothing, at most `maximum_concurrency` batches at once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { createTestFunction, executionRole } from '../../../test/support/function-package.js';
import { SqsEventSourceMapping, type SqsEventSourceMappingInput } from '../services/lambda/sqs-event-source.js';
import type { StandardQueue } from '../services/sqs/queue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const waitFor = async (check: () => boolean, ms = 8000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
};

let emulator: TestEmulator;
let flags: string;
const mappings: SqsEventSourceMapping[] = [];
let serial = 0;

beforeAll(async () => {
  emulator = await startTestEmulator();
  flags = mkdtempSync(join(tmpdir(), 'svctests-esm-'));
  executionRole(emulator, 'consumer-role', [{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: '*' }]);
});
afterEach(async () => {
  for (const m of mappings.splice(0)) m.stop();
});
afterAll(async () => {
  await emulator.close();
  rmSync(flags, { recursive: true, force: true });
});

/** One receive of one record by the function: its body, ApproximateReceiveCount, when, and which invocation. */
interface Seen {
  id: string;
  count: number;
  at: number;
  batch: string;
}

/**
 * A consumer function: it logs every record it gets (as a JSON line the test reads from the emulator's log), then
 * runs `body` with `event`, `ids` (the records' bodies), `sleep` and `flag(name)` (true once the test wrote that file).
 */
async function consumer(body: string, options: { timeoutSeconds?: number } = {}): Promise<{ name: string; seen: () => Seen[] }> {
  const name = `consumer-${++serial}`;
  createTestFunction(
    emulator,
    name,
    `import { existsSync } from 'node:fs';
import { join } from 'node:path';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const flag = (f) => existsSync(join(process.env.FLAGS, f));
export const handler = async (event, context) => {
  if (event.warmUp) return {};
  const ids = event.Records.map((r) => r.body);
  console.log(JSON.stringify({ seen: event.Records.map((r) => ({ id: r.body, count: Number(r.attributes.ApproximateReceiveCount), at: Date.now(), batch: context.awsRequestId })) }));
  ${body}
};`,
    { roleArn: emulator.account.roleByName('consumer-role')!.arn, environment: { FLAGS: flags }, timeoutSeconds: options.timeoutSeconds ?? 1 },
  );
  // Warm: the timings below are between deliveries, not a cold start's init.
  await emulator.lambda.invokeInternal(name, JSON.stringify({ warmUp: true }));
  const seen = () =>
    emulator.logs
      .filter((e) => typeof e.message === 'string' && e.message.startsWith(`${name}: {"seen"`))
      .flatMap((e) => (JSON.parse((e.message as string).slice(name.length + 2)) as { seen: Seen[] }).seen);
  return { name, seen };
}

function queues(visibilityTimeoutSeconds: number, maxReceiveCount = 3): { queue: StandardQueue; dlq: StandardQueue } {
  const n = ++serial;
  const dlq = emulator.sqs.createQueue({ name: `esm-dlq-${n}`, attributes: {} });
  const queue = emulator.sqs.createQueue({
    name: `esm-${n}`,
    attributes: { visibilityTimeoutSeconds, redrive: { deadLetterTargetArn: dlq.arn, maxReceiveCount } },
  });
  return { queue, dlq };
}

function map(input: Omit<SqsEventSourceMappingInput, 'reportBatchItemFailures'> & { reportBatchItemFailures?: boolean }): SqsEventSourceMapping {
  const mapping = new SqsEventSourceMapping(emulator.lambda, { reportBatchItemFailures: true, ...input }, emulator.logger);
  emulator.lambda.addEventSourceMapping(mapping);
  mappings.push(mapping);
  return mapping;
}

const FAIL_BAD = `return { batchItemFailures: event.Records.filter((r) => r.body.startsWith('bad')).map((r) => ({ itemIdentifier: r.messageId })) };`;
const bodies = (q: StandardQueue) => q.peek().map((m) => m.body);
/** The sizes of the invocations' batches, in the order they were seen. */
const batchSizes = (seen: Seen[]) => {
  const sizes = new Map<string, number>();
  for (const s of seen) sizes.set(s.batch, (sizes.get(s.batch) ?? 0) + 1);
  return [...sizes.values()];
};

describe('the SQS event source mapping', () => {
  it('delivers records as SQS sends them and deletes what succeeded', async () => {
    const { queue } = queues(30);
    const fn = await consumer('return {};');
    const sent = queue.send('{"jobId":"a"}');
    map({ queue, functionName: fn.name });
    await waitFor(() => fn.seen().length === 1 && queue.depth === 0);
    await sleep(100);
    expect(fn.seen()).toHaveLength(1);
    // The record's shape, read back through a second function that returns what it got.
    const echo = `echo-${++serial}`;
    createTestFunction(emulator, echo, 'export const handler = async (event) => { console.log(JSON.stringify({ record: event.Records[0] })); return {}; };', {
      roleArn: emulator.account.roleByName('consumer-role')!.arn,
    });
    const { queue: q2 } = queues(30);
    const m = q2.send('{"jobId":"b"}');
    map({ queue: q2, functionName: echo });
    await waitFor(() => emulator.logs.some((e) => String(e.message).startsWith(`${echo}: {"record"`)));
    const line = emulator.logs.find((e) => String(e.message).startsWith(`${echo}: {"record"`))!;
    const record = (JSON.parse(String(line.message).slice(echo.length + 2)) as { record: Record<string, unknown> }).record;
    expect(record).toEqual({
      messageId: m.messageId,
      receiptHandle: expect.any(String),
      body: '{"jobId":"b"}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(m.sentAt),
        SenderId: expect.any(String),
        ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
      },
      messageAttributes: {},
      md5OfBody: m.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: q2.arn,
      awsRegion: 'us-east-1',
    });
    expect(sent.messageId).not.toBe(m.messageId);
  });

  it("is waited for by the Lambda service's idle(): a batch in flight completes before idle() resolves", async () => {
    const { queue } = queues(30);
    const fn = await consumer('await sleep(300); return {};');
    queue.send('slow-batch');
    map({ queue, functionName: fn.name });
    await waitFor(() => fn.seen().length === 1);
    expect(queue.depth).toBe(1);
    await emulator.lambda.idle();
    expect(queue.depth).toBe(0);
  });

  describe('visibility timeout', () => {
    it('keeps a failed record invisible for the visibility timeout counted from its receive', async () => {
      const { queue } = queues(1);
      const fn = await consumer(FAIL_BAD);
      queue.send('bad');
      map({ queue, functionName: fn.name, batchSize: 1 });
      await waitFor(() => fn.seen().length === 2);
      const [first, second] = fn.seen();
      expect([first!.count, second!.count]).toEqual([1, 2]);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(990);
    });

    it("lets a stale delivery's failure neither delete nor release the message", async () => {
      // The first delivery is still running when the message becomes visible again (here: the test makes it visible,
      // as a visibility timeout running out would); the second delivery succeeds; the first one's late failure holds a
      // stale receipt and changes nothing.
      const { queue, dlq } = queues(30);
      const fn = await consumer(
        `if (event.Records[0].attributes.ApproximateReceiveCount === '1') { while (!flag('release-stale')) await sleep(10); throw new Error('late failure'); } await sleep(50);`,
        {
          timeoutSeconds: 10,
        },
      );
      queue.send('m');
      map({ queue, functionName: fn.name, batchSize: 1, failureVisibilityMs: 0 });
      await waitFor(() => fn.seen().length === 1);
      const [inFlight] = queue.peek();
      queue.changeVisibility(inFlight!.receipt!, 0);
      await waitFor(() => fn.seen().length === 2);
      await waitFor(() => queue.depth === 0);
      writeFileSync(join(flags, 'release-stale'), '');
      await sleep(300);
      expect(fn.seen().map((s) => s.count)).toEqual([1, 2]);
      expect(queue.depth).toBe(0);
      expect(dlq.depth).toBe(0);
    });

    it("lets a stale delivery's success not delete the message the latest delivery holds", async () => {
      const { queue } = queues(30);
      const fn = await consumer(
        `if (event.Records[0].attributes.ApproximateReceiveCount === '1') { while (!flag('release-success')) await sleep(10); return {}; } while (!flag('release-second')) await sleep(10); throw new Error('second fails');`,
        {
          timeoutSeconds: 10,
        },
      );
      queue.send('m');
      map({ queue, functionName: fn.name, batchSize: 1 });
      await waitFor(() => fn.seen().length === 1);
      queue.changeVisibility(queue.peek()[0]!.receipt!, 0);
      await waitFor(() => fn.seen().length === 2);
      writeFileSync(join(flags, 'release-success'), '');
      await sleep(300);
      // The first delivery succeeded with a stale receipt: the message, held by the second delivery, is still there.
      expect(queue.depth).toBe(1);
      writeFileSync(join(flags, 'release-second'), '');
    });

    it('makes a failed record visible after failureVisibilityMs when set (the local ChangeMessageVisibility shortcut)', async () => {
      const { queue } = queues(60, 5);
      const fn = await consumer(FAIL_BAD);
      queue.send('bad');
      const started = Date.now();
      map({ queue, functionName: fn.name, failureVisibilityMs: 20 });
      await waitFor(() => fn.seen().length === 3);
      expect(fn.seen().map((s) => s.count)).toEqual([1, 2, 3]);
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('partial batch failure and redrive', () => {
    it('retries only the reported failures, raising ApproximateReceiveCount, then moves them to the dead-letter queue', async () => {
      const { queue, dlq } = queues(30, 3);
      const fn = await consumer(FAIL_BAD);
      const good = queue.send('good');
      const bad = queue.send('bad');
      map({ queue, functionName: fn.name, failureVisibilityMs: 5 });
      await waitFor(() => dlq.depth === 1);
      expect(
        fn
          .seen()
          .filter((s) => s.id === 'good')
          .map((s) => s.count),
      ).toEqual([1]);
      expect(
        fn
          .seen()
          .filter((s) => s.id === 'bad')
          .map((s) => s.count),
      ).toEqual([1, 2, 3]);
      expect(dlq.peek()).toEqual([expect.objectContaining({ messageId: bad.messageId, body: 'bad', sourceArn: queue.arn })]);
      expect(queue.depth).toBe(0);
      expect(good.messageId).not.toBe(bad.messageId);
    });

    it('moves a message to the dead-letter queue only when it would be received once more, after its visibility timeout', async () => {
      const { queue, dlq } = queues(1, 1);
      const fn = await consumer(FAIL_BAD);
      queue.send('bad');
      map({ queue, functionName: fn.name });
      await waitFor(() => fn.seen().length === 1);
      await sleep(400);
      expect(dlq.depth).toBe(0);
      await waitFor(() => dlq.depth === 1);
      expect(Date.now() - fn.seen()[0]!.at).toBeGreaterThanOrEqual(990);
      expect(fn.seen()).toHaveLength(1);
    });

    it('fails the whole batch when the function throws', async () => {
      const { queue, dlq } = queues(1, 1);
      const fn = await consumer(`throw new Error('crash');`);
      queue.send('a');
      queue.send('b');
      map({ queue, functionName: fn.name });
      await waitFor(() => dlq.depth === 2);
      expect(fn.seen().map((s) => s.id)).toEqual(['a', 'b']);
      expect(new Set(fn.seen().map((s) => s.batch)).size).toBe(1);
    });

    it('fails the whole batch when the function times out', async () => {
      const { queue, dlq } = queues(1, 1);
      const fn = await consumer(`await new Promise(() => {});`);
      queue.send('a');
      queue.send('b');
      map({ queue, functionName: fn.name });
      await waitFor(() => dlq.depth === 2);
      expect(bodies(dlq).sort()).toEqual(['a', 'b']);
    });

    it.each([
      ['an identifier that is not in the batch', `return { batchItemFailures: [{ itemIdentifier: 'not-a-message-of-this-batch' }] };`],
      ['an empty identifier', `return { batchItemFailures: [{ itemIdentifier: '' }] };`],
      ['an item without identifier', `return { batchItemFailures: [{}] };`],
      ['a null item', `return { batchItemFailures: [null] };`],
      ['batchItemFailures that is not a list', `return { batchItemFailures: 'a' };`],
    ])('fails the whole batch for a response with %s (as Lambda does)', async (_name, body) => {
      const { queue, dlq } = queues(1, 1);
      const fn = await consumer(body);
      queue.send('a');
      queue.send('b');
      map({ queue, functionName: fn.name });
      await waitFor(() => dlq.depth === 2);
      expect(fn.seen()).toHaveLength(2);
    });

    it('treats an empty or absent batchItemFailures as complete success', async () => {
      const { queue, dlq } = queues(1, 1);
      const fn = await consumer(`return ids[0] === 'a' || ids[0] === 'c' ? { batchItemFailures: [] } : undefined;`);
      for (const id of ['a', 'b', 'c', 'd']) queue.send(id);
      map({ queue, functionName: fn.name, batchSize: 1 });
      await waitFor(() => queue.depth === 0);
      await sleep(1100);
      expect(dlq.depth).toBe(0);
      expect(fn.seen()).toHaveLength(4);
    });

    it('ignores batchItemFailures when the mapping does not report batch item failures: the batch succeeded', async () => {
      const { queue, dlq } = queues(1, 1);
      const fn = await consumer(FAIL_BAD);
      queue.send('bad');
      map({ queue, functionName: fn.name, reportBatchItemFailures: false });
      await waitFor(() => queue.depth === 0);
      await sleep(1100);
      expect(dlq.depth).toBe(0);
      expect(fn.seen()).toHaveLength(1);
    });
  });

  describe('no head-of-line blocking', () => {
    it('processes other messages while a failing one waits out its visibility timeout', async () => {
      const { queue } = queues(2);
      const fn = await consumer(FAIL_BAD);
      queue.send('bad');
      map({ queue, functionName: fn.name, batchSize: 1 });
      await waitFor(() => fn.seen().length === 1);
      const sentAt = Date.now();
      for (const id of ['g1', 'g2', 'g3']) queue.send(id);
      await waitFor(() => ['g1', 'g2', 'g3'].every((id) => fn.seen().some((s) => s.id === id)));
      expect(Date.now() - sentAt).toBeLessThan(1500);
      expect(fn.seen().filter((s) => s.id === 'bad')).toHaveLength(1);
    });

    it('processes other batches while one batch is slow, up to maximum_concurrency at once', async () => {
      const { queue } = queues(30);
      const fn = await consumer(
        `if (ids[0] === 'slow') { while (!flag('release-slow')) await sleep(10); } else await sleep(100); console.log('done ' + ids[0] + ' ' + Date.now());`,
        { timeoutSeconds: 20 },
      );
      queue.send('slow');
      for (const id of ['f1', 'f2', 'f3', 'f4']) queue.send(id);
      map({ queue, functionName: fn.name, batchSize: 1, maximumConcurrency: 2 });
      const done = () =>
        emulator.logs
          .filter((e) => String(e.message).startsWith(`${fn.name}: done `))
          .map((e) =>
            String(e.message)
              .slice(fn.name.length + 7)
              .split(' '),
          )
          .map(([id, at]) => ({ id: id!, at: Number(at) }));
      await waitFor(() => done().length === 4);
      expect(done().map((d) => d.id)).toEqual(['f1', 'f2', 'f3', 'f4']);
      writeFileSync(join(flags, 'release-slow'), '');
      await waitFor(() => done().length === 5);
      // Peak concurrency from the invocations' start and end times: the slow one held one slot, the others shared the other.
      const intervals = fn.seen().map((s) => ({ start: s.at, end: done().find((d) => d.id === s.id)!.at }));
      const peak = Math.max(...intervals.map((i) => intervals.filter((o) => o.start <= i.start && o.end > i.start).length));
      expect(peak).toBe(2);
    });

    it('runs five batches at once by default, no more', async () => {
      const { queue } = queues(30);
      const fn = await consumer(`while (!flag('release-five')) await sleep(10);`, { timeoutSeconds: 20 });
      for (let i = 0; i < 8; i++) queue.send(`m${i}`);
      map({ queue, functionName: fn.name, batchSize: 1 });
      await waitFor(() => fn.seen().length === 5);
      await sleep(300);
      expect(fn.seen()).toHaveLength(5);
      writeFileSync(join(flags, 'release-five'), '');
      await waitFor(() => queue.depth === 0 && fn.seen().length >= 8);
      await sleep(100);
      expect(fn.seen()).toHaveLength(8);
    });
  });

  describe('batching window', () => {
    it('gathers records sent within the window into one batch of up to batch_size, then invokes', async () => {
      const { queue } = queues(30);
      const fn = await consumer('return {};');
      map({ queue, functionName: fn.name, batchSize: 100, maximumBatchingWindowSeconds: 2 });
      const first = Date.now();
      queue.send('w0');
      // Sent over about 300 ms: one 2 s gathering window holds them all (the window starts at the first record).
      for (let i = 1; i < 6; i++) {
        await sleep(60);
        queue.send(`w${i}`);
      }
      await waitFor(() => fn.seen().length === 6);
      const batches = new Set(fn.seen().map((s) => s.batch));
      expect(batches.size).toBe(1);
      // Invoked when the window closed (2 s after the first record), not at the first record.
      expect(fn.seen()[0]!.at - first).toBeGreaterThanOrEqual(1900);
    });

    it('invokes as soon as the batch is full, without waiting for the window', async () => {
      const { queue } = queues(30);
      const fn = await consumer('return {};');
      for (let i = 0; i < 25; i++) queue.send(`f${i}`);
      const sentAt = Date.now();
      map({ queue, functionName: fn.name, batchSize: 10, maximumBatchingWindowSeconds: 30 });
      await waitFor(() => fn.seen().length === 20);
      // Two full batches of 10 went at once; the third (5 records) waits for its 30 s window.
      expect(Date.now() - sentAt).toBeLessThan(10_000);
      expect(batchSizes(fn.seen())).toEqual([10, 10]);
      await sleep(200);
      expect(fn.seen()).toHaveLength(20);
    });

    it("is waited for by the Lambda service's idle(), records waiting in the queue or gathered included", async () => {
      const { queue } = queues(30);
      const fn = await consumer('return {};');
      map({ queue, functionName: fn.name, batchSize: 100, maximumBatchingWindowSeconds: 1 });
      const before = emulator.lambda.stats(fn.name).invocations;
      for (let i = 0; i < 3; i++) queue.send(`i${i}`);
      await emulator.lambda.idle();
      // Processed and deleted by the time idle() resolves (the function's log lines may come a moment later).
      expect(queue.depth).toBe(0);
      expect(emulator.lambda.stats(fn.name).invocations).toBe(before + 1);
      await waitFor(() => fn.seen().length === 3);
      expect(
        fn
          .seen()
          .map((s) => s.id)
          .sort(),
      ).toEqual(['i0', 'i1', 'i2']);
    });

    it('stops a batch before its payload passes 6 MB, from its first records on, and keeps the rest for the next batch without receiving it again', async () => {
      // Lambda: a batch grows until it is full, the window closes "or the payload reaches 6 MB" (Batching behavior).
      const { queue, dlq } = queues(30, 1);
      const name = `big-consumer-${++serial}`;
      createTestFunction(
        emulator,
        name,
        `export const handler = async (event) => {
  console.log(JSON.stringify({ big: event.Records.map((r) => ({ id: r.body.slice(0, 3), count: Number(r.attributes.ApproximateReceiveCount), bytes: r.body.length })) }));
  return {};
};`,
        { roleArn: emulator.account.roleByName('consumer-role')!.arn, timeoutSeconds: 5 },
      );
      // 30 records of 256 KiB (7.5 MiB) already waiting when the mapping starts: its first receive would take them all.
      for (let i = 0; i < 30; i++) queue.send(`b${String(i).padStart(2, '0')}-${'x'.repeat(256 * 1024 - 4)}`);
      map({ queue, functionName: name, batchSize: 100, maximumBatchingWindowSeconds: 1 });
      const batches = () =>
        emulator.logs
          .filter((e) => typeof e.message === 'string' && e.message.startsWith(`${name}: {"big"`))
          .map((e) => (JSON.parse((e.message as string).slice(name.length + 2)) as { big: Array<{ id: string; count: number; bytes: number }> }).big);
      await waitFor(() => batches().flat().length === 30, 20_000);
      expect(batches().length).toBeGreaterThan(1);
      for (const batch of batches()) expect(batch.reduce((n, r) => n + r.bytes, 0)).toBeLessThanOrEqual(6 * 1024 * 1024);
      // Each record once, received once (maxReceiveCount 1: a second receive would have sent it to the dead-letter queue).
      expect(
        batches()
          .flat()
          .map((r) => r.id)
          .sort(),
      ).toEqual(Array.from({ length: 30 }, (_, i) => `b${String(i).padStart(2, '0')}`));
      expect(
        batches()
          .flat()
          .every((r) => r.count === 1),
      ).toBe(true);
      expect(dlq.depth).toBe(0);
    });

    it('keeps to maximum_concurrency with large batches: the rest waits in the queue, never throttled', async () => {
      const { queue } = queues(30);
      const fn = await consumer(`await sleep(300);`, { timeoutSeconds: 5 });
      for (let i = 0; i < 500; i++) queue.send(`c${i}`);
      const before = emulator.lambda.stats(fn.name);
      map({ queue, functionName: fn.name, batchSize: 100, maximumBatchingWindowSeconds: 1, maximumConcurrency: 2 });
      await waitFor(() => queue.depth === 0, 20_000);
      await waitFor(() => fn.seen().length === 500);
      expect(batchSizes(fn.seen())).toEqual([100, 100, 100, 100, 100]);
      const starts = [...new Set(fn.seen().map((s) => s.batch))].map((batch) => fn.seen().find((s) => s.batch === batch)!.at).sort((x, y) => x - y);
      // At most two batches of 300 ms at once: the third starts after the first ended.
      expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(250);
      expect(emulator.lambda.stats(fn.name).throttles).toBe(before.throttles);
    });
  });

  describe('creation', () => {
    it('refuses a function whose execution role may not poll the queue, naming the action as Lambda does', async () => {
      const { queue } = queues(30);
      const role = executionRole(emulator, 'cannot-receive', [{ Effect: 'Allow', Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes'], Resource: '*' }]);
      const name = `no-receive-${++serial}`;
      createTestFunction(emulator, name, 'export const handler = async () => ({});', { roleArn: role.arn });
      expect(() => map({ queue, functionName: name })).toThrow('The provided execution role does not have permissions to call ReceiveMessage on SQS');
      const partial = executionRole(emulator, 'cannot-delete', [
        { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:GetQueueAttributes'], Resource: queue.arn },
      ]);
      const other = `no-delete-${++serial}`;
      createTestFunction(emulator, other, 'export const handler = async () => ({});', { roleArn: partial.arn });
      expect(() => map({ queue, functionName: other })).toThrow('The provided execution role does not have permissions to call DeleteMessage on SQS');
      // The check reads only the policies the caller says exist by then (the applier: those created before the mapping).
      const fn = await consumer('return {};');
      expect(() => map({ queue, functionName: fn.name, rolePolicyVisible: () => false })).toThrow(/does not have permissions to call ReceiveMessage/);
    });

    it.each([
      [
        'a visibility timeout shorter than the function timeout',
        { visibility: 2, timeout: 3 },
        /Queue visibility timeout: 2 seconds is less than Function timeout: 3 seconds/,
      ],
      [
        'a batch size over 10 without a batching window',
        { batchSize: 11 },
        /^Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10$/,
      ],
      ['a batch size over 10,000', { batchSize: 10_001, maximumBatchingWindowSeconds: 1 }, /BatchSize must be 1-10000/],
      ['a batching window over 300 s', { maximumBatchingWindowSeconds: 301 }, /MaximumBatchingWindowInSeconds must be 0-300/],
      ['a batching window in fractions of a second', { maximumBatchingWindowSeconds: 0.5 }, /MaximumBatchingWindowInSeconds must be 0-300/],
      ['a maximum concurrency under 2', { maximumConcurrency: 1 }, /MaximumConcurrency must be 2-1000/],
      ['a maximum concurrency over 1000', { maximumConcurrency: 1001 }, /MaximumConcurrency must be 2-1000/],
    ])('refuses %s', async (_name, settings, message) => {
      const { queue } = queues((settings as { visibility?: number }).visibility ?? 30);
      const fn = await consumer('return {};', { timeoutSeconds: (settings as { timeout?: number }).timeout ?? 1 });
      const {
        visibility: _v,
        timeout: _t,
        ...rest
      } = settings as {
        visibility?: number;
        timeout?: number;
        batchSize?: number;
        maximumBatchingWindowSeconds?: number;
        maximumConcurrency?: number;
      };
      expect(() => map({ queue, functionName: fn.name, ...rest })).toThrow(message);
      expect(() => map({ queue, functionName: 'no-such-function' })).toThrow(/Function not found/);
    });
  });
});
