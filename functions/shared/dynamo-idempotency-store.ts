/**
 * Idempotency records on DynamoDB (core/store/tables.ts IDEMPOTENCY_TABLE; semantics in idempotency.ts):
 *   pk <scope>#<userId>#<key>   fingerprint, state, statusCode, body (JSON), pendingUntil?, expiresAt (TTL)
 * A record may be replaced once its expiresAt has passed (TTL deletes it within days, not at once, so the condition
 * checks the time itself).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isRetryableAwsError } from './aws-error-classification.js';
import { storeFailure } from './dynamo-room-store/errors.js';
import type { TransactItem } from './dynamo-room-store/transactions.js';
import { UpstreamError } from './errors.js';
import { type GuardedWrite, type IdempotencyClaim, type IdempotencyRecord, type IdempotencyStore, replayOf, WRITTEN } from './idempotency.js';

/** A record that is absent, or expired and so as good as absent. */
const REPLACEABLE = 'attribute_not_exists(pk) OR expiresAt < :now';

/** The records of one table: the transaction item that writes a done record, and reading a record back. */
export class DynamoIdempotencyRecords {
  readonly #doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient | DynamoDBDocumentClient,
    readonly table: string,
  ) {
    this.#doc = client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
  }

  /** The Put of a done record, for the transaction that writes what it guards. */
  putDone(claim: IdempotencyClaim): TransactItem {
    return {
      Put: {
        TableName: this.table,
        Item: recordItem(claim, 'done'),
        ConditionExpression: REPLACEABLE,
        ExpressionAttributeValues: { ':now': claim.now },
      },
    };
  }

  /** The record under `recordKey` if it is still honoured at `now` (a strongly consistent read). */
  async read(recordKey: string, now: number): Promise<IdempotencyRecord | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      item = (await this.#doc.send(new GetCommand({ TableName: this.table, Key: { pk: recordKey }, ConsistentRead: true }))).Item;
    } catch (error) {
      throw storeFailure('read the idempotency record', error);
    }
    if (item === undefined) return undefined;
    const record = parseRecord(item);
    return record.expiresAt < now ? undefined : record;
  }

  /**
   * The answer to a claim whose write failed on the record's condition: the stored response (or the draft's errors);
   * undefined when the record is gone meanwhile (expired), so the caller writes again.
   */
  async replayFor(claim: IdempotencyClaim): Promise<ReturnType<typeof replayOf> | undefined> {
    const record = await this.read(claim.recordKey, claim.now);
    return record === undefined ? undefined : replayOf(record, claim);
  }
}

/** POST /jobs: pending, then done (or released). */
export class DynamoIdempotencyStore implements IdempotencyStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #records: DynamoIdempotencyRecords;

  constructor(client: DynamoDBClient, table: string) {
    this.#doc = DynamoDBDocumentClient.from(client);
    this.#records = new DynamoIdempotencyRecords(this.#doc, table);
  }

  async claim(claim: IdempotencyClaim, pendingUntil: number): Promise<GuardedWrite> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.#records.table,
            Item: { ...recordItem(claim, 'pending'), pendingUntil },
            // A pending claim whose time has passed belongs to an attempt that died: the same request may take it over.
            ConditionExpression: `${REPLACEABLE} OR (#state = :pending AND pendingUntil < :now AND fingerprint = :fingerprint)`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':now': claim.now, ':pending': 'pending', ':fingerprint': claim.fingerprint },
          }),
        );
        return WRITTEN;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw storeFailure('claim the idempotency key', error);
      }
      const replay = await this.#records.replayFor(claim);
      if (replay !== undefined) return { outcome: 'replayed', response: replay };
    }
    throw new UpstreamError('could not claim the idempotency key: it kept changing concurrently', true);
  }

  async complete(claim: IdempotencyClaim): Promise<void> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.#records.table,
          Key: { pk: claim.recordKey },
          UpdateExpression: 'SET #state = :done REMOVE pendingUntil',
          ConditionExpression: 'fingerprint = :fingerprint',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':done': 'done', ':fingerprint': claim.fingerprint },
        }),
      );
    } catch (error) {
      throw storeFailure('complete the idempotency record', error);
    }
  }

  async release(claim: IdempotencyClaim): Promise<void> {
    try {
      await this.#doc.send(
        new DeleteCommand({
          TableName: this.#records.table,
          Key: { pk: claim.recordKey },
          ConditionExpression: '#state = :pending AND fingerprint = :fingerprint',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':pending': 'pending', ':fingerprint': claim.fingerprint },
        }),
      );
    } catch (error) {
      // Already gone or taken over: nothing of ours to release.
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return;
      throw new UpstreamError('could not release the idempotency key', isRetryableAwsError(error), { cause: error });
    }
  }
}

function recordItem(claim: IdempotencyClaim, state: IdempotencyRecord['state']): Record<string, unknown> {
  return {
    pk: claim.recordKey,
    fingerprint: claim.fingerprint,
    state,
    statusCode: claim.response.statusCode,
    body: JSON.stringify(claim.response.body),
    expiresAt: claim.expiresAt,
  };
}

function parseRecord(item: Record<string, unknown>): IdempotencyRecord {
  const { fingerprint, state, statusCode, body, expiresAt, pendingUntil } = item;
  if (
    typeof fingerprint !== 'string' ||
    (state !== 'done' && state !== 'pending') ||
    typeof statusCode !== 'number' ||
    typeof body !== 'string' ||
    typeof expiresAt !== 'number'
  ) {
    // Only this adapter writes the table: a malformed record is a defect, never the caller's fault.
    throw new UpstreamError('an idempotency record is malformed', false);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new UpstreamError('an idempotency record is malformed', false, { cause: error });
  }
  return {
    fingerprint,
    state,
    response: { statusCode, body: parsed },
    expiresAt,
    ...(typeof pendingUntil === 'number' ? { pendingUntil } : {}),
  };
}
