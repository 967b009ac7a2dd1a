/**
 * The store fault bench:soak injects (LocalStack.restartStore): while the local DynamoDB is down a write route answers
 * 5xx, which a poster sees as failed; afterwards the store serves the same data on the same port, behind the same
 * emulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../local/emulator/log.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { type ApiCall, apiClient, appToken } from '../../test/support/local-api.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';

const options = {
  emulatorPort: 0,
  apiPort: 0,
  corsOrigins: [],
  logger: memoryLogger(),
  functionLogLevel: 'SILENT' as const,
  rateLimit: { requests: 0, windowSeconds: 60 },
};

describe('LocalStack.restartStore', () => {
  let dataDir: string;
  let stack: LocalStack;
  let api: ApiCall;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'store-restart-'));
    stack = await startLocalStack({ ...options, dataDir });
    api = apiClient(() => stack);
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails writes while the store is down, then serves the same data on the same port', async () => {
    const token = await appToken(api, 'restarter');
    const created = await api('POST', '/rooms', { token, body: { name: 'before the restart' } });
    expect(created.status).toBe(201);
    const roomId = created.body.roomId as string;
    const { port, url } = stack.store;

    const restarted = stack.restartStore(1500);
    // Closing the store is quick; a message posted meanwhile cannot read the membership it needs.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const duringOutage = await api('POST', `/rooms/${roomId}/messages`, { token, body: { text: 'while down' } });
    expect(duringOutage.status).toBeGreaterThanOrEqual(500);
    await restarted;

    expect(stack.store.port).toBe(port);
    expect(stack.store.url).toBe(url);
    const after = await api('POST', `/rooms/${roomId}/messages`, { token, body: { text: 'after the restart' } });
    expect(after.status).toBe(202);
    const history = await api('GET', `/rooms/${roomId}/messages`, { token });
    expect((history.body.messages as Array<{ text: string }>).map((m) => m.text)).toEqual(['after the restart']);
  }, 30_000);

  it('refuses a negative or fractional downtime', async () => {
    await expect(stack.restartStore(-1)).rejects.toThrow('downMs must be a non-negative integer');
    await expect(stack.restartStore(1.5)).rejects.toThrow('downMs must be a non-negative integer');
  });
});

describe('LocalStack.restartStore without a data folder', () => {
  it('refuses, as an in-memory store would come back empty', async () => {
    const stack = await startLocalStack(options);
    try {
      await expect(stack.restartStore(0)).rejects.toThrow('restartStore needs a stack started with dataDir');
    } finally {
      await stack.close();
    }
  });
});
