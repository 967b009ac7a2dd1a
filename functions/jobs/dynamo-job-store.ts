/**
 * Jobs on DynamoDB (core/store/tables.ts JOBS_TABLE, JOB_KEYS): one item per job, keyed by user and time-ordered job
 * id. A finished job is never changed again: every write of the worker carries the condition that the job has not
 * finished, so a redelivered queue message cannot run it twice or overwrite its outcome.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { type JobRecord, JobRecordSchema } from '../../core/contracts/jobs.js';
import { JOB_KEYS } from '../../core/store/tables.js';
import { mapped, storeFailure } from '../shared/dynamo-room-store/errors.js';
import { UpstreamError } from '../shared/errors.js';
import type { Clock } from '../shared/ports.js';
import { JOB_RECORD_TTL_SECONDS, type JobChange, type JobChangeOutcome, type JobDefinition, type JobStore } from './job-store.js';

type Item = Record<string, unknown>;

export class DynamoJobStore implements JobStore {
  readonly #doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock,
    private readonly ttlSeconds = JOB_RECORD_TTL_SECONDS,
  ) {
    this.#doc = DynamoDBDocumentClient.from(client);
  }

  async queued(job: JobDefinition): Promise<void> {
    const record: JobRecord = {
      jobId: job.jobId,
      kind: job.kind,
      steps: job.steps,
      stepMs: job.stepMs,
      status: 'queued',
      step: 0,
      progress: 0,
      requestedAt: job.requestedAt,
      updatedAt: job.requestedAt,
      ...(job.retryOf !== undefined ? { retryOf: job.retryOf } : {}),
    };
    await mapped('record the job', () =>
      this.#doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { userId: job.userId, ...record, expiresAt: this.#expiresAt() },
          ConditionExpression: 'attribute_not_exists(jobId)',
        }),
      ),
    );
  }

  async forget(userId: string, jobId: string): Promise<void> {
    await mapped('forget the job', () => this.#doc.send(new DeleteCommand({ TableName: this.table, Key: JOB_KEYS.item(userId, jobId) })));
  }

  async record(job: JobDefinition, change: JobChange): Promise<JobChangeOutcome> {
    const values: Item = {
      ':kind': job.kind,
      ':steps': job.steps,
      ':stepMs': job.stepMs,
      ':requestedAt': job.requestedAt,
      ':status': change.status,
      ':step': change.step,
      ':progress': change.progress,
      ':at': change.at,
      ':expiresAt': this.#expiresAt(),
      ':succeeded': 'succeeded',
      ':failed': 'failed',
    };
    const set = [
      'kind = :kind',
      'steps = :steps',
      'stepMs = :stepMs',
      'requestedAt = :requestedAt',
      '#status = :status',
      'step = :step',
      'progress = :progress',
      'updatedAt = :at',
      'expiresAt = :expiresAt',
    ];
    if (change.result !== undefined) {
      set.push('#result = :result');
      values[':result'] = change.result;
    }
    if (change.error !== undefined) {
      set.push('#error = :error');
      values[':error'] = change.error;
    }
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: JOB_KEYS.item(job.userId, job.jobId),
          // The definition is written too: a job whose queued record is missing (expired) is still recorded whole.
          UpdateExpression: `SET ${set.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(#status) OR NOT (#status IN (:succeeded, :failed))',
          ExpressionAttributeNames: { '#status': 'status', ...(change.result ? { '#result': 'result' } : {}), ...(change.error ? { '#error': 'error' } : {}) },
          ExpressionAttributeValues: values,
        }),
      );
      return { recorded: true };
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw storeFailure('record the job', error);
    }
    const out = await mapped('read the job', () =>
      this.#doc.send(new GetCommand({ TableName: this.table, Key: JOB_KEYS.item(job.userId, job.jobId), ConsistentRead: true })),
    );
    if (out.Item === undefined) throw new UpstreamError('could not record the job: it finished and then disappeared', true);
    return { recorded: false, finished: toRecord(out.Item) };
  }

  async recent(userId: string, limit: number): Promise<JobRecord[]> {
    const out = await mapped("read the user's jobs", () =>
      this.#doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'userId = :user',
          ExpressionAttributeValues: { ':user': userId },
          // Job ids are time-ordered: newest first. Eventually consistent: a job queued a moment ago may be missing.
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (out.Items ?? []).map(toRecord);
  }

  #expiresAt(): number {
    return Math.floor(this.clock.now().getTime() / 1000) + this.ttlSeconds;
  }
}

/** An item as GET /jobs returns it; one this store did not write is a defect, reported without its content. */
function toRecord(item: Item): JobRecord {
  const { userId: _userId, expiresAt: _expiresAt, ...rest } = item;
  const parsed = v.safeParse(JobRecordSchema, rest);
  if (!parsed.success) throw new UpstreamError('a stored job is not readable', false);
  return parsed.output;
}
