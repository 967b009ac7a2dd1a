/**
 * Layout (issue 22), at desktop and phone widths, end to end in Chromium against the local stack: in a long room the
 * room's header (with Leave, and the way back on a phone) and the connection notice stay in view; a guest's broadcast
 * uses the screen; the admin's broadcast field is wide enough to write in. axe-core finds nothing in light and dark in
 * each view; the console stays clean (but for the sockets refused during the simulated outage).
 */
import type { Browser, Page } from 'playwright-core';
import { connected, openPage, refusedSockets, signIn, signInAs, type WatchedPage } from './browser.js';
import { apiUser, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';
import { axeLightAndDark, messagesOf, openFromList, userFor, WIDTHS } from './views.js';

let stack: E2eStack;
let browser: Browser;
const pages: WatchedPage[] = [];

useE2eSuite(
  pages,
  (readyStack, readyBrowser) => {
    stack = readyStack;
    browser = readyBrowser;
  },
  { rateLimit: { requests: 1000, windowSeconds: 60 } },
);

const box = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, width: r.width, visible: r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight };
  });

describe.each(WIDTHS)('layout (%s)', (width, viewport) => {
  it('keeps the room header, its buttons and the connection notice in view in a long room', async () => {
    const me = userFor('scroller', width);
    const api = await apiUser(stack, me);
    const roomId = await api.createRoom('Long read');
    for (let i = 1; i <= 40; i += 1) await api.post(roomId, `line ${i}`);
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    await signInAs(page, me);
    await openFromList(page, roomId);
    await messagesOf(page, roomId).nth(15).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, -100));
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(300);

    const header = await box(page, '.room-header');
    expect(header.visible).toBe(true);
    const top = await box(page, '[data-testid=top]');
    expect(header.top).toBeGreaterThanOrEqual(top.bottom - 1);
    await page.locator('[data-testid=leave-room]').click({ trial: true, timeout: 2000 });
    if (width === 'phone') await page.locator('[data-testid=back-to-rooms]').click({ trial: true, timeout: 2000 });
    else expect(await page.locator('[data-testid=back-to-rooms]').isHidden()).toBe(true);

    // The connection notice, during an outage, in view without scrolling up; the header moves under it.
    stack.emulator.broker.simulateOutage(4000);
    await page.locator('[data-testid=connection-notice][data-state=reconnecting]').waitFor({ timeout: 10_000 });
    expect((await box(page, '[data-testid=connection-notice]')).visible).toBe(true);
    const withNotice = await box(page, '.room-header');
    expect(withNotice.visible).toBe(true);
    expect(withNotice.top).toBeGreaterThanOrEqual((await box(page, '[data-testid=top]')).bottom - 1);
    const found = await axeLightAndDark(page, `long room scrolled, reconnecting, ${width}`);
    await connected(page, 30_000);

    expect(found).toEqual([]);
    expect(refusedSockets(p.errors)).toEqual([]);
    expect(p.warnings).toEqual([]);
  }, 90_000);

  it("gives a guest's broadcast the screen's width", async () => {
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    await signIn(page, 'guest');
    const panel = await box(page, '[data-testid=broadcast-panel]');
    // No 256 px column: on a phone the whole width, on a desktop most of it beside the introduction.
    expect(panel.width).toBeGreaterThan(width === 'phone' ? viewport.width - 60 : viewport.width / 2);
    const found = await axeLightAndDark(page, `guest, ${width}`);
    expect(found).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  });

  it("gives the admin's broadcast a field wide enough to write in, several lines long", async () => {
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    await signIn(page, 'alice');
    const field = await box(page, '[data-testid=broadcast-input]');
    expect(field.width).toBeGreaterThanOrEqual(width === 'phone' ? 300 : 280);
    await page.locator('[data-testid=broadcast-input]').fill(`maintenance at noon (${width})`);
    await page.locator('[data-testid=broadcast-input]').press('Shift+Enter');
    await page.locator('[data-testid=broadcast-input]').pressSequentially('back by one');
    await page.locator('[data-testid=broadcast-input]').press('Enter');
    const shown = page.locator('[data-testid=broadcast] [data-testid=message]', { hasText: `maintenance at noon (${width})` });
    await shown.waitFor({ timeout: 5000 });
    expect(await shown.locator('.text').textContent()).toBe(`maintenance at noon (${width})\nback by one`);
    expect(await page.locator('[data-testid=broadcast-input]').inputValue()).toBe('');
    const found = await axeLightAndDark(page, `admin with a broadcast, ${width}`);
    expect(found).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  });
});
