import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { mockClient } from 'aws-sdk-client-mock';
import { JobsWorkerEnvSchema } from '../../core/contracts/function-env.js';
import { context, silentLogger, sqsEvent, testConfig, unitTestAws } from '../../test/fixtures/events.js';
import { IotDataPublisher } from '../shared/aws-adapters.js';
import { systemClock } from '../shared/ports.js';
import { createJobsWorkerHandler } from './worker-handler.js';

const iotData = mockClient(IoTDataPlaneClient);
const handler = createJobsWorkerHandler({
  config: testConfig(JobsWorkerEnvSchema),
  logger: silentLogger(),
  publisher: new IotDataPublisher(new IoTDataPlaneClient(unitTestAws)),
  clock: systemClock,
  sleep: async () => undefined,
});

const job = (id: string, extra: Record<string, unknown> = {}) => JSON.stringify({ jobId: id, userId: 'alice', kind: 'report', steps: 2, stepMs: 0, requestedAt: '', ...extra });

beforeEach(() => iotData.reset());

describe('jobs worker (SQS, partial batch failures)', () => {
  it('runs every job and reports no failures', async () => {
    iotData.on(PublishCommand).resolves({});
    const out = await handler(sqsEvent([{ id: 'm1', body: job('j1') }, { id: 'm2', body: job('j2', { failAtStep: 1 }) }]), context);
    expect(out).toEqual({ batchItemFailures: [] });
    const topics = iotData.commandCalls(PublishCommand).map((c) => c.args[0].input.topic);
    expect(new Set(topics)).toEqual(new Set(['app/test/users/alice/jobs/j1', 'app/test/users/alice/jobs/j2']));
  });

  it('returns only the failed records so SQS retries just those, including malformed messages', async () => {
    iotData.on(PublishCommand).resolves({});
    iotData.on(PublishCommand, { topic: 'app/test/users/alice/jobs/bad' }).rejects(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } }));
    const out = await handler(sqsEvent([{ id: 'ok', body: job('good') }, { id: 'fails', body: job('bad') }, { id: 'poison', body: '{not json' }]), context);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'fails' }, { itemIdentifier: 'poison' }] });
  });
});
