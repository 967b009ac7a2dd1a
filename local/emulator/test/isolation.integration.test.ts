/**
 * A function that blocks its own event loop leaves IoT Core working (issue 23): each function runs in an execution
 * environment of its own (a worker thread, services/lambda), so the broker, on the emulator's own thread, keeps
 * serving MQTT while the function spins. Checked with the clients a deployment has: an MQTT.js client over a
 * SigV4-presigned WebSocket connects, subscribes and receives a publish the AWS SDK makes through the data plane, all
 * while the function is still spinning (its invocation has not ended, and ends only at its timeout). Were the function
 * on the emulator's thread, none of it could happen before the timeout.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { createTestFunction } from '../../../test/support/function-package.js';
import { connectClient, sleep, type TestClient } from '../../../test/support/mqtt.js';
import { presignMqttUrl } from '../../../test/support/sign.js';

/** The function's timeout: it spins until then. Everything below must happen before it, on a loaded machine too. */
const SPIN_TIMEOUT_SECONDS = 10;

let emulator: TestEmulator;
let client: TestClient | undefined;
let dataPlane: IoTDataPlaneClient;
const scratch = mkdtempSync(join(tmpdir(), 'isolation-'));
beforeAll(async () => {
  emulator = await startTestEmulator();
  dataPlane = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: emulator.url, credentials: adminCredentials, maxAttempts: 1 });
});
afterAll(async () => {
  await client?.end();
  dataPlane.destroy();
  await emulator.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a function that blocks its own event loop', () => {
  it('leaves the broker serving MQTT: a client connects, subscribes and receives a data-plane publish while it spins', async () => {
    createTestFunction(
      emulator,
      'spinner',
      // Says it has started (a file written synchronously: its log would wait for an event loop it never yields), then spins.
      'import { writeFileSync } from "node:fs"; export const handler = async (event) => { writeFileSync(event.marker, "spinning"); while (true) {} };',
      { timeoutSeconds: SPIN_TIMEOUT_SECONDS },
    );
    const marker = join(scratch, 'spinning');
    let settled = false;
    const running = emulator.lambda.invokeInternal('spinner', JSON.stringify({ marker })).finally(() => {
      settled = true;
    });
    const waitedFrom = Date.now();
    while (!existsSync(marker) && Date.now() - waitedFrom < 10_000) await sleep(10);
    expect(existsSync(marker)).toBe(true);

    const started = performance.now();
    client = await connectClient(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), 'isolation-probe');
    const granted = await client.client.subscribeAsync('isolation/probe', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const arriving = client.next('isolation/probe', 10_000);
    await dataPlane.send(new PublishCommand({ topic: 'isolation/probe', qos: 1, payload: new TextEncoder().encode('still here') }));
    expect((await arriving).payload).toBe('still here');
    const doneMs = performance.now() - started;

    // All of it while the function was still spinning, and well before its timeout (typically tens of milliseconds).
    expect(settled).toBe(false);
    expect(doneMs).toBeLessThan((SPIN_TIMEOUT_SECONDS * 1000) / 2);
    // The function was really stuck: it ends only at its timeout, as Lambda ends it.
    expect(await running).toMatchObject({ status: 'function-error', errorType: 'Sandbox.Timedout' });
  }, 60_000);
});
