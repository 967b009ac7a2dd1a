import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { mockClient } from 'aws-sdk-client-mock';
import { JobsWorkerEnvSchema } from '../../core/contracts/function-env.js';
import type { JobEvent } from '../../core/contracts/mqtt.js';
import { context, contextWithRemaining, silentLogger, sqsEvent, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { MemoryJobStore } from '../../test/support/memory-job-store.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import { countingPublisher, memoryMetrics } from '../shared/metrics.js';
import { systemClock } from '../shared/ports.js';
import { createJobsWorkerHandler } from './worker-handler.js';

const iotData = mockClient(IoTDataPlaneClient);
const publisher = new IotDataPublisher(new IoTDataPlaneClient(unitTestAws));
const jobs = new MemoryJobStore();
const handler = createJobsWorkerHandler({
  config: testConfig(JobsWorkerEnvSchema),
  logger: silentLogger(),
  publisher,
  jobs,
  clock: systemClock,
  sleep: async () => undefined,
});

const job = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ jobId: id, userId: 'alice', kind: 'report', steps: 2, stepMs: 0, requestedAt: '', ...extra });
const published = () =>
  iotData
    .commandCalls(PublishCommand)
    .map((c) => ({ topic: c.args[0].input.topic ?? '', event: JSON.parse(new TextDecoder().decode(c.args[0].input.payload as Uint8Array)) as JobEvent }));

beforeEach(() => {
  iotData.reset();
  jobs.jobs.clear();
});

