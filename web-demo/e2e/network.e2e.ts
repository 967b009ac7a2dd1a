/**
 * The truth about the network (issue 22), at desktop and phone widths, end to end in Chromium against the local stack:
 * offline is shown within a second of the browser knowing, in the badge, the notice and the logo's dot; a message
 * written offline waits ("waiting for the network", not a server error) and is sent once, with its Idempotency-Key,
 * when the network is back; a request that fails offline says the device is offline, and only a failure while online
 * names the backend. axe-core finds nothing offline in light and dark; the console has only the browser's own lines
 * for requests and sockets that could not leave the device.
 */
import type { Browser, Request } from 'playwright-core';
import { connected, historyLoaded, messageIn, openPage, post, refusedSockets, signInAs, textsIn, type WatchedPage } from './browser.js';
import { apiUser, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';
import { axeLightAndDark, openFromList, showFromList, userFor, WIDTHS } from './views.js';

let stack: E2eStack;
let browser: Browser;
const pages: WatchedPage[] = [];

useE2eSuite(pages, (readyStack, readyBrowser) => {
  stack = readyStack;
  browser = readyBrowser;
});

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** What Chromium prints for requests and sockets that could not leave an offline device. */
const offlineLines = (errors: readonly string[]) => refusedSockets(errors).filter((e) => !/net::ERR_INTERNET_DISCONNECTED/.test(e));

describe.each(WIDTHS)('the network (%s)', (width, viewport) => {
  it('says offline at once, queues what is written offline and sends it once when back, and blames the backend only when online', async () => {
    const writer = await apiUser(stack, userFor('netwriter', width));
    const me = userFor('traveller', width);
    const [here, elsewhere, third] = [await writer.createRoom('Here'), await writer.createRoom('Elsewhere'), await writer.createRoom('Third')];
    for (const roomId of [here, elsewhere, third]) await writer.addMember(roomId, me);
    await writer.post(here, 'before the tunnel');
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page, context } = p;
    const posts: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/rooms/${here}/messages`)) posts.push(request);
    });
    await signInAs(page, me);
    await openFromList(page, here);
    const dot = page.locator('[data-testid=brand-dot]');
    const background = () => dot.evaluate((el) => getComputedStyle(el).backgroundColor);
    const live = await background();

    // Offline: shown within a second, in words and in the logo's dot (no longer green).
    await context.setOffline(true);
    await page.locator('[data-testid=connection][data-state=offline]').waitFor({ timeout: 1000 });
    expect(await dot.getAttribute('data-state')).toBe('offline');
    expect(await background()).not.toBe(live);
    expect(await page.locator('[data-testid=connection-notice]').textContent()).toContain('Offline: this device has no network');

    // Written offline: it waits, saying why; nothing blames the server.
    await post(page, here, 'written in the tunnel');
    const waiting = page.locator(`[data-testid="room-${here}"] [data-testid=outgoing][data-status=queued]`);
    await waiting.waitFor();
    expect(await waiting.textContent()).toContain('Waiting for the network: sent when this device is back online');
    // A request that cannot leave the device says so.
    await showFromList(page, elsewhere);
    const failedHistory = page.locator(`[data-testid="room-${elsewhere}"] [data-testid=history-status]`);
    await failedHistory.locator('[data-testid=retry-history]').waitFor();
    expect(await failedHistory.textContent()).toContain('Could not load the history: This device is offline: no network');
    expect(await page.locator('body').textContent()).not.toContain('is the backend running');
    const found = await axeLightAndDark(page, `offline, a message waiting, ${width}`);
    await showFromList(page, here);
    await waiting.waitFor();
    expect(posts).toHaveLength(0);

    // Back: live again, and the message goes once, with its key.
    await context.setOffline(false);
    await connected(page);
    await messageIn(page, here, 'written in the tunnel').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1000);
    expect(await textsIn(page, here)).toEqual(['before the tunnel', 'written in the tunnel']);
    expect(await page.locator('[data-testid=outgoing]').count()).toBe(0);
    expect(posts).toHaveLength(1);
    expect((await posts[0]!.allHeaders())['idempotency-key']).toMatch(UUID_V4);
    expect(await dot.getAttribute('data-state')).toBe('connected');
    expect(await background()).toBe(live);

    // Online and the API unreachable: then, and only then, the backend is named.
    await page.route(`**/rooms/${third}/messages**`, (route) => route.abort('connectionrefused'));
    await showFromList(page, third);
    const unreachable = page.locator(`[data-testid="room-${third}"] [data-testid=history-status]`);
    await unreachable.locator('[data-testid=retry-history]').waitFor();
    expect(await unreachable.textContent()).toContain('The API cannot be reached; is the backend running?');
    await page.unroute(`**/rooms/${third}/messages**`);
    await unreachable.locator('[data-testid=retry-history]').click();
    await historyLoaded(page, third);

    expect(found).toEqual([]);
    expect(offlineLines(p.errors).filter((e) => !/net::ERR_CONNECTION_REFUSED|net::ERR_FAILED/.test(e))).toEqual([]);
    expect(p.warnings).toEqual([]);
  }, 90_000);

  it('sends each message written offline once even when the network comes and goes, in the order written', async () => {
    const writer = await apiUser(stack, userFor('flapwriter', width));
    const me = userFor('flapper', width);
    const roomId = await writer.createRoom('Flaky');
    await writer.addMember(roomId, me);
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page, context } = p;
    const keys: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith(`/rooms/${roomId}/messages`)) keys.push(request.headers()['idempotency-key'] ?? '');
    });
    await signInAs(page, me);
    await openFromList(page, roomId);
    await context.setOffline(true);
    await page.locator('[data-testid=connection][data-state=offline]').waitFor({ timeout: 1000 });
    for (const text of ['one', 'two', 'three']) await post(page, roomId, text);
    // A moment online, then offline again before anything could come back, then online for good.
    await context.setOffline(false);
    await context.setOffline(true);
    await context.setOffline(false);
    await connected(page);
    await messageIn(page, roomId, 'three').waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1000);
    expect(await textsIn(page, roomId)).toEqual(['one', 'two', 'three']);
    // Every message was posted with its own key; a message posted twice (its request failed offline) kept its key.
    const distinct = [...new Set(keys)];
    expect(distinct).toHaveLength(3);
    for (const key of distinct) expect(key).toMatch(UUID_V4);
    expect(offlineLines(p.errors)).toEqual([]);
  }, 90_000);
});
