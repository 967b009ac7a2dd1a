/**
 * Where the reader is in a room (issue 22), at desktop and phone widths, end to end in Chromium against the local
 * stack: a room opens at its newest message, also when the reader comes back to it from another room; an older page
 * loads above without moving what they read; a message arriving while they read further up shows a "new messages"
 * button, said politely, that takes them down; their own message, once sent, is brought into view. The tab's title
 * counts what is unread ("(3) iot-realtime demo"). axe-core finds nothing in light and dark with the button shown;
 * the console stays clean.
 */
import type { Browser } from 'playwright-core';
import { historyLoaded, messageIn, openPage, post, signInAs, type WatchedPage } from './browser.js';
import { apiUser, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';
import { axeLightAndDark, inReadingArea, messagesOf, openFromList, topOf, userFor, WIDTHS } from './views.js';

let stack: E2eStack;
let browser: Browser;
const pages: WatchedPage[] = [];

// Long rooms are written through the API faster than the default 60 posts a minute allow.
useE2eSuite(
  pages,
  (readyStack, readyBrowser) => {
    stack = readyStack;
    browser = readyBrowser;
  },
  { rateLimit: { requests: 1000, windowSeconds: 60 } },
);

/** A long room (60 messages: more than the first page of 50) and a short one, both with `reader` in them. */
async function rooms(width: string) {
  const writer = await apiUser(stack, userFor('writer', width));
  const reader = userFor('reader', width);
  const long = await writer.createRoom('Long');
  const short = await writer.createRoom('Short');
  for (const roomId of [long, short]) await writer.addMember(roomId, reader);
  for (let i = 1; i <= 60; i += 1) await writer.post(long, `long ${String(i).padStart(2, '0')}`);
  for (const text of ['short 1', 'short 2']) await writer.post(short, text);
  return { writer, reader, long, short };
}

describe.each(WIDTHS)('reading position (%s)', (width, viewport) => {
  it('opens a room at its newest message, keeps the place when older messages load, cues new messages, and shows what the reader sends', async () => {
    const { writer, reader, long, short } = await rooms(width);
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    await signInAs(page, reader);
    const newest = () => messagesOf(page, long).last();

    // Opens at the newest message, not at the top.
    await openFromList(page, long);
    expect(await newest().textContent()).toContain('long 60');
    expect(await inReadingArea(newest())).toBe(true);
    expect(await page.locator('[data-testid=load-older]').isVisible()).toBe(true);
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);

    // Another room, then back: at the newest message again.
    await openFromList(page, short);
    expect(await inReadingArea(messagesOf(page, short).last())).toBe(true);
    await openFromList(page, long);
    expect(await inReadingArea(newest())).toBe(true);

    // Older messages load above the reader: the message they were reading stays where it was on screen.
    await page.evaluate(() => window.scrollTo(0, 0));
    const first = messagesOf(page, long).first();
    const firstId = await first.getAttribute('data-id');
    const firstTop = await topOf(page.locator(`[data-id="${firstId}"]`));
    await page.click('[data-testid=load-older]');
    await messageIn(page, long, 'long 01').waitFor({ timeout: 5000 });
    await historyLoaded(page, long);
    expect(Math.abs((await topOf(page.locator(`[data-id="${firstId}"]`))) - firstTop)).toBeLessThan(2);
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(100);
    expect(await messagesOf(page, long).count()).toBe(60);

    // Reading further up: a new message from someone else does not move the page; a button says it is there.
    const reading = messagesOf(page, long).nth(20);
    await reading.scrollIntoViewIfNeeded();
    const readingTop = await topOf(reading);
    await writer.post(long, 'news while reading');
    const cue = page.locator('[data-testid=new-messages]');
    await cue.waitFor({ timeout: 5000 });
    expect(await cue.textContent()).toBe('↓ 1 new message');
    expect(await page.locator('[data-testid=new-messages-status]').getAttribute('role')).toBe('status');
    expect(Math.abs((await topOf(reading)) - readingTop)).toBeLessThan(2);
    expect(await inReadingArea(messageIn(page, long, 'news while reading'))).toBe(false);
    await writer.post(long, 'more news');
    await page.locator('[data-testid=new-messages]', { hasText: '↓ 2 new messages' }).waitFor({ timeout: 5000 });
    const found = await axeLightAndDark(page, `room with the new-messages button, ${width}`);

    // The button takes the reader down, and goes; focus moves to the messages, not to the page's start.
    await cue.click();
    expect(await inReadingArea(messageIn(page, long, 'more news'))).toBe(true);
    await cue.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('messages');

    // At the end, new messages are followed without a button.
    await writer.post(long, 'followed');
    await messageIn(page, long, 'followed').waitFor({ timeout: 5000 });
    await page.waitForFunction(() => document.querySelector('[data-testid=new-messages]')?.hasAttribute('hidden'));
    expect(await inReadingArea(messageIn(page, long, 'followed'))).toBe(true);

    // Reading further up, what the reader sends is brought into view (and no button for their own message).
    await messagesOf(page, long).nth(10).scrollIntoViewIfNeeded();
    await post(page, long, 'my own reply');
    await messageIn(page, long, 'my own reply').waitFor({ timeout: 5000 });
    expect(await inReadingArea(messageIn(page, long, 'my own reply'))).toBe(true);
    expect(await cue.isHidden()).toBe(true);

    // Scrolling down to the end by hand also clears the button.
    await messagesOf(page, long).nth(5).scrollIntoViewIfNeeded();
    await writer.post(long, 'seen by scrolling');
    await cue.waitFor({ timeout: 5000 });
    await messageIn(page, long, 'seen by scrolling').scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollBy(0, 400));
    await cue.waitFor({ state: 'hidden', timeout: 2000 });

    expect(found).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  }, 90_000);

  it("counts what is unread in the tab's title, and clears it when the room is read", async () => {
    const writer = await apiUser(stack, userFor('titler', width));
    const reader = userFor('tabreader', width);
    const open = await writer.createRoom('Open here');
    const other = await writer.createRoom('Elsewhere');
    for (const roomId of [open, other]) await writer.addMember(roomId, reader);
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    await signInAs(page, reader);
    await openFromList(page, open);
    const base = await page.title();
    expect(base).toBe('iot-realtime demo');
    for (const text of ['one', 'two', 'three']) await writer.post(other, text);
    await page.waitForFunction((title) => document.title === `(3) ${title}`, base, { timeout: 5000 });
    await writer.post(open, 'in the open room');
    await messageIn(page, open, 'in the open room').waitFor({ timeout: 5000 });
    expect(await page.title()).toBe(`(3) ${base}`);
    await openFromList(page, other);
    expect(await page.title()).toBe(base);
    expect(p.errors).toEqual([]);
  });
});
