/**
 * The web demo end to end in Debian's Chromium against the local stack (emulator + API + Lambdas + the production
 * build of the page), as `npm start` runs it. Credentials are capped at 25 s here so that a rotation happens
 * during the suite.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/local-deployment.js';
import type { LocalStack } from '../../local/stack.js';
import { launchChromium, messageIn, openPage, openRoom, post, roomLink, signIn, textsIn, type WatchedPage } from './browser.js';
import { apiUser, startE2eStack } from './stack.js';

const CREDENTIAL_LIFETIME_S = 25;
let stack: LocalStack;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  stack = await startE2eStack({ credentialLifetimeCapSeconds: CREDENTIAL_LIFETIME_S });
  browser = await launchChromium();
}, 60_000);

afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.context.close()));
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function open(viewport?: { width: number; height: number }): Promise<WatchedPage> {
  const p = await openPage(browser, stack.web!.url, viewport);
  pages.push(p);
  return p;
}

const screenshotDir = process.env.UPDATE_SCREENSHOTS ? new URL('../../docs/', import.meta.url).pathname : undefined;

describe('rooms of the demo users', () => {
  it('lists each user\'s rooms from the API, shows alice\'s message in general to bob live, never ops, and logs no console errors', async () => {
    const alice = await open();
    const bob = await open({ width: 390, height: 844 }); // phone width
    await signIn(alice.page, 'alice');
    await signIn(bob.page, 'bob');
    await roomLink(alice.page, 'ops').waitFor();
    await openRoom(alice.page, 'general');
    await openRoom(bob.page, 'general');
    expect(await roomLink(bob.page, 'ops').count()).toBe(0);
    await post(alice.page, 'general', 'hello bob');
    await messageIn(bob.page, 'general', 'hello bob').waitFor({ timeout: 5000 });
    await messageIn(alice.page, 'general', 'hello bob').waitFor({ timeout: 5000 });
    await openRoom(alice.page, 'ops');
    await post(alice.page, 'ops', 'ops only');
    await messageIn(alice.page, 'ops', 'ops only').waitFor({ timeout: 5000 });
    await bob.page.waitForTimeout(300);
    expect(await bob.page.locator('text=ops only').count()).toBe(0);
    // The delivery latency of the last live message (server timestamp to receipt) is in the top bar.
    expect(await bob.page.locator('[data-testid=latency]').textContent()).toMatch(/^last message -?\d+ ms after it was sent$/);
    if (screenshotDir) {
      mkdirSync(screenshotDir, { recursive: true });
      await openRoom(alice.page, 'general');
      await post(alice.page, 'general', 'the rooms, jobs and broadcast panels update live');
      await alice.page.click('[data-testid=start-job]');
      await alice.page.locator('[data-testid=job][data-status=succeeded]').waitFor({ timeout: 10_000 });
      await alice.page.screenshot({ path: `${screenshotDir}screenshot.png` });
      await bob.page.screenshot({ path: `${screenshotDir}screenshot-phone.png` });
    }
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it('tells carol she is in no room, and how to get into one', async () => {
    const carol = await open();
    await signIn(carol.page, 'carol');
    await carol.page.locator('[data-testid=no-rooms]').waitFor();
    expect(await carol.page.locator('[data-testid=my-user-id]').textContent()).toBe('carol');
    expect(carol.errors).toEqual([]);
  });
});

describe('jobs', () => {
  it('moves the progress bar live to 100%, and shows a failing job as failed', async () => {
    const alice = await open();
    await signIn(alice.page, 'alice');
    await alice.page.click('[data-testid=start-job]');
    const done = alice.page.locator('[data-testid=job][data-status=succeeded]');
    await alice.page.locator('[data-testid=job][data-status=running]').first().waitFor({ timeout: 5000 });
    await done.waitFor({ timeout: 15_000 });
    expect(await done.locator('progress').getAttribute('value')).toBe('100');
    await alice.page.click('[data-testid=start-failing-job]');
    const failed = alice.page.locator('[data-testid=job][data-status=failed]');
    await failed.waitFor({ timeout: 15_000 });
    expect(await failed.textContent()).toContain('step 3 of 5 failed');
    expect(alice.errors).toEqual([]);
  });
});

describe('resilience', () => {
  it('keeps receiving across a credential rotation and a dropped socket: every message once, in order', async () => {
    const aliceApi = await apiUser(stack, 'alice');
    const roomId = await aliceApi.createRoom('Resilience');
    await aliceApi.addMember(roomId, 'bob');
    const alice = await open();
    const bob = await open();
    await signIn(alice.page, 'alice');
    await signIn(bob.page, 'bob');
    await openRoom(alice.page, roomId);
    await openRoom(bob.page, roomId);
    await post(alice.page, roomId, 'before rotation');
    await messageIn(bob.page, roomId, 'before rotation').waitFor({ timeout: 5000 });

    // Wait until bob's first credentials have expired: he must have refreshed them (at 80% of their life).
    await bob.page.waitForTimeout((CREDENTIAL_LIFETIME_S + 2) * 1000);
    expect(Number(await bob.page.evaluate(() => document.body.dataset.credentialRefreshes))).toBeGreaterThanOrEqual(2);
    await post(alice.page, roomId, 'after rotation');
    await messageIn(bob.page, roomId, 'after rotation').waitFor({ timeout: 5000 });

    // Drop every socket and refuse reconnects for 3 s; post while bob is away. The reconnect must sign with the
    // refreshed credentials (the first ones have expired) and the persistent session must deliver what was missed.
    stack.emulator.broker.simulateOutage(3000);
    await bob.page.locator('[data-testid=connection][data-state=interrupted]').waitFor({ timeout: 5000 });
    for (const text of ['while away 1', 'while away 2']) await aliceApi.post(roomId, text);
    await bob.page.locator('[data-testid=connection][data-state=resumed]').waitFor({ timeout: 20_000 });
    await messageIn(bob.page, roomId, 'while away 2').waitFor({ timeout: 10_000 });
    await messageIn(bob.page, roomId, 'while away 1').waitFor({ timeout: 1000 });
    await post(alice.page, roomId, 'after reconnect');
    await messageIn(bob.page, roomId, 'after reconnect').waitFor({ timeout: 10_000 });
    // Redeliveries may come in any order and more than once: the room shows each message once, in order.
    await bob.page.waitForTimeout(500);
    expect(await textsIn(bob.page, roomId)).toEqual(['before rotation', 'after rotation', 'while away 1', 'while away 2', 'after reconnect']);
    // The only console errors allowed are the refused reconnects during the simulated outage.
    expect(bob.errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([]);
  });
});

describe('Cognito guests and errors', () => {
  it('lets a guest (Amplify against the emulator\'s Cognito Identity) receive broadcast', async () => {
    const guest = await open();
    await signIn(guest.page, 'guest');
    const dataPlane = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: LOCAL_ADMIN_CREDENTIALS });
    await dataPlane.send(
      new PublishCommand({ topic: 'iot-realtime/local/broadcast', qos: 1, payload: new TextEncoder().encode(JSON.stringify({ type: 'message', messageId: 'b1', roomId: 'broadcast', from: 'ops', text: 'maintenance at noon', sentAt: new Date().toISOString() })) }),
    );
    await guest.page.locator('[data-testid=broadcast] [data-testid=message]', { hasText: 'maintenance at noon' }).waitFor({ timeout: 5000 });
    expect(await guest.page.locator('[data-testid=who]').textContent()).toBe('Guest');
    expect(guest.errors).toEqual([]);
  });

  it('explains a refused sign-in (401 from /credentials) and stays on the sign-in screen', async () => {
    const p = await open();
    await p.page.route('**/credentials', (route) => route.fulfill({ status: 401, contentType: 'application/json', body: '{"message":"the token has expired"}' }));
    await p.page.click('[data-testid=signin-alice]');
    await p.page.locator('[data-testid=toast]', { hasText: 'the token has expired' }).waitFor({ timeout: 5000 });
    await p.page.locator('[data-testid=signin-bob]').waitFor();
  });
});
