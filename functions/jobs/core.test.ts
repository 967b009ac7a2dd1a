import type { JobMessage } from '../../core/contracts/jobs.js';
import type { JobEvent } from '../../core/contracts/mqtt.js';
import { TopicScheme } from '../../core/topics.js';
import { MemoryJobStore } from '../../test/support/memory-job-store.js';
import { PublishFailedError, ValidationError } from '../shared/errors.js';
import type { Publisher } from '../shared/ports.js';
import type { JobBudget } from './budget.js';
import { DeadlineExceededError, parseJobMessage, type RunJobDependencies, runJob, startJob } from './core.js';

const topics = new TopicScheme({ app: 'app', stage: 'test' });
const clock = { now: () => new Date('2030-01-01T00:00:00Z') };
const noSleep = async () => undefined;
/** A 60 s worker keeping 10 s in hand: at most 50 000 ms of declared work. */
const budget: JobBudget = { workerTimeoutMs: 60_000, safetyMarginMs: 10_000 };
const start = (body: unknown, sent: JobMessage[] = [], jobs = new MemoryJobStore()) =>
  startJob({ userId: 'alice' }, body, { queue: { send: async (j) => void sent.push(j) }, jobs, clock, newId: () => 'j1', topics, budget });

/** A clock that only moves when the job sleeps: deadlines are exact, and nothing waits for real. */
function steppingClock(startMs = Date.UTC(2030, 0, 1)) {
  let now = startMs;
  const sleep = async (ms: number) => {
    now += ms;
  };
  return { clock: { now: () => new Date(now) }, sleep, at: () => now };
}

function recordingPublisher(failOnCall?: number): Publisher & { events: JobEvent[]; topics: string[] } {
  const events: JobEvent[] = [];
  const seen: string[] = [];
  let calls = 0;
  return {
    events,
    topics: seen,
    async publish(topic, payload) {
      calls += 1;
      if (calls === failOnCall) throw new PublishFailedError('throttled', true);
      seen.push(topic);
      events.push(payload as JobEvent);
    },
  };
}

describe('startJob', () => {
  it("queues the job and answers with its id and the owner's job topic", async () => {
    const sent: JobMessage[] = [];
    const out = await start({ kind: 'report', steps: 3 }, sent);
    expect(out).toEqual({ jobId: 'j1', topic: 'app/test/users/alice/jobs/j1' });
    expect(sent).toEqual([{ jobId: 'j1', userId: 'alice', kind: 'report', steps: 3, stepMs: 400, requestedAt: '2030-01-01T00:00:00.000Z' }]);
  });

  it.each([
    [{}, /kind/],
    [{ kind: 'mine-bitcoin' }, /kind/],
    [{ kind: 'report', steps: 0 }, /steps/],
    [{ kind: 'report', steps: 21 }, /steps/],
    [{ kind: 'report', steps: 2, failAtStep: 3 }, /failAtStep/],
    [{ kind: 'report', stepMs: -1 }, /stepMs/],
  ])('refuses %j with a clear message', async (body, message) => {
    await expect(start(body)).rejects.toThrow(message);
    await expect(start(body)).rejects.toThrow(ValidationError);
  });

  it('refuses a job whose declared work does not fit in a worker invocation, naming the limit, and queues nothing', async () => {
    const sent: JobMessage[] = [];
    await expect(start({ kind: 'report', steps: 20, stepMs: 5000 }, sent)).rejects.toThrow(
      'the job declares 20 steps x 5000 ms = 100000 ms of work; at most 50000 ms fit in a worker invocation (its 60 s timeout minus a 10 s safety margin)',
    );
    await expect(start({ kind: 'report', steps: 11, stepMs: 4546 }, sent)).rejects.toThrow(ValidationError);
    expect(sent).toEqual([]);
    // Exactly at the limit is accepted.
    await expect(start({ kind: 'report', steps: 10, stepMs: 5000 }, sent)).resolves.toMatchObject({ jobId: 'j1' });
    expect(sent).toHaveLength(1);
  });
});