describe('jobs worker (SQS, partial batch failures)', () => {
  it('runs every job and reports no failures', async () => {
    iotData.on(PublishCommand).resolves({});
    const out = await handler(
      sqsEvent([
        { id: 'm1', body: job('j1') },
        { id: 'm2', body: job('j2', { failAtStep: 1 }) },
      ]),
      context,
    );
    expect(out).toEqual({ batchItemFailures: [] });
    expect(new Set(published().map((p) => p.topic))).toEqual(new Set(['app/test/users/alice/jobs/j1', 'app/test/users/alice/jobs/j2']));
  });

  it('returns only the failed records so SQS retries just those, including malformed messages', async () => {
    iotData.on(PublishCommand).resolves({});
    iotData.on(PublishCommand, { topic: 'app/test/users/alice/jobs/bad' }).rejects(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }));
    const out = await handler(
      sqsEvent([
        { id: 'ok', body: job('good') },
        { id: 'fails', body: job('bad') },
        { id: 'poison', body: '{not json' },
      ]),
      context,
    );
    // The batch runs in parallel: failures are listed in the order they happened.
    expect(new Set(out.batchItemFailures.map((f) => f.itemIdentifier))).toEqual(new Set(['fails', 'poison']));
    expect(out.batchItemFailures).toHaveLength(2);
  });

  it('tells the owner on the last receive, with the reason, before the message moves to the dead-letter queue', async () => {
    iotData.on(PublishCommand).resolves({});
    iotData
      .on(PublishCommand, { topic: 'app/test/users/alice/jobs/bad' })
      .rejectsOnce(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }))
      .resolves({});
    const out = await handler(
      sqsEvent([
        { id: 'last', body: job('bad'), receiveCount: 3 },
        { id: 'ok', body: job('good') },
      ]),
      context,
    );
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'last' }] });
    // The first publish (running, step 0) was refused; the notice that follows it got through.
    expect(
      published()
        .filter((p) => p.topic.endsWith('/bad'))
        .map((p) => p.event),
    ).toEqual([
      expect.objectContaining({ status: 'running', step: 0 }),
      expect.objectContaining({
        status: 'failed',
        error: 'The report could not finish after 3 attempts: the service had a problem (the operators have the details).',
      }),
    ]);
  });

  it("never starts a job that cannot finish before the invocation's timeout minus the margin: SQS gets it back untouched", async () => {
    iotData.on(PublishCommand).resolves({});
    const timed = createJobsWorkerHandler({
      config: testConfig(JobsWorkerEnvSchema),
      logger: silentLogger(),
      publisher,
      jobs: new MemoryJobStore(),
      clock: systemClock,
      sleep: async () => undefined,
      safetyMarginMs: 1000,
    });
    // 3 s left, 1 s margin: 2 s for the batch. 'short' declares 1 s, 'long' 2.5 s.
    const out = await timed(
      sqsEvent([
        { id: 'long', body: job('long', { steps: 5, stepMs: 500 }) },
        { id: 'short', body: job('short', { steps: 2, stepMs: 500 }) },
      ]),
      contextWithRemaining(3000),
    );
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'long' }] });
    expect(published().filter((p) => p.topic.endsWith('/long'))).toEqual([]);
    expect(
      published()
        .filter((p) => p.topic.endsWith('/short'))
        .at(-1)?.event.status,
    ).toBe('succeeded');
  });

  it('stops a job part-way rather than running past the deadline, in real time', async () => {
    iotData.on(PublishCommand).resolves({});
    const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
    const timed = createJobsWorkerHandler({
      config: testConfig(JobsWorkerEnvSchema),
      logger: silentLogger(),
      publisher,
      jobs: new MemoryJobStore(),
      clock: systemClock,
      sleep,
      safetyMarginMs: 100,
    });
    // 400 ms of declared work fits in the 500 ms deadline, but the first publish takes 250 ms: step 3 of 4 would end late.
    iotData.on(PublishCommand).callsFake(async (input: { payload: Uint8Array }) => {
      if ((JSON.parse(new TextDecoder().decode(input.payload)) as JobEvent).step === 0) await sleep(250);
      return {};
    });
    const started = Date.now();
    const out = await timed(sqsEvent([{ id: 'm', body: job('j', { steps: 4, stepMs: 100 }) }]), contextWithRemaining(600)).catch((error: Error) => error);
    // The only record failed: powertools fails the invocation so SQS retries the whole (one-record) batch.
    expect(out).toBeInstanceOf(Error);
    expect(Date.now() - started).toBeLessThan(600);
    expect(published().map((p) => p.event.step)).not.toContain(4);
  });

  it('counts its publishes and their failures through the metrics port', async () => {
    iotData.on(PublishCommand).resolves({});
    iotData.on(PublishCommand, { topic: 'app/test/users/alice/jobs/bad' }).rejects(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }));
    const metrics = memoryMetrics();
    const counted = createJobsWorkerHandler({
      config: testConfig(JobsWorkerEnvSchema),
      logger: silentLogger(),
      publisher: countingPublisher(publisher, metrics),
      jobs: new MemoryJobStore(),
      clock: systemClock,
      sleep: async () => undefined,
      metrics,
    });
    await counted(
      sqsEvent([
        { id: 'ok', body: job('good') },
        { id: 'fails', body: job('bad') },
      ]),
      context,
    );
    // good: running 0, running 1, succeeded; bad: the first publish fails (not the last attempt, so no notice).
    expect(metrics.totals).toEqual({ Publishes: 3, PublishFailures: 1 });
  });

  it('announces each finished job to its owner (succeeded or failed by the job), not a job given back to the queue; a refused announcement fails nothing', async () => {
    iotData.on(PublishCommand).resolves({});
    iotData.on(PublishCommand, { topic: 'app/test/users/alice/jobs/retry' }).rejects(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }));
    const announced: Array<{ userId: string; data: unknown }> = [];
    const announcing = createJobsWorkerHandler({
      config: testConfig(JobsWorkerEnvSchema),
      logger: silentLogger(),
      publisher,
      jobs,
      clock: systemClock,
      sleep: async () => undefined,
      announceCompletion: async (userId, data) => {
        announced.push({ userId, data });
        if (data.jobId === 'refused') throw new Error('AccessDeniedException');
      },
    });
    const out = await announcing(
      sqsEvent([
        { id: 'ok', body: job('done') },
        { id: 'failed', body: job('broken', { failAtStep: 1 }) },
        { id: 'retry', body: job('retry') },
        { id: 'refused', body: job('refused') },
      ]),
      context,
    );
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'retry' }] });
    expect(announced).toEqual(
      expect.arrayContaining([
        { userId: 'alice', data: { jobId: 'done', kind: 'report', status: 'succeeded' } },
        { userId: 'alice', data: { jobId: 'broken', kind: 'report', status: 'failed' } },
        { userId: 'alice', data: { jobId: 'refused', kind: 'report', status: 'succeeded' } },
      ]),
    );
    expect(announced.map((a) => (a.data as { jobId: string }).jobId)).not.toContain('retry');
  });

  it('records every step and the outcome, with the reason a person reads, for the page after a reload', async () => {
    iotData.on(PublishCommand).resolves({});
    await handler(
      sqsEvent([
        { id: 'ok', body: job('good') },
        { id: 'no', body: job('fails', { kind: 'import', steps: 3, failAtStep: 2 }) },
      ]),
      context,
    );
    const [fails, good] = [...jobs.jobs.values()].sort((a, b) => a.jobId.localeCompare(b.jobId));
    expect(good).toMatchObject({ jobId: 'good', status: 'succeeded', step: 2, progress: 100, result: { summary: 'report finished in 2 steps' } });
    expect(fails).toMatchObject({
      jobId: 'fails',
      status: 'failed',
      step: 2,
      error: 'The import stopped at step 2 of 3: a row of the file could not be read (this demo job was asked to fail there).',
    });
  });

  it('does not run a job again when SQS delivers its message after it finished; it publishes the outcome once more', async () => {
    iotData.on(PublishCommand).resolves({});
    await handler(sqsEvent([{ id: 'first', body: job('once') }]), context);
    const before = published().length;
    const out = await handler(sqsEvent([{ id: 'again', body: job('once') }]), context);
    expect(out).toEqual({ batchItemFailures: [] });
    expect(published().slice(before)).toEqual([
      { topic: 'app/test/users/alice/jobs/once', event: expect.objectContaining({ status: 'succeeded', progress: 100 }) },
    ]);
  });
});
