/**
 * Messages (issue 22), at desktop and phone widths, end to end in Chromium against the local stack: a separator per
 * day (Today, Yesterday, the weekday within the week, then the date), consecutive messages of one author within a few
 * minutes grouped under one author and time; a multi-line composer (Enter sends, Shift+Enter starts a line) with a
 * visible counter against the contract's limit, refusing a paste or a message over it with a clear message (nothing
 * cut, nothing sent); links clickable only for http(s), opening a new tab without handing it the page, and markup in
 * a message shown as text. Messages dated in the past arrive through the user's inbox (the IoT data plane), as
 * replays do. axe-core finds nothing in light and dark; the console stays clean.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { Browser, Page } from 'playwright-core';
import { MAX_MESSAGE_TEXT_LENGTH } from '../../core/contracts/http.js';
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import { newSortableId } from '../../core/ids.js';
import { TopicScheme } from '../../core/topics.js';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local/local-deployment.js';
import { messageIn, openPage, signInAs, textsIn, type WatchedPage } from './browser.js';
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

/** `daysAgo` days before today, at `hour`:`minute` local time. */
function localTime(daysAgo: number, hour: number, minute = 0): Date {
  const at = new Date();
  at.setDate(at.getDate() - daysAgo);
  at.setHours(hour, minute, 0, 0);
  return at;
}

/** Delivers a message to `userId`'s inbox for the room, as the messages function would, dated `sentAt`. */
async function deliver(userId: string, roomId: string, from: string, text: string, sentAt: Date): Promise<void> {
  const dataPlane = new IoTDataPlaneClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: LOCAL_ADMIN_CREDENTIALS });
  const message: InboxMessage = {
    type: 'message',
    messageId: newSortableId(sentAt.getTime()),
    roomId,
    from,
    fromName: from,
    text,
    sentAt: sentAt.toISOString(),
  };
  await dataPlane.send(
    new PublishCommand({
      topic: new TopicScheme({ app: 'iot-realtime', stage: 'local' }).inbox(userId, roomId),
      qos: 1,
      payload: new TextEncoder().encode(JSON.stringify(message)),
    }),
  );
}

