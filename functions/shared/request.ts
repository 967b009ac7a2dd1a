/** Reading API Gateway HTTP API (payload 2.0) requests: bodies are checked against their contract at the edge. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as v from 'valibot';
import { describeIssue } from '../../core/contracts/validate.js';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './errors.js';

/** Parses a JSON body of at most `maxBytes`, with a clear 400/413/415 for anything else. */
export function jsonBody(event: APIGatewayProxyEventV2, maxBytes: number): unknown {
  const contentType = event.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(contentType)) throw new UnsupportedMediaTypeError('the request body must be JSON (Content-Type: application/json)');
  const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw new PayloadTooLargeError(`the request body exceeds ${maxBytes} bytes`);
  if (raw.trim() === '') throw new ValidationError('the request body is empty; a JSON object is expected');
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new ValidationError('the request body is not valid JSON', { cause: error });
  }
}

/** A parsed JSON body checked against its contract (a JSON object); every problem is named in one 400. */
export function validateBody<const S extends v.GenericSchema>(schema: S, value: unknown): v.InferOutput<S> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError('the request body must be a JSON object');
  const result = v.safeParse(schema, value);
  if (!result.success) throw new ValidationError(result.issues.map(describeIssue).join('; '));
  return result.output;
}
