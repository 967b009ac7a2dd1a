/**
 * Where the local stack keeps its DynamoDB: in `<dataDir>/dynamodb` by default when it has a data folder (rooms survive
 * a restart), in memory with `storeInMemory` (nothing written there, nothing kept, restartStore refused).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, appToken } from '../../test/support/local-api.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';
import { memoryLogger } from '../emulator/log.js';
import { type LocalStackOptions, startLocalStack } from '../stack.js';

const options: LocalStackOptions = { emulatorPort: 0, apiPort: 0, corsOrigins: [], logger: memoryLogger(), functionLogLevel: 'SILENT' };

/** Starts a stack, creates a room as `owner`, stops it; starts it again and counts the owner's rooms. */
async function roomsAfterRestart(stackOptions: LocalStackOptions): Promise<number> {
  let stack = await startLocalStack(stackOptions);
  const api = apiClient(() => stack);
  try {
    const token = await appToken(api, 'owner');
    expect((await api('POST', '/rooms', { token, body: { name: 'kept?' } })).status).toBe(201);
  } finally {
    await stack.close();
  }
  stack = await startLocalStack(stackOptions);
  try {
    const token = await appToken(api, 'owner');
    const listed = await api('GET', '/rooms', { token });
    expect(listed.status).toBe(200);
    return (listed.body.rooms as unknown[]).length;
  } finally {
    await stack.close();
  }
}

describe('the local stack store', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'stack-store-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it(
    'is kept in the data folder by default',
    async () => {
      expect(await roomsAfterRestart({ ...options, dataDir })).toBe(1);
      expect(existsSync(join(dataDir, 'dynamodb'))).toBe(true);
    },
    STACK_START_TIMEOUT_MS,
  );

  it(
    'is in memory with storeInMemory, even with a data folder, and then cannot be restarted',
    async () => {
      expect(await roomsAfterRestart({ ...options, dataDir, storeInMemory: true })).toBe(0);
      expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
      const stack = await startLocalStack({ ...options, dataDir, storeInMemory: true });
      try {
        await expect(stack.restartStore(0)).rejects.toThrow('restartStore needs a stack started with dataDir (and without storeInMemory)');
      } finally {
        await stack.close();
      }
    },
    STACK_START_TIMEOUT_MS,
  );
});
