/**
 * POST /credentials under one user's flood, through the whole local stack with the catalog's limits: the per-user
 * request limit (429 with Retry-After, readable by the web origin) and the bound on tab client ids per user (429 with a
 * sentence the page shows), each counted in the rate-limits table through the function's own role. Another user is
 * served all along.
 */
import { memoryLogger } from '../../local/emulator/log.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, appToken } from '../../test/support/local-api.js';
import { functionDefinition } from '../catalog.js';

const WEB_ORIGIN = 'http://127.0.0.1:5173';
const { rateLimit, tabLimit } = functionDefinition('credentials');
const REQUESTS = rateLimit!.requests;
const TABS = tabLimit!.tabs;
let stack: LocalStack;
const api = apiClient(() => stack);

beforeAll(async () => {
  // The catalog's limits as deployed; the stage throttle raised so that it is not what answers 429 here.
  stack = await startLocalStack({
    emulatorPort: 0,
    apiPort: 0,
    corsOrigins: [WEB_ORIGIN],
    logger: memoryLogger(),
    functionLogLevel: 'SILENT',
    apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
  });
});
afterAll(async () => stack.close());

const credentials = (token: string, tab?: string) => api('POST', '/credentials', { token, headers: { origin: WEB_ORIGIN }, ...(tab ? { body: { tab } } : {}) });

describe('POST /credentials per user', () => {
  it(`answers 429 with Retry-After after ${REQUESTS} requests a minute, and serves another user meanwhile`, async () => {
    const flooder = await appToken(api, 'cred-flooder');
    const bystander = await appToken(api, 'cred-bystander');
    // Fixed windows of a minute: start with at least 30 s of the current one left, so that all requests share it.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 30_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoWindow + 100));
    const statuses: number[] = [];
    for (let i = 0; i < REQUESTS + 3; i += 1) statuses.push((await credentials(flooder)).status);
    expect(statuses).toEqual([...Array<number>(REQUESTS).fill(200), 429, 429, 429]);
    const refused = await credentials(flooder);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: 'too_many_requests', message: expect.stringContaining(`at most ${REQUESTS} every 60 s`) });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The page may read Retry-After (CORS).
    expect(refused.headers.get('access-control-expose-headers')).toContain('retry-after');
    expect((await credentials(bystander)).status).toBe(200);
  }, 90_000);

  it(`gives one user credentials for at most ${TABS} tab client ids, always serving the tabs it holds`, async () => {
    const user = await appToken(api, 'cred-tabs');
    for (let i = 0; i < TABS; i += 1) expect((await credentials(user, `tab${i}`)).status).toBe(200);
    const refused = await credentials(user, 'one-too-many');
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: 'too_many_requests',
      message: expect.stringMatching(
        new RegExp(`^too many tabs: at most ${TABS} tabs \\(client ids\\) per user within 60 minutes; use one of your open tabs, or retry in \\d+ s$`),
      ),
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    // A tab it already holds refreshes; the user's own client id (no tab) is not a tab.
    expect((await credentials(user, 'tab0')).status).toBe(200);
    const own = await credentials(user);
    expect(own.status).toBe(200);
    expect(own.body.clientId).toBe('iot-realtime.local.cred-tabs');
    // Another user's tabs are their own.
    expect((await credentials(await appToken(api, 'cred-tabs-other'), 'one-too-many')).status).toBe(200);
  });
});
