import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { JobsApiEnvSchema } from '../../core/contracts/function-env.js';
import { baseEnv, context, fakeVerifier, httpEvent, silentLogger, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { SqsJobQueue } from '../shared/aws-adapters.js';
import { createJobsApiHandler } from './api-handler.js';
import { JOB_BUDGET, maxJobWorkMs } from './budget.js';

const sqs = mockClient(SQSClient);
const limiter = memoryRateLimiter(3);
const handler = createJobsApiHandler({
  config: testConfig(JobsApiEnvSchema),
  logger: silentLogger(),
  verifyToken: fakeVerifier,
  queue: new SqsJobQueue(new SQSClient(unitTestAws), baseEnv.JOBS_QUEUE_URL),
  clock: { now: () => new Date('2030-01-01T00:00:00Z') },
  newId: () => 'job-1',
  rateLimiter: limiter,
});
const post = (body: unknown, user = 'alice') =>
  handler(httpEvent({ path: '/jobs', headers: { authorization: `Bearer ${user}` }, body: JSON.stringify(body) }), context);

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm' });
  limiter.consumed.length = 0;
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
});
