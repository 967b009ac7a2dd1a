/**
 * Accessibility, end to end: axe-core (WCAG 2.0/2.1/2.2 A and AA, and its best practices) on every view of the demo,
 * at desktop and phone widths, in light and dark mode, with zero violations (each test asserts its own views'); the
 * controls are at least 44 px tall; focus lands on the main content after sign-in; the console stays clean. The views
 * of issue 22 (reading position, offline, notices, layout, messages, confirmations, sign-up) are checked in their own
 * files.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { Page } from 'playwright-core';
import { DEMO_COGNITO_USERS } from '../../local/emulator/services/cognito-user-pool/seed.js';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/local-deployment.js';
import {
  type AxeFinding,
  axeViolations,
  connected,
  DESKTOP,
  messageIn,
  openRoom,
  openTab,
  PHONE,
  refusedSockets,
  signIn,
  signInCognitoUser,
  type WatchedPage,
} from './browser.js';
import { apiUser, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';

let stack: E2eStack;
const pages: WatchedPage[] = [];
/** What axe found in the current test's views; each test asserts its own, so a failure names the view. */
let findings: Array<AxeFinding & { where: string }> = [];
beforeEach(() => {
  findings = [];
});

const { open } = useE2eSuite(pages, (readyStack) => {
  stack = readyStack;
});

/** axe on the view as it is, at both widths and in both colour schemes; findings are collected. */
async function checkView(page: Page, view: string): Promise<void> {
  for (const [width, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.setViewportSize(viewport);
      await page.emulateMedia({ colorScheme });
      findings.push(...(await axeViolations(page, `${view}, ${width}, ${colorScheme}`)));
    }
  }
  await page.setViewportSize(DESKTOP);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Visible buttons and text inputs shorter than 44 px (WCAG 2.5.5's size; the issue asks for it everywhere). */
function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, input:not([type=hidden]), summary')]
      .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().height < 43.5)
      .map(
        (el) =>
          `${el.tagName.toLowerCase()} "${el.textContent?.trim() || el.getAttribute('aria-label') || el.getAttribute('name')}" ${el.getBoundingClientRect().height.toFixed(1)} px`,
      ),
  );
}

describe('axe-core on every view, desktop and phone, light and dark', () => {
  it('the sign-in screen, with the sign-up form open', async () => {
    const p = await open();
    await p.page.locator('[data-testid=signin-alice]').waitFor();
    await checkView(p.page, 'sign-in');
    await p.page.click('[data-testid=signup-section] summary');
    await checkView(p.page, 'sign-in with sign-up open');
    for (const viewport of [DESKTOP, PHONE]) {
      await p.page.setViewportSize(viewport);
      expect(await smallTargets(p.page)).toEqual([]);
    }
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
    expect(findings).toEqual([]);
  });

  it("an app user's session: rooms, an open room with messages sent and not delivered, jobs (one failed), broadcast, the room list on a phone", async () => {
    const bob = await apiUser(stack, 'bob');
    await bob.post('general', 'a message from bob');
    const p = await open();
    await signIn(p.page, 'alice');
    // Focus is on the main content after sign-in.
    expect(await p.page.evaluate(() => document.activeElement?.id)).toBe('main');
    await openRoom(p.page, 'general');
    await messageIn(p.page, 'general', 'a message from bob').waitFor();
    await p.page.fill('[data-testid=input-general]', 'a message from alice');
    await p.page.click('[data-testid=send-general]');
    await messageIn(p.page, 'general', 'a message from alice').waitFor({ timeout: 5000 });
    // One send the API refuses, shown with its reason and buttons.
    await p.page.route('**/rooms/general/messages', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"unavailable","message":"try later"}' })
        : route.continue(),
    );
    await p.page.fill('[data-testid=input-general]', 'this one fails');
    await p.page.click('[data-testid=send-general]');
    await p.page.locator('[data-testid=outgoing][data-status=failed]').waitFor();
    await p.page.click('[data-testid=start-job]');
    await p.page.click('[data-testid=start-failing-job]');
    await p.page.locator('[data-testid=job][data-status=succeeded]').waitFor({ timeout: 15_000 });
    await p.page.locator('[data-testid=job][data-status=failed]').waitFor({ timeout: 15_000 });
    const dataPlane = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: LOCAL_ADMIN_CREDENTIALS });
    await dataPlane.send(
      new PublishCommand({
        topic: 'iot-realtime/local/broadcast',
        qos: 1,
        payload: new TextEncoder().encode(
          JSON.stringify({ type: 'broadcast', messageId: 'a11y-1', from: 'alice', text: 'maintenance at noon', sentAt: new Date().toISOString() }),
        ),
      }),
    );
    await p.page.locator('[data-testid=broadcast] [data-testid=message]').waitFor({ timeout: 5000 });
    await checkView(p.page, 'session with a room open');
    for (const viewport of [DESKTOP, PHONE]) {
      await p.page.setViewportSize(viewport);
      expect(await smallTargets(p.page)).toEqual([]);
    }
    // Phones show the room list when no room is open.
    await p.page.setViewportSize(PHONE);
    await p.page.click('[data-testid=back-to-rooms]');
    await p.page.locator('[data-testid=no-room-open]').waitFor();
    expect(await p.page.locator('[data-testid=rooms-panel]').isVisible()).toBe(true);
    await checkView(p.page, 'session, room list');
    // One row: the top bar is as tall as one control.
    await p.page.setViewportSize(PHONE);
    expect(await p.page.locator('header.topbar').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThan(70);
    expect(p.errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
    expect(p.warnings).toEqual([]);
    expect(findings).toEqual([]);
  }, 90_000);

  it('carol with no rooms, and the connection notice during an outage', async () => {
    const p = await open();
    await signIn(p.page, 'carol');
    await p.page.locator('[data-testid=no-rooms]').waitFor();
    await checkView(p.page, 'session without rooms');
    stack.emulator.broker.simulateOutage(6000);
    await p.page.locator('[data-testid=connection-notice][data-state=reconnecting]').waitFor({ timeout: 10_000 });
    await checkView(p.page, 'reconnecting notice');
    await connected(p.page, 30_000);
    expect(refusedSockets(p.errors)).toEqual([]);
    expect(findings).toEqual([]);
  }, 60_000);

  it('a guest, and a signed-in Cognito user with a second tab paused', async () => {
    const guest = await open();
    await signIn(guest.page, 'guest');
    await checkView(guest.page, 'guest');
    const { username, password } = DEMO_COGNITO_USERS[0]!;
    const cognito = await open();
    await signInCognitoUser(cognito.page, username, password);
    await checkView(cognito.page, 'Cognito user');
    const second = await openTab(cognito, stack.web!.url);
    pages.push(second);
    await second.page.locator('[data-testid=connection-notice][data-state=taken-over]').waitFor({ timeout: 20_000 });
    await checkView(second.page, 'paused tab');
    expect([...guest.errors, ...cognito.errors, ...second.errors]).toEqual([]);
    expect([...guest.warnings, ...cognito.warnings, ...second.warnings]).toEqual([]);
    expect(findings).toEqual([]);
  }, 60_000);
});
