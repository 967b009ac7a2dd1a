/** DynamoJobStore on dynalite with the real SDK client: the JobStore contract, the TTL attribute and the item's keys. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { JOB_KEYS, JOBS_TABLE, tableName } from '../../core/store/tables.js';
import type { RunningLocalDynamoDb } from '../../local/store/dynalite.js';
import { startLocalTables } from '../../test/support/local-tables.js';
import { DynamoJobStore } from './dynamo-job-store.js';
import { jobStoreContract } from './job-store.contract.js';
import { JOB_RECORD_TTL_SECONDS } from './job-store.js';

const deployment = { app: 'iot-realtime', stage: 'test' };
const NOW = new Date('2030-01-02T00:00:00Z');
let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;
let store: DynamoJobStore;

beforeAll(async () => {
  ({ dynamo, client } = await startLocalTables(deployment));
  store = new DynamoJobStore(client, tableName(deployment, JOBS_TABLE), { now: () => NOW });
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

jobStoreContract('DynamoDB (dynalite)', () => ({ store }));

describe('the jobs table', () => {
  it('keys each job by its user and id, and lets it expire a week after its last change', async () => {
    const job = { userId: 'ttl-user', jobId: '01JOBTTL0000000000000000AA', kind: 'report', steps: 1, stepMs: 0, requestedAt: NOW.toISOString() };
    await store.queued(job);
    await store.record(job, { status: 'succeeded', step: 1, progress: 100, at: NOW.toISOString(), result: { summary: 'ok' } });
    const doc = DynamoDBDocumentClient.from(client);
    const { Item } = await doc.send(new GetCommand({ TableName: tableName(deployment, JOBS_TABLE), Key: JOB_KEYS.item(job.userId, job.jobId) }));
    expect(Item).toMatchObject({ userId: 'ttl-user', jobId: job.jobId, status: 'succeeded', expiresAt: NOW.getTime() / 1000 + JOB_RECORD_TTL_SECONDS });
    expect(JOBS_TABLE.ttlAttribute).toBe('expiresAt');
  });

  it('refuses to queue a job id twice', async () => {
    const job = { userId: 'twice', jobId: '01JOBTWICE00000000000000AA', kind: 'report', steps: 1, stepMs: 0, requestedAt: NOW.toISOString() };
    await store.queued(job);
    await expect(store.queued(job)).rejects.toThrow('could not record the job');
  });
});
