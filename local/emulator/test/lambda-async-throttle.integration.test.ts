/**
 * Asynchronous invocations when every execution environment is busy: Lambda keeps the events queued and retries the
 * throttled invocations ("Asynchronous invocation": throttles are retried for up to 6 hours), so each runs once an
 * environment is free; none is lost or counted as a failed attempt, and nothing crashes the service.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { policy } from '../../../core/policy/document.js';
import { startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';

let emulator: TestEmulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lambda-throttle-'));
  // One execution environment for the whole account: the second and third events find it busy.
  emulator = await startTestEmulator({ lambda: { codeDir: join(dir, 'code'), maxEnvironments: 1 } });
  const role = {
    name: 'throttle-it-fn',
    arn: `arn:aws:iam::${LOCAL_DEPLOYMENT.accountId}:role/throttle-it-fn`,
    trust: policy({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    policies: [],
    maxSessionDurationSeconds: 3600,
  };
  emulator.account.createRole(role);
  emulator.lambda.createFunction({
    functionName: 'throttle-it',
    roleArn: role.arn,
    handler: 'index.handler',
    runtime: 'nodejs22.x',
    timeoutSeconds: 5,
    memoryMb: 128,
    environment: { OUT: join(dir, 'ran.txt') },
    zip: zipSync({
      'index.mjs': strToU8(
        "import { appendFileSync } from 'node:fs';\nexport const handler = async (e) => { await new Promise((r) => setTimeout(r, 150)); appendFileSync(process.env.OUT, e.n + '\\n'); };\n",
      ),
    }),
  });
  emulator.lambda.addPermission('throttle-it', { statementId: 'events', action: 'lambda:InvokeFunction', principal: 'events.amazonaws.com' });
});

afterAll(async () => {
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

it('runs every queued event once an environment is free, counting throttles as no attempt', async () => {
  for (const n of [1, 2, 3]) emulator.lambda.invokeAsyncAsService('throttle-it', JSON.stringify({ n }), { service: 'events.amazonaws.com' });
  await emulator.lambda.idle();
  expect(readFileSync(join(dir, 'ran.txt'), 'utf8').trim().split('\n').sort()).toEqual(['1', '2', '3']);
  expect(emulator.lambda.stats('throttle-it')).toMatchObject({ invocations: 3, errors: 0 });
  expect(emulator.logs.filter((e) => String(e.message).includes('discarded'))).toEqual([]);
});