/** Dispatches a paste of `text` into the field, as the browser does when the user pastes. */
const paste = (page: Page, selector: string, text: string) =>
  page.locator(selector).evaluate((field, pasted) => {
    const data = new DataTransfer();
    data.setData('text/plain', pasted);
    field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);

describe.each(WIDTHS)('messages (%s)', (width, viewport) => {
  it('separates days, groups an author’s consecutive messages, and makes only http(s) addresses links', async () => {
    const me = userFor('dater', width);
    const writer = await apiUser(stack, userFor('datewriter', width));
    const roomId = await writer.createRoom('Dated');
    await writer.addMember(roomId, me);
    await writer.addMember(roomId, userFor('other', width));
    await writer.post(roomId, 'today, first');
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    await signInAs(page, me);
    await openFromList(page, roomId);

    const from = userFor('datewriter', width);
    await deliver(me, roomId, from, 'a week and a day ago', localTime(8, 9));
    await deliver(me, roomId, from, 'three days ago', localTime(3, 9));
    await deliver(me, roomId, from, 'yesterday at ten', localTime(1, 10, 0));
    await deliver(me, roomId, from, 'two minutes later', localTime(1, 10, 2));
    await deliver(me, roomId, userFor('other', width), 'someone else', localTime(1, 10, 3));
    await deliver(me, roomId, from, 'much later', localTime(1, 16, 0));
    await messageIn(page, roomId, 'much later').waitFor({ timeout: 5000 });
    await writer.post(roomId, 'docs at https://example.com/guide?x=1. Not javascript:alert(1) nor <b>bold</b>');
    const linked = messageIn(page, roomId, 'docs at');
    await linked.waitFor({ timeout: 5000 });

    expect(await textsIn(page, roomId)).toEqual([
      'a week and a day ago',
      'three days ago',
      'yesterday at ten',
      'two minutes later',
      'someone else',
      'much later',
      'today, first',
      'docs at https://example.com/guide?x=1 (opens in a new tab). Not javascript:alert(1) nor <b>bold</b>',
    ]);
    // The page's own words for the days (its locale), one separator each, in order.
    const expected = await page.evaluate(
      ([eight, three]) => [
        new Intl.DateTimeFormat(undefined, {
          weekday: 'long',
          day: 'numeric',
          month: 'long',
          ...(new Date(eight!).getFullYear() !== new Date().getFullYear() ? { year: 'numeric' } : {}),
        }).format(new Date(eight!)),
        new Intl.DateTimeFormat(undefined, { weekday: 'long' }).format(new Date(three!)),
        'Yesterday',
        'Today',
      ],
      [localTime(8, 9).toISOString(), localTime(3, 9).toISOString()],
    );
    expect(await page.locator(`[data-testid="room-${roomId}"] [data-testid=day-separator]`).allTextContents()).toEqual(expected);

    // Grouped: the second message of the pair shows no author or time on screen (screen readers still get them).
    const grouped = (text: string) => messageIn(page, roomId, text).evaluate((el) => el.classList.contains('grouped'));
    expect(await grouped('yesterday at ten')).toBe(false);
    expect(await grouped('two minutes later')).toBe(true);
    expect(await grouped('someone else')).toBe(false);
    expect(await grouped('much later')).toBe(false);
    const meta = messageIn(page, roomId, 'two minutes later').locator('.meta');
    expect(await meta.evaluate((el) => el.getBoundingClientRect().width)).toBeLessThanOrEqual(1);
    expect(await meta.locator('.author').textContent()).toBeTruthy();

    // Links: only the https address, opening a new tab without access to this page; markup stays text.
    const links = linked.locator('a');
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute('href')).toBe('https://example.com/guide?x=1');
    expect(await links.getAttribute('target')).toBe('_blank');
    expect(await links.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await linked.locator('b').count()).toBe(0);

    const found = await axeLightAndDark(page, `days, groups and links, ${width}`);
    expect(found).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  });

  it('writes several lines, counts against the limit, and refuses (never cuts) what is over it', async () => {
    const me = userFor('composer', width);
    const api = await apiUser(stack, me);
    const roomId = await api.createRoom('Composing');
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/rooms/${roomId}/messages`)) posts.push(r.postData() ?? '');
    });
    await signInAs(page, me);
    await openFromList(page, roomId);
    const field = page.locator(`[data-testid="input-${roomId}"]`);
    const counter = page.locator(`[data-testid="room-${roomId}"] [data-testid=counter]`);
    const problem = page.locator(`[data-testid="room-${roomId}"] [data-testid=composer-problem]`);
    expect(await counter.textContent()).toBe('0 / 2,000');
    expect(MAX_MESSAGE_TEXT_LENGTH).toBe(2000);

    // Shift+Enter starts a line, Enter sends.
    await field.pressSequentially('first line');
    await field.press('Shift+Enter');
    await field.pressSequentially('second line');
    expect(await counter.textContent()).toBe('22 / 2,000');
    await field.press('Enter');
    await messageIn(page, roomId, 'second line').waitFor({ timeout: 5000 });
    expect(await textsIn(page, roomId)).toEqual(['first line\nsecond line']);
    expect(await field.inputValue()).toBe('');
    expect(await counter.textContent()).toBe('0 / 2,000');

    // A paste that would go over the limit is refused whole, saying so.
    await field.fill('keep me');
    await paste(page, `[data-testid="input-${roomId}"]`, 'x'.repeat(2500));
    await problem.waitFor();
    expect(await problem.textContent()).toBe(
      'Not pasted: the text has 2,500 characters, and with what is written here the message would be 507 over the limit of 2,000. Nothing was cut.',
    );
    expect(await problem.getAttribute('role')).toBe('alert');
    expect(await field.inputValue()).toBe('keep me');
    const found = await axeLightAndDark(page, `composer with a refused paste, ${width}`);

    // Text over the limit (typed or dropped) is shown as such and not sent; shortened, it goes.
    await field.fill('y'.repeat(2001));
    expect(await counter.textContent()).toBe('2,001 / 2,000');
    expect(await counter.evaluate((el) => el.classList.contains('over'))).toBe(true);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await page.click(`[data-testid="send-${roomId}"]`);
    expect(await problem.textContent()).toBe('This message is 1 character too long: a message can have at most 2,000. Shorten it to send it.');
    expect(await field.inputValue()).toHaveLength(2001);
    await field.press('End');
    await field.press('Backspace');
    await problem.waitFor({ state: 'hidden' });
    await field.press('Enter');
    await page.locator(`[data-testid="room-${roomId}"] [data-testid=message]`).nth(1).waitFor({ timeout: 5000 });
    expect((await textsIn(page, roomId))[1]).toHaveLength(2000);
    expect(posts).toHaveLength(2);

    expect(found).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  });
});
