/**
 * The one classification of AWS SDK errors, checked against the SDK's own exception classes (as the SDK deserializes
 * them from AWS's error responses), not hand-made look-alikes.
 */
import {
  ConditionalCheckFailedException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  ForbiddenException,
  InternalFailureException,
  InvalidRequestException,
  ServiceUnavailableException,
  ThrottlingException,
} from '@aws-sdk/client-iot-data-plane';
import { QueueDoesNotExist, RequestThrottled } from '@aws-sdk/client-sqs';
import { ExpiredTokenException, MalformedPolicyDocumentException } from '@aws-sdk/client-sts';
import { classifyAwsError, isRetryableAwsError } from './aws-error-classification.js';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

describe('classification of AWS SDK errors', () => {
  it.each([
    ['DynamoDB ProvisionedThroughputExceededException', new ProvisionedThroughputExceededException({ message: 'x', ...meta(400) }), 'throttling'],
    ['DynamoDB RequestLimitExceeded', new RequestLimitExceeded({ message: 'x', ...meta(400) }), 'throttling'],
    ['IoT ThrottlingException', new ThrottlingException({ message: 'x', ...meta(429) }), 'throttling'],
    ['SQS RequestThrottled', new RequestThrottled({ message: 'x', ...meta(400) }), 'throttling'],
    ['DynamoDB TransactionConflictException', new TransactionConflictException({ message: 'x', ...meta(400) }), 'transient'],
    ['DynamoDB InternalServerError', new InternalServerError({ message: 'x', ...meta(500) }), 'transient'],
    ['IoT ServiceUnavailableException', new ServiceUnavailableException({ message: 'x', ...meta(503) }), 'transient'],
    ['IoT InternalFailureException', new InternalFailureException({ message: 'x', ...meta(500) }), 'transient'],
    ['a modelled server fault without a status', new InternalServerError({ message: 'x', $metadata: {} }), 'server'],
  ] as const)('retries %s (%s)', (_name, error, kind) => {
    expect(classifyAwsError(error)).toBe(kind);
    expect(isRetryableAwsError(error)).toBe(true);
  });

  it.each([
    ['DynamoDB ConditionalCheckFailedException', new ConditionalCheckFailedException({ message: 'x', ...meta(400) })],
    ['DynamoDB ResourceNotFoundException (a missing table)', new ResourceNotFoundException({ message: 'x', ...meta(400) })],
    ['IoT ForbiddenException', new ForbiddenException({ message: 'x', ...meta(403) })],
    ['IoT InvalidRequestException', new InvalidRequestException({ message: 'x', ...meta(400) })],
    ['SQS QueueDoesNotExist', new QueueDoesNotExist({ message: 'x', ...meta(400) })],
    ['STS MalformedPolicyDocumentException', new MalformedPolicyDocumentException({ message: 'x', ...meta(400) })],
    ['STS ExpiredTokenException', new ExpiredTokenException({ message: 'x', ...meta(400) })],
    ['a plain Error', new Error('bug')],
    ['a thrown string', 'oops'],
  ])('does not retry %s', (_name, error) => {
    expect(classifyAwsError(error)).toBe('client');
    expect(isRetryableAwsError(error)).toBe(false);
  });

  it('retries a transaction cancelled only by throttling or conflicts, never one cancelled by a condition', () => {
    const cancelled = (...codes: string[]) =>
      new TransactionCanceledException({ message: 'x', ...meta(400), CancellationReasons: codes.map((Code) => ({ Code })) });
    expect(classifyAwsError(cancelled('None', 'ThrottlingError'))).toBe('throttling');
    expect(classifyAwsError(cancelled('ProvisionedThroughputExceeded', 'None'))).toBe('throttling');
    expect(classifyAwsError(cancelled('TransactionConflict', 'None'))).toBe('transient');
    expect(classifyAwsError(cancelled('ConditionalCheckFailed', 'None'))).toBe('client');
    expect(classifyAwsError(cancelled('ConditionalCheckFailed', 'TransactionConflict'))).toBe('client');
    expect(classifyAwsError(cancelled('ValidationError'))).toBe('client');
  });

  it('retries network failures with no response (Node error codes the SDK lists as transient)', () => {
    expect(isRetryableAwsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED', $metadata: {} }))).toBe(true);
    expect(isRetryableAwsError(Object.assign(new Error('socket timeout'), { name: 'TimeoutError' }))).toBe(true);
    // An abort is the caller's decision, not a failure to retry.
    expect(isRetryableAwsError(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false);
  });
});
