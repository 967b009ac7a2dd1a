/**
 * The web demo end to end in Debian's Chromium against the local stack (emulator + API + Lambdas + the production
 * build of the page), as `npm start` runs it. Credentials are capped at 25 s here so that a rotation happens
 * during the suite.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/local-deployment.js';
import { connectionStates, messageIn, openRoom, PHONE, post, refusedSockets, roomLink, signIn, textsIn, type WatchedPage } from './browser.js';
import { apiUser, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';

const CREDENTIAL_LIFETIME_S = 25;
let stack: E2eStack;
const pages: WatchedPage[] = [];

const { open } = useE2eSuite(
  pages,
  (readyStack) => {
    stack = readyStack;
  },
  { credentialLifetimeCapSeconds: CREDENTIAL_LIFETIME_S },
);

describe('rooms of the demo users', () => {
  it("lists each user's rooms from the API, shows alice's message in general to bob live under her name, never ops, and logs no console errors", async () => {
    const alice = await open();
    const bob = await open({ viewport: PHONE });
    await signIn(alice.page, 'alice');
    await signIn(bob.page, 'bob');
    await roomLink(alice.page, 'ops').waitFor();
    await openRoom(alice.page, 'general');
    await openRoom(bob.page, 'general');
    expect(await roomLink(bob.page, 'ops').count()).toBe(0);
    await post(alice.page, 'general', 'hello bob');
    await messageIn(bob.page, 'general', 'hello bob').waitFor({ timeout: 5000 });
    const own = messageIn(alice.page, 'general', 'hello bob');
    await own.waitFor({ timeout: 5000 });
    expect(await own.getAttribute('class')).toContain('own');
    expect(await own.locator('.author').textContent()).toBe('You');
    expect(await own.locator('[data-status=sent]').count()).toBe(1);
    await openRoom(alice.page, 'ops');
    await post(alice.page, 'ops', 'ops only');
    await messageIn(alice.page, 'ops', 'ops only').waitFor({ timeout: 5000 });
    await bob.page.waitForTimeout(300);
    expect(await bob.page.locator('text=ops only').count()).toBe(0);
    // Authors by name, with a local time; one's own messages set apart and marked sent.
    const received = messageIn(bob.page, 'general', 'hello bob');
    expect(await received.locator('.author').textContent()).toBe('Alice');
    expect(await received.locator('time').textContent()).toMatch(/\d{1,2}:\d{2}/);
    // New messages from others are announced (and nothing else is a live region's business).
    expect(await bob.page.locator('[data-testid=announcer]').textContent()).toBe('Alice in General: hello bob');
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
    expect([...alice.warnings, ...bob.warnings]).toEqual([]);
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
  it('moves the named progress bar live to 100%, shows a failing job red with its reason, and clears finished jobs', async () => {
    const alice = await open();
    await signIn(alice.page, 'alice');
    await alice.page.click('[data-testid=start-job]');
    const done = alice.page.locator('[data-testid=job][data-status=succeeded]');
    await alice.page.locator('[data-testid=job][data-status=running]').first().waitFor({ timeout: 5000 });
    await done.waitFor({ timeout: 15_000 });
    expect(await done.locator('progress').getAttribute('value')).toBe('100');
    expect(await done.locator('progress').getAttribute('aria-label')).toMatch(/^report job [\w-]+ progress$/);
    expect(await done.locator('.job-status').textContent()).toMatch(/^Done at \d{1,2}:\d{2}:\d{2}/);
    await alice.page.click('[data-testid=start-failing-job]');
    const failed = alice.page.locator('[data-testid=job][data-status=failed]');
    await failed.waitFor({ timeout: 15_000 });
    expect(await failed.textContent()).toContain('The import stopped at step 3 of 5: a row of the file could not be read');
    // Red: the failed bar's colour is the error colour, not the running blue.
    expect(await failed.locator('progress').evaluate((el) => getComputedStyle(el).accentColor)).toBe('rgb(185, 28, 28)');
    await alice.page.click('[data-testid=clear-jobs]');
    expect(await alice.page.locator('[data-testid=job]').count()).toBe(0);
    await alice.page.locator('[data-testid=jobs-empty]').waitFor();
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
    await bob.page.locator('[data-testid=connection][data-state=reconnecting]').waitFor({ timeout: 5000 });
    // Honest while it lasts: which attempt comes next and when, never "failed" (the client has not given up).
    const notice = bob.page.locator('[data-testid=connection-notice]');
    await notice.locator('[data-testid=connection-detail]', { hasText: /^Reconnecting: attempt \d+/ }).waitFor();
    expect(await notice.locator('[data-testid=connection-countdown]').textContent()).toMatch(/^(Next try in \d+ s\.|Trying now\.)$/);
    for (const text of ['while away 1', 'while away 2']) await aliceApi.post(roomId, text);
    await bob.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 20_000 });
    expect(await notice.isHidden()).toBe(true);
    expect(await connectionStates(bob.page)).not.toContain('failed');
    expect(await bob.page.locator('[data-testid=toast]').count()).toBe(0);
    await messageIn(bob.page, roomId, 'while away 2').waitFor({ timeout: 10_000 });
    await messageIn(bob.page, roomId, 'while away 1').waitFor({ timeout: 1000 });
    await post(alice.page, roomId, 'after reconnect');
    await messageIn(bob.page, roomId, 'after reconnect').waitFor({ timeout: 10_000 });
    // Redeliveries may come in any order and more than once: the room shows each message once, in order.
    await bob.page.waitForTimeout(500);
    expect(await textsIn(bob.page, roomId)).toEqual(['before rotation', 'after rotation', 'while away 1', 'while away 2', 'after reconnect']);
    // The only console errors allowed are the refused reconnects during the simulated outage.
    expect(refusedSockets(bob.errors)).toEqual([]);
  });
});

describe('Cognito guests and errors', () => {
  it("shows a guest (Amplify against the emulator's Cognito Identity) what broadcast is, and announcements live", async () => {
    const guest = await open({ viewport: PHONE });
    await signIn(guest.page, 'guest');
    expect(await guest.page.locator('[data-testid=broadcast-empty]').textContent()).toContain('appear here live');
    expect(await guest.page.locator('main h2').first().textContent()).toBe('You are a guest');
    const dataPlane = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: LOCAL_ADMIN_CREDENTIALS });
    await dataPlane.send(
      new PublishCommand({
        topic: 'iot-realtime/local/broadcast',
        qos: 1,
        payload: new TextEncoder().encode(
          JSON.stringify({ type: 'broadcast', messageId: 'b1', from: 'alice', text: 'maintenance at noon', sentAt: new Date().toISOString() }),
        ),
      }),
    );
    const shown = guest.page.locator('[data-testid=broadcast] [data-testid=message]', { hasText: 'maintenance at noon' });
    await shown.waitFor({ timeout: 5000 });
    expect(await shown.locator('.author').textContent()).toBe('Alice');
    expect(await guest.page.locator('[data-testid=broadcast-empty]').isHidden()).toBe(true);
    expect(await guest.page.locator('[data-testid=who]').textContent()).toBe('Guest');
    expect(guest.errors).toEqual([]);
  });

  it('explains a refused sign-in (401 from /credentials) and stays on the sign-in screen', async () => {
    const p = await open();
    await p.page.route('**/credentials', (route) =>
      route.fulfill({ status: 401, contentType: 'application/json', body: '{"message":"the token has expired"}' }),
    );
    await p.page.click('[data-testid=signin-alice]');
    await p.page.locator('[data-testid=toast]', { hasText: 'the token has expired' }).waitFor({ timeout: 5000 });
    await p.page.locator('[data-testid=signin-bob]').waitFor();
    // Nothing was kept: a reload shows the sign-in screen again.
    await p.page.reload();
    await p.page.locator('[data-testid=signin-bob]').waitFor();
  });
});