describe('runJob', () => {
  const job: JobMessage = { jobId: 'j1', userId: 'alice', kind: 'report', steps: 3, stepMs: 0, requestedAt: '' };
  const deadline = Date.parse('2030-01-01T00:01:00Z');

  it("publishes progress to the owner's job topic and then the result", async () => {
    const publisher = recordingPublisher();
    await expect(
      runJob(job, { receiveCount: 1, maxReceiveCount: 3 }, { publisher, jobs: new MemoryJobStore(), clock, topics, sleep: noSleep, deadline }),
    ).resolves.toBe('succeeded');
    expect(new Set(publisher.topics)).toEqual(new Set(['app/test/users/alice/jobs/j1']));
    expect(publisher.events.map((e) => [e.status, e.progress])).toEqual([
      ['running', 0],
      ['running', 33],
      ['running', 67],
      ['succeeded', 100],
    ]);
    expect(publisher.events.at(-1)?.result?.summary).toContain('3 steps');
  });

  it('reports a failing job on the topic and does not ask for a retry', async () => {
    const publisher = recordingPublisher();
    await expect(
      runJob(
        { ...job, failAtStep: 2 },
        { receiveCount: 1, maxReceiveCount: 3 },
        { publisher, jobs: new MemoryJobStore(), clock, topics, sleep: noSleep, deadline },
      ),
    ).resolves.toBe('failed');
    expect(publisher.events.at(-1)).toMatchObject({
      status: 'failed',
      error: 'The report stopped at step 2 of 3: the data source did not answer (this demo job was asked to fail there).',
    });
  });

  it('throws on a transient failure so the queue retries, and tells the owner on the last attempt', async () => {
    const early = recordingPublisher(2);
    await expect(
      runJob(job, { receiveCount: 1, maxReceiveCount: 3 }, { publisher: early, jobs: new MemoryJobStore(), clock, topics, sleep: noSleep, deadline }),
    ).rejects.toThrow(PublishFailedError);
    expect(early.events.some((e) => e.status === 'failed')).toBe(false);
    const last = recordingPublisher(2);
    await expect(
      runJob(job, { receiveCount: 3, maxReceiveCount: 3 }, { publisher: last, jobs: new MemoryJobStore(), clock, topics, sleep: noSleep, deadline }),
    ).rejects.toThrow(PublishFailedError);
    // In words: the raw error (throttled) is for the logs.
    expect(last.events.at(-1)).toMatchObject({
      status: 'failed',
      error: 'The report could not finish after 3 attempts: the service had a problem (the operators have the details).',
    });
  });

  describe('deadline', () => {
    const slow: JobMessage = { ...job, steps: 4, stepMs: 1000 };
    const deps = (time: ReturnType<typeof steppingClock>, publisher: Publisher, deadlineMs: number): RunJobDependencies => ({
      publisher,
      jobs: new MemoryJobStore(),
      clock: time.clock,
      sleep: time.sleep,
      topics,
      deadline: time.at() + deadlineMs,
    });

    it('does not start a job whose declared work does not fit before the deadline, and publishes nothing', async () => {
      const time = steppingClock();
      const publisher = recordingPublisher();
      await expect(runJob(slow, { receiveCount: 1, maxReceiveCount: 3 }, deps(time, publisher, 3999))).rejects.toThrow(DeadlineExceededError);
      expect(publisher.events).toEqual([]);
      expect(time.at()).toBe(Date.UTC(2030, 0, 1));
    });

    it('runs a job that fits exactly', async () => {
      const time = steppingClock();
      const publisher = recordingPublisher();
      await expect(runJob(slow, { receiveCount: 1, maxReceiveCount: 3 }, deps(time, publisher, 4000))).resolves.toBe('succeeded');
      expect(time.at() - Date.UTC(2030, 0, 1)).toBe(4000);
    });

    it('stops before a step that would end past the deadline, never sleeping past it', async () => {
      const time = steppingClock();
      const publisher = recordingPublisher();
      const first = deps(time, publisher, 4000);
      // Something else (slow publishes, say) takes 1.5 s before the job's steps: the fourth step no longer fits.
      const publish = publisher.publish.bind(publisher);
      publisher.publish = async (topic, payload, qos) => {
        if ((payload as JobEvent).step === 0) await time.sleep(1500);
        return publish(topic, payload, qos);
      };
      await expect(runJob(slow, { receiveCount: 1, maxReceiveCount: 3 }, first)).rejects.toThrow(
        'stopped before step 3 of 4: the worker was running out of time',
      );
      expect(time.at()).toBeLessThanOrEqual(first.deadline);
      expect(publisher.events.map((e) => e.status)).toEqual(['running', 'running', 'running']);
    });

    it('tells the owner why on the last attempt', async () => {
      const time = steppingClock();
      const publisher = recordingPublisher();
      await expect(runJob(slow, { receiveCount: 3, maxReceiveCount: 3 }, deps(time, publisher, 1000))).rejects.toThrow(DeadlineExceededError);
      expect(publisher.events).toEqual([
        expect.objectContaining({
          status: 'failed',
          error: 'The report could not finish: the worker ran out of time on each of its 3 attempts.',
        }),
      ]);
    });
  });

  it('refuses malformed queue messages', () => {
    expect(() => parseJobMessage('{"jobId":1}')).toThrow(ValidationError);
    expect(() => parseJobMessage('not json')).toThrow(ValidationError);
  });
});
