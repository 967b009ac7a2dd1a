/**
 * The per-user rate limit end to end on one machine: the HTTP API, the functions with their own roles, and the
 * rate-limits table in dynalite behind the emulator's SigV4 + DynamoDB IAM (so the functions' grants are exercised as
 * AWS would enforce them).
 */
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { RATE_LIMITS_TABLE, tableName } from '../../core/store/tables.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { functionCredentials } from '../../test/support/credentials.js';
import { type ApiCall, apiClient, appToken } from '../../test/support/local-api.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';

const WEB_ORIGIN = 'http://127.0.0.1:5173';
const LIMIT = 3;
let stack: LocalStack;
let api: ApiCall;

beforeAll(async () => {
  stack = await startLocalStack({
    emulatorPort: 0,
    apiPort: 0,
    corsOrigins: [WEB_ORIGIN],
    logger: memoryLogger(),
    functionLogLevel: 'SILENT',
    rateLimit: { requests: LIMIT, windowSeconds: 60 },
  });
  api = apiClient(() => stack);
}, STACK_START_TIMEOUT_MS);
afterAll(async () => stack.close());

let users = 0;
const newUser = async () => {
  users += 1;
  const userId = `limited${users}`;
  const token = await appToken(api, userId);
  // The first call to the rooms function records the profile that makes the user invitable (reads are not limited).
  expect((await api('GET', '/rooms', { token })).status).toBe(200);
  return { userId, token };
};

describe('per-user rate limit', () => {
  it('answers 429 with Retry-After past the limit on POST messages, readable by the web origin', async () => {
    const { token } = await newUser();
    const roomId = (await api('POST', '/rooms', { token, body: { name: 'Busy' } })).body.roomId as string;
    for (let i = 0; i < LIMIT; i += 1) expect((await api('POST', `/rooms/${roomId}/messages`, { token, body: { text: `m${i}` } })).status).toBe(202);
    const refused = await api('POST', `/rooms/${roomId}/messages`, { token, body: { text: 'one too many' }, headers: { origin: WEB_ORIGIN } });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'too_many_requests', message: expect.stringContaining(`at most ${LIMIT} every 60 s`) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // CORS: the browser may read Retry-After.
    expect(refused.headers.get('access-control-expose-headers')).toContain('retry-after');
    // The refused message was neither stored nor sent.
    const history = await api('GET', `/rooms/${roomId}/messages`, { token });
    expect((history.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual(['m0', 'm1', 'm2']);
  });

  it('counts each user on their own, and each function on its own', async () => {
    const heavy = await newUser();
    const light = await newUser();
    for (let i = 0; i < LIMIT; i += 1)
      expect((await api('POST', '/jobs', { token: heavy.token, body: { kind: 'report', steps: 1, stepMs: 0 } })).status).toBe(202);
    expect((await api('POST', '/jobs', { token: heavy.token, body: { kind: 'report' } })).status).toBe(429);
    expect((await api('POST', '/jobs', { token: light.token, body: { kind: 'report', steps: 1, stepMs: 0 } })).status).toBe(202);
    // Rooms are counted apart from jobs.
    expect((await api('POST', '/rooms', { token: heavy.token, body: { name: 'Still allowed' } })).status).toBe(201);
  });

  it('limits every write route of the rooms function, and no read route', async () => {
    const owner = await newUser();
    const guest = await newUser();
    const roomId = (await api('POST', '/rooms', { token: owner.token, body: { name: 'R' } })).body.roomId as string;
    expect((await api('PUT', `/rooms/${roomId}/members/${guest.userId}`, { token: owner.token })).status).toBe(204);
    expect((await api('DELETE', `/rooms/${roomId}/members/${guest.userId}`, { token: owner.token })).status).toBe(204);
    expect((await api('PUT', `/rooms/${roomId}/members/${guest.userId}`, { token: owner.token })).status).toBe(429);
    for (let i = 0; i < LIMIT + 2; i += 1) {
      expect((await api('GET', '/rooms', { token: owner.token })).status).toBe(200);
      expect((await api('GET', `/rooms/${roomId}/members`, { token: owner.token })).status).toBe(200);
      expect((await api('GET', `/rooms/${roomId}/messages`, { token: owner.token })).status).toBe(200);
    }
  });

  it('counts the refusals where CloudWatch would (the RateLimited metric)', async () => {
    // The functions' metrics reach "CloudWatch" through their log lines, a moment after the response, as in AWS.
    const until = Date.now() + 5000;
    while ((stack.metrics.RateLimited ?? 0) < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stack.metrics.RateLimited).toBe(3);
  });

  it('lets only the limited functions write the rate-limits table, and only with UpdateItem', async () => {
    const table = tableName(LOCAL_DEPLOYMENT, RATE_LIMITS_TABLE);
    const update = (fn: Parameters<typeof functionCredentials>[1]) =>
      new DynamoDBClient({
        region: LOCAL_DEPLOYMENT.region,
        endpoint: stack.emulator.url,
        credentials: functionCredentials(stack.emulator, fn),
        maxAttempts: 1,
      }).send(
        new UpdateItemCommand({
          TableName: table,
          Key: { pk: { S: `probe#${fn}#0` } },
          UpdateExpression: 'ADD hits :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    // The credentials function counts requests and tab client ids there too.
    for (const fn of ['messages', 'credentials'] as const) await expect(update(fn)).resolves.toBeDefined();
    for (const fn of ['history', 'attach-policy', 'jobs-worker', 'fanout-worker'] as const)
      await expect(update(fn)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
