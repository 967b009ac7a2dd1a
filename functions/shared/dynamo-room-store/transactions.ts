/**
 * Transactions of the rooms store. Every change is read, decided and written as one TransactWriteItems whose conditions
 * restate what was read (the roles, the counts, the actor's role); when one fails, the state changed meanwhile, and the
 * change is read and decided again, a bounded number of times.
 *
 * DynamoDB (API reference, TransactWriteItems): a failed condition cancels the whole transaction with
 * TransactionCanceledException, whose CancellationReasons has one entry per action, in request order
 * (`ConditionalCheckFailed`, `TransactionConflict`, `None`, ...).
 */
import type { DynamoDBDocumentClient, TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { UpstreamError } from '../errors.js';
import { storeFailure } from './errors.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Reads and decisions are repeated this many times while concurrent changes keep invalidating them. */
const MAX_ATTEMPTS = 5;

/** A condition of the transaction failed: the state changed since it was read. `codes` tells which actions failed. */
export class ChangedMeanwhile extends Error {
  override readonly name = 'ChangedMeanwhile';
  constructor(readonly codes: readonly string[]) {
    super('the state changed since it was read');
  }
}

/** The cancellation reason codes of a TransactionCanceledException, in request order; undefined for other errors. */
export function cancellationCodes(error: unknown): string[] | undefined {
  const e = error as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

/** Writes the items atomically; ChangedMeanwhile when a condition failed or another transaction conflicted. */
export async function transact(doc: DynamoDBDocumentClient, items: TransactItem[]): Promise<void> {
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: items }));
  } catch (error) {
    const codes = cancellationCodes(error);
    if (codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) throw new ChangedMeanwhile(codes);
    throw error;
  }
}

/** Runs read-decide-write until its conditions hold; domain errors from the decision pass through. */
export async function untilSettled<T>(what: string, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof ChangedMeanwhile) continue;
      throw storeFailure(what, error);
    }
  }
  throw new UpstreamError(`could not ${what}: the room kept changing concurrently`, true);
}
