/**
 * Shutdown under a connection flood (issue 20 item 6: "a shutdown that takes seconds"): MQTT clients of two users
 * connect and disconnect as fast as they can over 20 tab client ids; every connect and disconnect is a lifecycle event
 * that the presence rule sends to the presence-events queue, whose event source mapping feeds the presence function.
 * stack.close() (what Ctrl-C in `npm start` calls) must not wait for that work to drain: it stops the mapping and the
 * Lambda service first, so the queue still holds what was not processed when close resolves, the presence function is
 * not invoked again, and new invocations are refused. (Before, Ctrl-C after a 3,600-connect flood took 2.5 minutes.)
 */
import type { CredentialsResponse } from '../../core/contracts/http.js';
import { functionName, resourceName } from '../../core/deployment.js';
import { PRESENCE_EVENTS_QUEUE } from '../../functions/catalog.js';
import { apiClient, appToken } from '../../test/support/local-api.js';
import { connectClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';
import { memoryLogger } from '../emulator/log.js';
import { LambdaServiceError } from '../emulator/services/lambda/service.js';
import { LOCAL_DEPLOYMENT } from '../local-deployment.js';
import { type LocalStack, startLocalStack } from '../stack.js';

const CONNECTS = 300;
const USERS = 2;
/** Per user: the credentials function allows 10 tab client ids per user (catalog tabLimit). */
const TABS_PER_USER = 10;
/** close() is called mid-flood, after this many connects. */
const CLOSE_AFTER_CONNECTS = 150;
/**
 * A safety net only, for the flood and close() together (a few seconds): the assertions are on what close() left
 * undone. It is well under the clients' connect timeout, so a close() that waits for them to give up fails here.
 */
const SAFETY_NET_MS = 15_000;

const logger = memoryLogger();
let stack: LocalStack;
let closed = false;
const api = apiClient(() => stack);
const presence = functionName(LOCAL_DEPLOYMENT, 'presence-events');

beforeAll(async () => {
  stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [], logger, functionLogLevel: 'SILENT' });
}, STACK_START_TIMEOUT_MS);
afterAll(async () => {
  if (!closed) await stack.close();
});

it(
  'close() during a connection flood resolves without draining the queued presence work, and nothing is invoked after it',
  async () => {
    const queue = stack.emulator.sqs.queueByName(resourceName(LOCAL_DEPLOYMENT, PRESENCE_EVENTS_QUEUE.purpose));
    if (!queue) throw new Error('the presence-events queue was not applied');
    // Tab credentials for 20 client ids; each user is in a room with another member, so presence changes are told.
    const sockets: Array<{ url: string; clientId: string }> = [];
    for (let u = 0; u < USERS; u += 1) {
      const token = await appToken(api, `flooder${u}`);
      const member = await appToken(api, `flooder${u}-friend`);
      expect((await api('GET', '/rooms', { token: member })).status).toBe(200);
      const room = await api('POST', '/rooms', { token, body: { name: 'flood' } });
      expect(room.status).toBe(201);
      expect((await api('PUT', `/rooms/${room.body.roomId as string}/members/flooder${u}-friend`, { token })).status).toBe(204);
      for (let t = 0; t < TABS_PER_USER; t += 1) {
        const res = await api('POST', '/credentials', { token, body: { tab: `t${t}` } });
        expect(res.status).toBe(200);
        const creds = res.body as unknown as CredentialsResponse;
        const url = await presignMqttUrl(creds, { connectTo: stack.emulator.url, signedHost: creds.iotEndpoint, region: creds.region, expiresIn: 900 });
        sockets.push({ url, clientId: creds.clientId });
      }
    }
    await stack.idle();
    const before = stack.emulator.lambda.stats(presence).invocations;

    let connects = 0;
    let failures = 0;
    let deepest = 0;
    let queuedAtClose = 0;
    let invokedAtClose = 0;
    let closing: Promise<number> | undefined;
    let closeBegan: (closed: Promise<number>) => void = () => undefined;
    const closeBegins = new Promise<Promise<number>>((resolve) => {
      closeBegan = resolve;
    });
    /** Ctrl-C in the middle of the flood: the clients are still connecting when close() begins. */
    const closeMidFlood = () => {
      // What is queued now: lifecycle events not yet processed (the mapping gathers for up to its 1 s batching window
      // and runs 2 batches at once; a batch leaves the queue only once the function succeeded).
      queuedAtClose = queue.depth;
      invokedAtClose = stack.emulator.lambda.stats(presence).invocations;
      const started = performance.now();
      closing = stack.close().then(() => performance.now() - started);
      closeBegan(closing);
    };
    const flooding = Promise.all(
      sockets.map(async ({ url, clientId }) => {
        while (closing === undefined && connects + failures < CONNECTS) {
          try {
            // mqtt.js's default connect timeout (30 s): a patient client, as a browser's is; close() must not wait for it.
            const client = await connectClient(url, clientId, { clean: false, connectTimeout: 30_000 });
            connects += 1;
            await client.end();
          } catch {
            failures += 1;
          }
          deepest = Math.max(deepest, queue.depth);
          if (closing === undefined && connects >= CLOSE_AFTER_CONNECTS) closeMidFlood();
        }
      }),
    );

    let safetyNet: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      safetyNet = setTimeout(() => resolve('timed out'), SAFETY_NET_MS);
    });
    const floodEndedFirst = flooding.then(() => {
      if (closing === undefined) throw new Error(`the flood ended after ${connects} connects without reaching ${CLOSE_AFTER_CONNECTS}`);
      return closing;
    });
    const outcome = await Promise.race([closeBegins.then((closed) => closed), floodEndedFirst, timedOut]);
    expect(outcome).not.toBe('timed out');
    closed = true;
    const closeMs = outcome as number;
    // The clients still connecting when close() began fail at once (their sockets are closed, new ones refused).
    expect(await Promise.race([flooding.then(() => 'ended' as const), timedOut])).toBe('ended');
    clearTimeout(safetyNet);
    process.stdout.write(
      `shutdown under flood: ${connects} connects (${failures} failed), deepest presence queue ${deepest}, ${queuedAtClose} queued at close, close() ${closeMs.toFixed(0)} ms\n`,
    );
    // The presence path was working under the flood, and had work queued when close() began.
    expect(invokedAtClose).toBeGreaterThan(before);
    expect(queuedAtClose).toBeGreaterThan(0);

    // close() did not wait for the drain: the work queued when it began is still there, unprocessed.
    const invokedAfterClose = stack.emulator.lambda.stats(presence).invocations;
    expect(queue.depth).toBeGreaterThan(0);
    // New work is refused at once.
    await expect(stack.emulator.lambda.invokeInternal(presence, JSON.stringify({ Records: [] }))).rejects.toThrow(LambdaServiceError);
    await expect(stack.emulator.lambda.invokeInternal(presence, JSON.stringify({ Records: [] }))).rejects.toThrow(/shutting down/);
    // And nothing picks the queued events up afterwards: watched for twice the mapping's batching window (a stopped
    // mapping has no poller left to start a batch; a live one would have invoked within one window).
    const depthAfterClose = queue.depth;
    await new Promise((resolve) => setTimeout(resolve, 2 * PRESENCE_EVENTS_QUEUE.maximumBatchingWindowSeconds! * 1000 + 500));
    expect(stack.emulator.lambda.stats(presence).invocations).toBe(invokedAfterClose);
    expect(queue.depth).toBe(depthAfterClose);
  },
  STACK_START_TIMEOUT_MS,
);
