import { TopicScheme } from '../../core/topics.js';
import { PublishFailedError, ValidationError } from '../shared/errors.js';
import type { JobMessage } from '../../core/contracts/jobs.js';
import type { Publisher } from '../shared/ports.js';
import type { JobEvent } from '../../core/contracts/mqtt.js';
import { parseJobMessage, runJob, startJob } from './core.js';

const topics = new TopicScheme({ app: 'app', stage: 'test' });
const clock = { now: () => new Date('2030-01-01T00:00:00Z') };
const noSleep = async () => undefined;

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
  it('queues the job and answers with its id and the owner\'s job topic', async () => {
    const sent: JobMessage[] = [];
    const out = await startJob({ userId: 'alice' }, { kind: 'report', steps: 3 }, { queue: { send: async (j) => void sent.push(j) }, clock, newId: () => 'j1', topics });
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
    await expect(startJob({ userId: 'alice' }, body, { queue: { send: async () => undefined }, clock, newId: () => 'j', topics })).rejects.toThrow(message);
    await expect(startJob({ userId: 'alice' }, body, { queue: { send: async () => undefined }, clock, newId: () => 'j', topics })).rejects.toThrow(ValidationError);
  });
});

describe('runJob', () => {
  const job: JobMessage = { jobId: 'j1', userId: 'alice', kind: 'report', steps: 3, stepMs: 0, requestedAt: '' };

  it('publishes progress to the owner\'s job topic and then the result', async () => {
    const publisher = recordingPublisher();
    await expect(runJob(job, { receiveCount: 1, maxReceiveCount: 3 }, { publisher, clock, topics, sleep: noSleep })).resolves.toBe('succeeded');
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
    await expect(runJob({ ...job, failAtStep: 2 }, { receiveCount: 1, maxReceiveCount: 3 }, { publisher, clock, topics, sleep: noSleep })).resolves.toBe('failed');
    expect(publisher.events.at(-1)).toMatchObject({ status: 'failed', error: 'step 2 of 3 failed' });
  });

  it('throws on a transient failure so the queue retries, and tells the owner on the last attempt', async () => {
    const early = recordingPublisher(2);
    await expect(runJob(job, { receiveCount: 1, maxReceiveCount: 3 }, { publisher: early, clock, topics, sleep: noSleep })).rejects.toThrow(PublishFailedError);
    expect(early.events.some((e) => e.status === 'failed')).toBe(false);
    const last = recordingPublisher(2);
    await expect(runJob(job, { receiveCount: 3, maxReceiveCount: 3 }, { publisher: last, clock, topics, sleep: noSleep })).rejects.toThrow(PublishFailedError);
    expect(last.events.at(-1)).toMatchObject({ status: 'failed', error: expect.stringContaining('after 3 attempts') });
  });

  it('refuses malformed queue messages', () => {
    expect(() => parseJobMessage('{"jobId":1}')).toThrow(ValidationError);
    expect(() => parseJobMessage('not json')).toThrow(ValidationError);
  });
});
