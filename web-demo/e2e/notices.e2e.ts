/**
 * Notices (issue 22), at desktop and phone widths, end to end in Chromium against the local stack: they sit in the
 * page's sticky top (in view in a long room) and never cover the composer or its Send button; a repeated notice is
 * counted, not stacked; at most three show, with the earlier ones a click away; each can be dismissed, with the
 * keyboard too (Enter on Dismiss, Escape); errors stay until dismissed while info notices go after a while. axe-core
 * finds nothing in light and dark with notices shown; the console stays clean.
 */
import type { Browser, Page } from 'playwright-core';
import { openPage, signInAs, type WatchedPage } from './browser.js';
import { apiUser, type E2eStack, registerAppUser } from './stack.js';
import { useE2eSuite } from './suite.js';
import { axeLightAndDark, messagesOf, openFromList, overlap, userFor, WIDTHS } from './views.js';

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

/** An error notice raised by the page itself (no request): adding a member by a name that cannot be anyone's. */
async function badMemberId(page: Page, id: string): Promise<void> {
  await page.fill('[data-testid=member-id]', id);
  await page.click('[data-testid=add-member]');
}

const notice = (page: Page, text: string) => page.locator('[data-testid=toast]', { hasText: text });
const inWindow = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
  });

describe.each(WIDTHS)('notices (%s)', (width, viewport) => {
  it('stay clear of the composer, are counted not stacked, bounded, dismissible with the keyboard; errors stay, info goes', async () => {
    const me = userFor('noticer', width);
    const api = await apiUser(stack, me);
    const roomId = await api.createRoom('Noisy');
    for (let i = 1; i <= 40; i += 1) await api.post(roomId, `filler ${i}`);
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    await signInAs(page, me);
    await openFromList(page, roomId);

    // An error, raised far down a long room: in view at the top, clear of the composer and Send.
    await messagesOf(page, roomId).last().scrollIntoViewIfNeeded();
    await badMemberId(page, 'not an id!');
    const first = notice(page, '"not an id!" is not a username or email');
    await first.waitFor();
    expect(await first.getAttribute('data-kind')).toBe('error');
    expect(await inWindow(page, '[data-testid=notices]')).toBe(true);
    const region = page.locator('[data-testid=notices]');
    expect(await overlap(region, page.locator(`[data-testid="input-${roomId}"]`))).toBe(false);
    expect(await overlap(region, page.locator(`[data-testid="send-${roomId}"]`))).toBe(false);
    await page.locator(`[data-testid="send-${roomId}"]`).click({ trial: true, timeout: 2000 }); // nothing on top of it
    // Said at once to screen readers (an error: assertively).
    expect(await page.locator('[data-testid=notice-alert]').textContent()).toContain('"not an id!" is not a username or email');

    // The same error again: counted on the one shown.
    await badMemberId(page, 'not an id!');
    await notice(page, '(2 times)').waitFor();
    expect(await page.locator('[data-testid=toast]').count()).toBe(1);

    // Many: three show, the earlier ones behind "Show all".
    for (const id of ['bad 1!', 'bad 2!', 'bad 3!', 'bad 4!']) await badMemberId(page, id);
    await notice(page, '"bad 4!"').waitFor();
    expect(await page.locator('[data-testid=toast]').count()).toBe(3);
    expect(await page.locator('.notices-earlier').textContent()).toContain('2 earlier notices');
    await page.click('[data-testid=show-all-notices]');
    expect(await page.locator('[data-testid=toast]').count()).toBe(5);
    await page.click('[data-testid=show-all-notices]');
    expect(await page.locator('[data-testid=toast]').count()).toBe(3);

    // An info notice among the errors, for axe and for its timing: a friend who has used the app is added.
    await registerAppUser(stack, userFor('friend', width));
    await page.fill('[data-testid=member-id]', userFor('friend', width));
    await page.click('[data-testid=add-member]');
    await notice(page, 'was added').waitFor();
    expect(await notice(page, 'was added').getAttribute('data-kind')).toBe('info');
    const found = await axeLightAndDark(page, `notices in a room, ${width}`);

    // Keyboard: Enter on Dismiss removes that notice and focus goes to the next one's Dismiss; Escape dismisses too.
    await notice(page, '"bad 3!"').locator('[data-testid=dismiss-notice]').focus();
    await page.keyboard.press('Enter');
    await notice(page, '"bad 3!"').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('dismiss-notice');
    // Six were kept (five errors and the info); Enter took one, Escape takes the one focus moved to: four left.
    await page.keyboard.press('Escape');
    await page.locator('.notices-earlier', { hasText: '1 earlier notice' }).waitFor();
    expect(await page.locator('[data-testid=toast]').count()).toBe(3);
    await page.locator(`[data-testid="input-${roomId}"]`).focus();

    // Info goes by itself; the three errors left stay, all shown now.
    await notice(page, 'was added').waitFor({ state: 'detached', timeout: 12_000 });
    await page.waitForTimeout(2000);
    expect(await page.locator('[data-testid=toast][data-kind=error]').count()).toBe(3);
    expect(await page.locator('.notices-earlier').isHidden()).toBe(true);

    // Dismiss all: none left, nothing hidden.
    await page.click('[data-testid=dismiss-all-notices]');
    expect(await page.locator('[data-testid=toast]').count()).toBe(0);
    expect(await region.isHidden()).toBe(true);

    expect(found).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  }, 90_000);
});
