/**
 * Idempotent POSTs with the `Idempotency-Key` header (IETF httpapi draft "The Idempotency-Key HTTP Header Field",
 * draft-ietf-httpapi-idempotency-key-header-06; contract in core/contracts/http.ts). The first request with a key
 * stores its response in an idempotency record (core/store/tables.ts IDEMPOTENCY_TABLE) together with what it creates:
 * in the same DynamoDB transaction for rooms and messages, so the happy path costs no extra round trip and concurrent
 * duplicates cannot both write. A retry with the same key and the same request gets that response again; with a
 * different request 422; while the first is still running (POST /jobs only) 409.
 *
 * Records are keyed `<scope>#<userId>#<key>`: one user's key never meets another user's, nor another route's.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_LIFETIME_SECONDS, IdempotencyKeySchema } from '../../core/contracts/http.js';
import { idempotencyRecordKey } from '../../core/store/tables.js';
import { IdempotencyKeyReusedError, RequestInProgressError } from './errors.js';
import { jsonResponse } from './http-errors.js';
import type { HttpResult } from './http-handler.js';
import { headerParameter } from './query.js';

export type IdempotencyScope = 'rooms' | 'messages' | 'jobs';

/** The response a retry gets again. */
export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

/** What a request with a key claims: its record key, what identifies the request, and the response to store. */
export interface IdempotencyClaim {
  recordKey: string;
  fingerprint: string;
  response: StoredResponse;
  /** Epoch seconds until which the record is honoured. */
  expiresAt: number;
  /** Epoch seconds now: a record whose expiresAt has passed may be replaced. */
  now: number;
}

/** A stored record: done (its response is final) or, for POST /jobs only, pending until `pendingUntil`. */
export interface IdempotencyRecord {
  fingerprint: string;
  state: 'done' | 'pending';
  response: StoredResponse;
  expiresAt: number;
  pendingUntil?: number;
}

/** The outcome of a write guarded by a key: written now, or the response of the first request with the key. */
export type GuardedWrite = { outcome: 'written' } | { outcome: 'replayed'; response: StoredResponse };
export const WRITTEN: GuardedWrite = { outcome: 'written' };

/** The request's key, or undefined without the header; 400 with the reason for a malformed one. */
export function idempotencyKeyOf(event: APIGatewayProxyEventV2): string | undefined {
  return headerParameter(event, IDEMPOTENCY_KEY_HEADER, IdempotencyKeySchema);
}

/** What identifies a request beyond its key (its route's parameters and body), as a SHA-256 hex digest. */
export function fingerprintOf(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

export function idempotencyClaim(
  request: { scope: IdempotencyScope; userId: string; key: string; fingerprint: string },
  response: StoredResponse,
  nowMs: number,
): IdempotencyClaim {
  const now = Math.floor(nowMs / 1000);
  return {
    recordKey: idempotencyRecordKey(request.scope, request.userId, request.key),
    fingerprint: request.fingerprint,
    response,
    expiresAt: now + IDEMPOTENCY_KEY_LIFETIME_SECONDS,
    now,
  };
}

/**
 * The answer to a request whose claim met an existing, unexpired record: its response when the request is the same
 * and the record done; otherwise the draft's errors.
 */
export function replayOf(record: IdempotencyRecord, claim: Pick<IdempotencyClaim, 'fingerprint'>): StoredResponse {
  if (record.fingerprint !== claim.fingerprint) {
    throw new IdempotencyKeyReusedError('this Idempotency-Key was already used for a different request; use a new key for a new request');
  }
  if (record.state === 'pending') throw new RequestInProgressError('the first request with this Idempotency-Key is still being processed; retry shortly');
  return record.response;
}

/** The HTTP response of a guarded write: the fresh one, or the stored one marked as a replay. */
export function guardedResponse(write: GuardedWrite, fresh: () => HttpResult): HttpResult {
  if (write.outcome === 'written') return fresh();
  return jsonResponse(write.response.statusCode, write.response.body, { 'idempotent-replayed': 'true' });
}

/**
 * Idempotency for a request whose effect is not a store item (POST /jobs queues a message): the record is claimed as
 * pending, the work done, then the record completed; a retry meanwhile gets 409, one after the pending time has passed
 * (the first attempt died) may take the claim over.
 */
export interface IdempotencyStore {
  /** Claims the key as pending until `pendingUntil` (epoch seconds); the earlier response when the key was used. */
  claim(claim: IdempotencyClaim, pendingUntil: number): Promise<GuardedWrite>;
  /** Marks the claimed record done: from now on retries get its response. */
  complete(claim: IdempotencyClaim): Promise<void>;
  /** Gives the claim up (the work failed before it had any effect), so a retry can try again at once. */
  release(claim: IdempotencyClaim): Promise<void>;
}
