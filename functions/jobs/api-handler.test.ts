import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { JobsApiEnvSchema } from '../../core/contracts/function-env.js';
import { baseEnv, context, fakeVerifier, httpEvent, silentLogger, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { MemoryJobStore } from '../../test/support/memory-job-store.js';
import { MemoryIdempotencyStore } from '../../test/support/memory-room-store.js';
import { SqsJobQueue } from '../shared/aws-adapters.js';
import { createJobsApiHandler } from './api-handler.js';
import { JOB_BUDGET, maxJobWorkMs } from './budget.js';

const sqs = mockClient(SQSClient);
const limiter = memoryRateLimiter(3);
const idempotency = new MemoryIdempotencyStore();
const jobs = new MemoryJobStore();
let ids = 0;
const handler = createJobsApiHandler({
  config: testConfig(JobsApiEnvSchema),
  logger: silentLogger(),
  verifyToken: fakeVerifier,
  queue: new SqsJobQueue(new SQSClient(unitTestAws), baseEnv.JOBS_QUEUE_URL),
  jobs,
  clock: { now: () => new Date('2030-01-01T00:00:00Z') },
  newId: () => `job-${++ids}`,
  rateLimiter: limiter,
  idempotency,
  idempotencyPendingSeconds: 20,
});
const post = (body: unknown, user = 'alice', headers: Record<string, string> = {}) =>
  handler(httpEvent({ path: '/jobs', headers: { authorization: `Bearer ${user}`, ...headers }, body: JSON.stringify(body) }), context);
const list = (user = 'alice') =>
  handler(httpEvent({ method: 'GET', path: '/jobs', routeKey: 'GET /jobs', headers: { authorization: `Bearer ${user}` } }), context);

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  limiter.consumed.length = 0;
  idempotency.records.records.clear();
  jobs.jobs.clear();
  ids = 0;
});

describe('POST /jobs', () => {
  it("queues a job that fits the worker's budget and answers 202 with where to listen", async () => {
    const res = await post({ kind: 'report', steps: 3, stepMs: 100 });
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body!)).toEqual({ jobId: 'job-1', topic: 'app/test/users/alice/jobs/job-1' });
    expect(JSON.parse(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input.MessageBody!)).toMatchObject({ jobId: 'job-1', steps: 3, stepMs: 100 });
  });

  it('answers 400 naming the limit to a job the worker cannot finish inside its timeout, and queues nothing', async () => {
    // The catalog's worker: 60 s timeout, 10 s margin.
    expect(maxJobWorkMs(JOB_BUDGET)).toBe(50_000);
    const res = await post({ kind: 'import', steps: 20, stepMs: 5000 });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).message).toBe(
      'the job declares 20 steps x 5000 ms = 100000 ms of work; at most 50000 ms fit in a worker invocation (its 60 s timeout minus a 10 s safety margin)',
    );
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("answers 429 with Retry-After past the caller's limit, per user", async () => {
    for (let i = 0; i < 3; i += 1) expect((await post({ kind: 'report' })).statusCode).toBe(202);
    const refused = await post({ kind: 'report' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '42' });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(3);
    expect((await post({ kind: 'report' }, 'bob')).statusCode).toBe(202);
  });

  it('queues one job for an Idempotency-Key: a retry gets the same 202 and body, another body with the key 422', async () => {
    const key = { 'idempotency-key': 'job-key-1' };
    const first = await post({ kind: 'report', steps: 2 }, 'alice', key);
    const retry = await post({ kind: 'report', steps: 2 }, 'alice', key);
    expect([first.statusCode, retry.statusCode, retry.body]).toEqual([202, 202, first.body]);
    expect(retry.headers).toMatchObject({ 'idempotent-replayed': 'true' });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
    expect((await post({ kind: 'import' }, 'alice', key)).statusCode).toBe(422);
    // bob's key of the same name is his own.
    expect((await post({ kind: 'report', steps: 2 }, 'bob', key)).statusCode).toBe(202);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(2);
  });

  it('answers 409 to a retry while the first request with the key is still queueing, and queues one job', async () => {
    let release: () => void = () => undefined;
    sqs.on(SendMessageCommand).callsFake(() => new Promise((resolve) => (release = () => resolve({ MessageId: 'm' }))));
    const key = { 'idempotency-key': 'job-key-2' };
    const first = post({ kind: 'report' }, 'alice', key);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const concurrent = await post({ kind: 'report' }, 'alice', key);
    expect([concurrent.statusCode, concurrent.headers?.['retry-after'], JSON.parse(concurrent.body!).error]).toEqual([409, '1', 'request_in_progress']);
    release();
    expect((await first).statusCode).toBe(202);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });

  it('gives the key back when the queue refuses the job, so a retry queues it', async () => {
    sqs.on(SendMessageCommand).rejectsOnce(Object.assign(new Error('slow down'), { name: 'RequestThrottled', $metadata: { httpStatusCode: 400 } }));
    const key = { 'idempotency-key': 'job-key-3' };
    const failed = await post({ kind: 'report' }, 'alice', key);
    expect([failed.statusCode, failed.headers?.['retry-after']]).toEqual([503, '1']);
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
    const retry = await post({ kind: 'report' }, 'alice', key);
    expect(retry.statusCode).toBe(202);
    expect(retry.headers?.['idempotent-replayed']).toBeUndefined();
  });

  it('records the job as queued before queueing it, with the job it retries', async () => {
    let recordedFirst = false;
    sqs.on(SendMessageCommand).callsFake(async () => {
      recordedFirst = jobs.jobs.size === 1;
      return { MessageId: 'm' };
    });
    expect((await post({ kind: 'import', steps: 2, stepMs: 10, retryOf: 'job-0' })).statusCode).toBe(202);
    expect(recordedFirst).toBe(true);
    expect(await jobs.recent('alice', 5)).toEqual([
      {
        jobId: 'job-1',
        kind: 'import',
        steps: 2,
        stepMs: 10,
        status: 'queued',
        step: 0,
        progress: 0,
        requestedAt: '2030-01-01T00:00:00.000Z',
        updatedAt: '2030-01-01T00:00:00.000Z',
        retryOf: 'job-0',
      },
    ]);
  });

  it('forgets the job again when the queue refuses it: nothing will run, and the page must not show it waiting', async () => {
    sqs.on(SendMessageCommand).rejects(Object.assign(new Error('slow down'), { name: 'RequestThrottled', $metadata: { httpStatusCode: 400 } }));
    expect((await post({ kind: 'report' })).statusCode).toBe(503);
    expect(jobs.jobs.size).toBe(0);
  });

  it('answers 400 to a retryOf that is not a job id, queueing nothing', async () => {
    const res = await post({ kind: 'report', retryOf: 'a/b' });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!).message).toContain('retryOf');
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe('GET /jobs', () => {
  it("answers with the caller's own newest jobs, newest first, without counting against the limit", async () => {
    for (let i = 0; i < 2; i += 1) await post({ kind: 'report' });
    await post({ kind: 'report' }, 'bob');
    const consumed = limiter.consumed.length;
    const res = await list();
    expect(res.statusCode).toBe(200);
    // The ids of this test sort as strings: job-2 is newer than job-1.
    expect(JSON.parse(res.body!).jobs.map((j: { jobId: string }) => j.jobId)).toEqual(['job-2', 'job-1']);
    expect(limiter.consumed.length).toBe(consumed);
  });

  it('answers 401 without a valid token', async () => {
    const res = await handler(httpEvent({ method: 'GET', path: '/jobs', routeKey: 'GET /jobs' }), context);
    expect(res.statusCode).toBe(401);
  });
});
