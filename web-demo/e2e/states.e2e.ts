/**
 * Honest states, end to end in Chromium against the local stack: a backend that freezes (sockets stay open, nothing
 * answers) is noticed through MQTT keep-alive within IoT's 30 s interval and shown as reconnecting with its attempts;
 * a message sent meanwhile shows sending, then "not delivered" with "Send again" after the timeout, and is delivered
 * when sent again after the thaw. A rate-limited send (429) says so, with when to try again. (The outage of a
 * dropped socket is in demo.e2e.ts.)
 */
import type { Browser, Page, WebSocketRoute } from 'playwright-core';
import { connected, connectionStates, messageIn, openPage, openRoom, post, refusedSockets, signIn, textsIn, type WatchedPage } from './browser.js';
import { apiUser, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';

let stack: E2eStack;
let browser: Browser;
const pages: WatchedPage[] = [];

useE2eSuite(pages, (readyStack, readyBrowser) => {
  stack = readyStack;
  browser = readyBrowser;
});

/**
 * A backend that can freeze: the page's MQTT sockets and API requests pass through until `freeze()`; then nothing
 * answers (frames are dropped both ways, new sockets open but hear nothing, requests hang) until `thaw()`.
 */
async function freezable(page: Page) {
  let frozen = false;
  const hung: Array<() => void> = [];
  await page.routeWebSocket(/\/mqtt/, (ws: WebSocketRoute) => {
    if (frozen) return; // opened, never answered: CONNECT gets no CONNACK
    const server = ws.connectToServer();
    ws.onMessage((m) => !frozen && server.send(m));
    server.onMessage((m) => !frozen && ws.send(m));
  });
  await page.route(/\/rooms\//, async (route) => {
    if (!frozen) return route.continue();
    await new Promise<void>((resolve) => hung.push(resolve));
    await route.abort().catch(() => undefined);
  });
  return {
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const release of hung.splice(0)) release();
    },
  };
}

describe('a frozen backend', () => {
  it('is noticed by keep-alive within 30 s and shown as reconnecting with its attempts; a send says not delivered, and goes through when sent again', async () => {
    const owner = await apiUser(stack, 'rita');
    const roomId = await owner.createRoom('Frozen');
    await owner.addMember(roomId, 'bob');
    const watched = await openPage(browser, stack.web!.url);
    pages.push(watched);
    const { page } = watched;
    const backend = await freezable(page);
    await signIn(page, 'bob');
    await openRoom(page, roomId);

    backend.freeze();
    const frozenAt = Date.now();
    await post(page, roomId, 'into the freeze');
    const outgoing = page.locator(`[data-testid="room-${roomId}"] [data-testid=outgoing]`);
    expect(await outgoing.getAttribute('data-status')).toBe('sending');
    expect(await page.locator(`[data-testid="input-${roomId}"]`).inputValue()).toBe('');
    // The API does not answer: after the send timeout it is "not delivered", with a way to send it again.
    await page.locator(`[data-testid="room-${roomId}"] [data-testid=outgoing][data-status=failed]`).waitFor({ timeout: 15_000 });
    expect(await outgoing.textContent()).toContain('Not delivered: no answer from the server within 10 s');

    // Keep-alive: 20 s without traffic, then 8 s for the PINGRESP.
    await page.locator('[data-testid=connection][data-state=reconnecting]').waitFor({ timeout: 35_000 });
    expect(Date.now() - frozenAt).toBeLessThan(30_000);
    expect(await page.locator('[data-testid=connection-detail]').textContent()).toMatch(
      /^Reconnecting: attempt 1 \(no answer to the keep-alive ping: the connection was dead\)\.$/,
    );
    // Attempts that open a socket but get no CONNACK count up; "failed" never shows while the client keeps trying.
    await page.locator('[data-testid=connection][data-attempt="2"]').waitFor({ timeout: 25_000 });

    backend.thaw();
    await connected(page, 30_000);
    await page.click(`[data-testid="room-${roomId}"] [data-testid=retry-send]`);
    await messageIn(page, roomId, 'into the freeze').waitFor({ timeout: 10_000 });
    expect(await outgoing.count()).toBe(0);
    expect(await textsIn(page, roomId)).toEqual(['into the freeze']);
    expect(await connectionStates(page)).not.toContain('failed');
    expect(refusedSockets(watched.errors).filter((e) => !/net::ERR_FAILED/.test(e))).toEqual([]);
  }, 120_000);
});

describe('the rate limit', () => {
  it('shows a refused send (429) as not delivered, saying when to try again', async () => {
    const owner = await apiUser(stack, 'sam');
    const roomId = await owner.createRoom('Busy');
    await owner.addMember(roomId, 'bob');
    const bobApi = await apiUser(stack, 'bob');
    const watched = await openPage(browser, stack.web!.url);
    pages.push(watched);
    const { page } = watched;
    await signIn(page, 'bob');
    await openRoom(page, roomId);
    // Bob uses up his messages of this minute (60, functions/catalog.ts) elsewhere. The limit is a fixed window: if a
    // new minute starts between the burst and the page's send, the send goes through, so the burst is repeated.
    const refused = page.locator(`[data-testid="room-${roomId}"] [data-testid=outgoing][data-status=failed]`);
    for (let attempt = 0; attempt < 3 && (await refused.count()) === 0; attempt += 1) {
      for (let i = 0; i < 70; i += 1) {
        const limited = await bobApi.post(roomId, `burst ${attempt}.${i}`).then(
          () => false,
          (error: Error) => /got 429/.test(error.message),
        );
        if (limited) break;
      }
      await post(page, roomId, `one too many (${attempt})`);
      await refused.waitFor({ timeout: 10_000 }).catch(() => undefined);
    }
    await refused.first().waitFor({ timeout: 1_000 });
    expect(await refused.first().textContent()).toMatch(/Not delivered: Too many requests; try again in \d+ s/);
    expect(await refused.first().locator('[data-testid=retry-send]').isVisible()).toBe(true);
    // Chromium logs the refused request itself; nothing else.
    expect(watched.errors.filter((e) => !/status of 429/.test(e))).toEqual([]);
  });
});
