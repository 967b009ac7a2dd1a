/**
 * Destructive actions ask first (issue 22), at desktop and phone widths, end to end in Chromium against the local
 * stack: removing a member, leaving a room and signing out open a modal dialog that says what will happen; focus
 * starts on Cancel, stays in the dialog (Tab, Shift+Tab), Escape or Cancel change nothing and return focus to the
 * button that opened it; confirming does it. A tab left signed in elsewhere says why it is back at the sign-in screen.
 * axe-core finds nothing in light and dark with the dialog open and on that screen; the console stays clean.
 */
import type { Browser, Page } from 'playwright-core';
import { connected, openPage, openTab, roomLink, signIn, signInAs, type WatchedPage } from './browser.js';
import { apiUser, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';
import { axeLightAndDark, openFromList, userFor, WIDTHS } from './views.js';

let stack: E2eStack;
let browser: Browser;
const pages: WatchedPage[] = [];

useE2eSuite(pages, (readyStack, readyBrowser) => {
  stack = readyStack;
  browser = readyBrowser;
});

const dialog = (page: Page) => page.locator('[data-testid=confirm-dialog][open]');
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));

describe.each(WIDTHS)('confirmation (%s)', (width, viewport) => {
  it('asks before removing a member and leaving a room: focus kept in the dialog, Escape and Cancel change nothing', async () => {
    const me = userFor('keeper', width);
    const member = userFor('kept', width);
    const api = await apiUser(stack, me);
    const roomId = await api.createRoom('Careful');
    await api.addMember(roomId, member);
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    await signInAs(page, me);
    await openFromList(page, roomId);

    const remove = page.locator(`[data-testid="remove-member-${member}"]`);
    await remove.click();
    await dialog(page).waitFor();
    expect(await dialog(page).locator('h2').textContent()).toBe(`Remove ${member} from Careful?`);
    expect(await dialog(page).textContent()).toContain('stops getting this room');
    expect(await focused(page)).toBe('confirm-cancel');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('confirm-ok');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('confirm-cancel');
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toBe('confirm-ok');
    const found = await axeLightAndDark(page, `remove dialog, ${width}`);
    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'detached' });
    expect(await focused(page)).toBe(`remove-member-${member}`);
    expect((await api.members(roomId)).map((m) => m.userId).sort()).toEqual([member, me].sort());

    await remove.click();
    await dialog(page).locator('[data-testid=confirm-ok]').click();
    await page.locator(`[data-testid=member][data-user-id="${member}"]`).waitFor({ state: 'detached', timeout: 5000 });
    expect((await api.members(roomId)).map((m) => m.userId)).toEqual([me]);

    const leave = page.locator('[data-testid=leave-room]');
    await leave.click();
    await dialog(page).waitFor();
    expect(await dialog(page).locator('h2').textContent()).toBe('Leave Careful?');
    await dialog(page).locator('[data-testid=confirm-cancel]').click();
    await dialog(page).waitFor({ state: 'detached' });
    expect(await focused(page)).toBe('leave-room');
    expect(await roomLink(page, roomId).count()).toBe(1);
    await leave.click();
    await dialog(page).locator('[data-testid=confirm-ok]').click();
    await roomLink(page, roomId).waitFor({ state: 'detached', timeout: 5000 });

    expect(found).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  });

  it('asks before signing out, and tells another tab why it is back at the sign-in screen', async () => {
    const first = await openPage(browser, stack.web!.url, { viewport });
    pages.push(first);
    await signIn(first.page, 'bob');
    const second = await openTab(first, stack.web!.url);
    pages.push(second);
    await connected(second.page);

    await first.page.click('[data-testid=sign-out]');
    await dialog(first.page).waitFor();
    expect(await dialog(first.page).locator('h2').textContent()).toBe('Sign out?');
    await first.page.keyboard.press('Escape');
    await dialog(first.page).waitFor({ state: 'detached' });
    expect(await focused(first.page)).toBe('sign-out');
    expect(await first.page.locator('[data-testid=who]').textContent()).toBe('Bob');

    // The other tab is asking too when this one signs out: its question goes with its session.
    await second.page.click('[data-testid=sign-out]');
    await dialog(second.page).waitFor();
    await first.page.click('[data-testid=sign-out]');
    await dialog(first.page).locator('[data-testid=confirm-ok]').click();
    await first.page.locator('[data-testid=signin-alice]').waitFor();
    expect(await first.page.locator('[data-testid=signed-out-note]').count()).toBe(0); // signed out here: nothing to explain

    await dialog(second.page).waitFor({ state: 'detached', timeout: 5000 });
    const note = second.page.locator('[data-testid=signed-out-note]');
    await note.filter({ hasText: 'You signed out in another tab of this browser.' }).waitFor({ timeout: 5000 });
    expect(await note.getAttribute('role')).toBe('status');
    const found = await axeLightAndDark(second.page, `signed out elsewhere, ${width}`);
    expect(found).toEqual([]);
    expect([...first.errors, ...second.errors]).toEqual([]);
    expect([...first.warnings, ...second.warnings]).toEqual([]);
  });
});
