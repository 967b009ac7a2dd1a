/** The rate limiter's requests and error handling, with the DynamoDB client mocked (dynalite: the integration test). */
import { DynamoDBClient, ProvisionedThroughputExceededException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { silentLogger, unitTestAws } from '../../test/fixtures/events.js';
import { DynamoRateLimiter, inviteLimiterFromConfig, rateLimiterFromConfig } from './dynamo-rate-limiter.js';
import { TooManyRequestsError } from './errors.js';
import { toHttpError } from './http-errors.js';
import { unlimited } from './ports.js';

const dynamo = mockClient(DynamoDBClient);
/** 12:00:42 UTC: 42 s into a one-minute window. */
const NOW = Date.UTC(2030, 0, 1, 12, 0, 42);
const windowStart = Math.floor(NOW / 60_000) * 60;
const limiter = (requests = 5, windowSeconds = 60) =>
  new DynamoRateLimiter(new DynamoDBClient(unitTestAws), {
    table: 'app-test-ratelimits',
    scope: 'messages',
    limit: { requests, windowSeconds },
    clock: { now: () => new Date(NOW) },
    logger: silentLogger(),
  });

beforeEach(() => dynamo.reset());

describe('DynamoRateLimiter', () => {
  it("counts a request with one conditional UpdateItem on the user's current window, and nothing else", async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    await limiter().consume('alice');
    expect(dynamo.calls()).toHaveLength(1);
    expect(dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'app-test-ratelimits',
      Key: { pk: { S: `messages#alice#${windowStart}` } },
      UpdateExpression: 'ADD #hits :one SET #expiresAt = :expiresAt',
      ConditionExpression: 'attribute_not_exists(#hits) OR #hits < :limit',
      ExpressionAttributeNames: { '#hits': 'hits', '#expiresAt': 'expiresAt' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':limit': { N: '5' }, ':expiresAt': { N: String(windowStart + 60 + 60) } },
    });
  });

  it('answers TooManyRequests with the seconds left in the window when the condition fails', async () => {
    dynamo
      .on(UpdateItemCommand)
      .rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } }));
    const error = await limiter(5, 60)
      .consume('alice')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(error).toMatchObject({ retryAfterSeconds: 18, message: 'too many requests: at most 5 every 60 s; retry in 18 s' });
  });

  it('remembers a refusal until its window ends: the next requests of that user cost no DynamoDB call, others are counted', async () => {
    let now = NOW;
    const remembering = new DynamoRateLimiter(new DynamoDBClient(unitTestAws), {
      table: 'app-test-ratelimits',
      scope: 'messages',
      limit: { requests: 5, windowSeconds: 60 },
      clock: { now: () => new Date(now) },
      logger: silentLogger(),
    });
    dynamo
      .on(UpdateItemCommand)
      .rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } }));
    await expect(remembering.consume('alice')).rejects.toMatchObject({ retryAfterSeconds: 18 });
    now += 8_000;
    for (let i = 0; i < 10; i += 1) await expect(remembering.consume('alice')).rejects.toMatchObject({ retryAfterSeconds: 10, name: 'TooManyRequestsError' });
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
    // Another user is still counted in DynamoDB.
    await expect(remembering.consume('bob')).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(2);
    // The next window asks DynamoDB again.
    dynamo.reset();
    dynamo.on(UpdateItemCommand).resolves({});
    now += 10_000;
    await expect(remembering.consume('alice')).resolves.toBeUndefined();
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('lets the request through when DynamoDB throttles or is unavailable (the limit protects fairness, not access)', async () => {
    dynamo
      .on(UpdateItemCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }));
    dynamo.on(UpdateItemCommand).rejectsOnce(Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }));
    await expect(limiter().consume('alice')).resolves.toBeUndefined();
    dynamo.reset();
    dynamo.on(UpdateItemCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    await expect(limiter().consume('alice')).resolves.toBeUndefined();
  });

  it('answers 503 with Retry-After, never 502, when a limit that protects others cannot be checked (a throttled table)', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });
    dynamo.on(UpdateItemCommand).rejects(throttled);
    const strict = new DynamoRateLimiter(new DynamoDBClient(unitTestAws), {
      table: 'app-test-ratelimits',
      scope: 'invites',
      limit: { requests: 3, windowSeconds: 3600 },
      clock: { now: () => new Date(NOW) },
      logger: silentLogger(),
      whenUnavailable: 'refuse',
    });
    const error = await strict.consume('alice#bob').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'UpstreamError', retryable: true, cause: throttled });
    expect(toHttpError(error)).toMatchObject({ statusCode: 503, headers: { 'retry-after': '1' } });
  });

  it('counts invites per pair of users in their own scope and hour-long windows', async () => {
    dynamo.on(UpdateItemCommand).resolves({});
    const invites = inviteLimiterFromConfig(
      { RATE_LIMITS_TABLE_NAME: 'app-test-ratelimits', INVITE_LIMIT_REQUESTS: 3, INVITE_LIMIT_WINDOW_SECONDS: 3600 },
      new DynamoDBClient(unitTestAws),
      { clock: { now: () => new Date(NOW) }, logger: silentLogger() },
    );
    await invites.consume('alice#bob');
    expect(dynamo.commandCalls(UpdateItemCommand)[0]!.args[0].input).toMatchObject({
      Key: { pk: { S: `invites#alice#bob#${Math.floor(NOW / 3_600_000) * 3600}` } },
      ExpressionAttributeValues: { ':limit': { N: '3' } },
    });
    expect(
      inviteLimiterFromConfig({ RATE_LIMITS_TABLE_NAME: 't', INVITE_LIMIT_REQUESTS: 0, INVITE_LIMIT_WINDOW_SECONDS: 3600 }, new DynamoDBClient(unitTestAws), {
        clock: { now: () => new Date() },
        logger: silentLogger(),
      }),
    ).toBe(unlimited);
  });

  it('fails loudly (not retryable) when the table is missing or the role may not write it', async () => {
    for (const name of ['AccessDeniedException', 'ResourceNotFoundException']) {
      dynamo.reset();
      dynamo.on(UpdateItemCommand).rejects(Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 400 } }));
      await expect(limiter().consume('alice')).rejects.toMatchObject({ name: 'UpstreamError', retryable: false, message: 'could not check the request rate' });
    }
  });

  it('refuses nonsensical limits', () => {
    expect(() => limiter(0)).toThrow(/at least 1 request/);
    expect(() => limiter(5, 0)).toThrow(/at least 1 second/);
  });

  it('is off when the config says 0 requests', () => {
    const config = { RATE_LIMITS_TABLE_NAME: 't', RATE_LIMIT_REQUESTS: 0, RATE_LIMIT_WINDOW_SECONDS: 60 };
    expect(rateLimiterFromConfig(config, new DynamoDBClient(unitTestAws), { scope: 's', clock: { now: () => new Date() }, logger: silentLogger() })).toBe(
      unlimited,
    );
    expect(
      rateLimiterFromConfig({ ...config, RATE_LIMIT_REQUESTS: 3 }, new DynamoDBClient(unitTestAws), {
        scope: 's',
        clock: { now: () => new Date() },
        logger: silentLogger(),
      }),
    ).toBeInstanceOf(DynamoRateLimiter);
  });
});
