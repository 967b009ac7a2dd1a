import { DEMO_COGNITO_USERS } from '../../local/emulator/services/cognito-user-pool/seed.js';
import {
  connected,
  connectionStates,
  historyLoaded,
  openTab,
  roomLink,
  signIn,
  signInCognitoUser,
  signOutConfirmed,
  textsIn,
  type WatchedPage,
} from './browser.js';
import { apiUser, disconnects, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';

let stack: E2eStack;
const pages: WatchedPage[] = [];

const { open } = useE2eSuite(pages, (readyStack) => {
  stack = readyStack;
});

/** The client ids the broker accepted for `userId` (from the emulator's log), in order of first connection. */
function clientIdsOf(userId: string): string[] {
  const ids = stack.logs
    .filter((e) => e.message === 'mqtt connected' && String(e.clientId).startsWith(`iot-realtime.local.${userId}.`))
    .map((e) => String(e.clientId));
  return [...new Set(ids)];
}

const tabIdOf = (p: WatchedPage) => p.page.evaluate(() => sessionStorage.getItem('realtime-tab-id'));

describe('tabs of one app user', () => {
  it.each([2, 5])(
    '%i tabs for 30 s: a client id each, no takeover, every tab gets every message once and in order',
    async (count) => {
      const poster = await apiUser(stack, `poster${count}`);
      const roomId = await poster.createRoom(`${count} tabs`);
      await poster.addMember(roomId, 'bob');
      const first = await open();
      await signIn(first.page, 'bob');
      const tabs = [first];
      // The other tabs open the room by its address; the saved session signs them in.
      for (let i = 1; i < count; i += 1) {
        const tab = await openTab(first, `${stack.web!.url}/#room=${roomId}`);
        pages.push(tab);
        await connected(tab.page);
        tabs.push(tab);
      }
      await roomLink(first.page, roomId).click();
      for (const tab of tabs) await historyLoaded(tab.page, roomId);
      const duplicatesBefore = disconnects(stack, 'DUPLICATE_CLIENTID').length;

      const sent: string[] = [];
      const started = Date.now();
      for (let n = 1; Date.now() - started < 30_000; n += 1) {
        const text = `message ${n} to ${count} tabs`;
        await poster.post(roomId, text);
        sent.push(text);
        await first.page.waitForTimeout(1500);
      }
      for (const tab of tabs)
        await tab.page.locator(`[data-testid="room-${roomId}"] [data-testid=message]`, { hasText: sent.at(-1)! }).waitFor({ timeout: 5000 });
      for (const tab of tabs) {
        expect(await textsIn(tab.page, roomId)).toEqual(sent);
        // Live the whole time: no drop, no reconnect, no takeover.
        expect(await connectionStates(tab.page)).toEqual(['connecting', 'connected']);
        expect(tab.errors).toEqual([]);
      }
      expect(disconnects(stack, 'DUPLICATE_CLIENTID').length).toBe(duplicatesBefore);
      const ids = await Promise.all(tabs.map(tabIdOf));
      expect(new Set(ids).size).toBe(count);
      for (const id of ids) expect(clientIdsOf('bob')).toContain(`iot-realtime.local.bob.${id}`);
    },
    90_000,
  );

  it("keeps a tab's client id across a reload, and gives a duplicated tab (sessionStorage copied) a new one", async () => {
    const first = await open();
    await signIn(first.page, 'carol');
    const id = await tabIdOf(first);
    await first.page.reload();
    await connected(first.page);
    expect(await tabIdOf(first)).toBe(id);

    // Browsers copy sessionStorage into a duplicated tab: the copy finds the id held by the first tab.
    const duplicate = await first.context.newPage();
    await duplicate.addInitScript((copied) => {
      if (!sessionStorage.getItem('realtime-tab-id')) sessionStorage.setItem('realtime-tab-id', copied ?? '');
    }, id);
    await duplicate.goto(stack.web!.url);
    await connected(duplicate);
    const duplicateId = await duplicate.evaluate(() => sessionStorage.getItem('realtime-tab-id'));
    expect(duplicateId).not.toBe(id);
    expect(await connectionStates(first.page)).toEqual(['connecting', 'connected']);
    expect(clientIdsOf('carol')).toEqual([`iot-realtime.local.carol.${id}`, `iot-realtime.local.carol.${duplicateId}`]);
  });
});

describe('signing out', () => {
  it('in one tab signs out the other tabs of the browser', async () => {
    const first = await open();
    await signIn(first.page, 'bob');
    const second = await openTab(first, stack.web!.url);
    pages.push(second);
    await connected(second.page);
    await signOutConfirmed(first.page);
    await second.page.locator('[data-testid=signin-alice]').waitFor({ timeout: 5000 });
    await second.page.reload();
    await second.page.locator('[data-testid=signin-alice]').waitFor();
    expect(second.errors).toEqual([]);
  });
});

describe('tabs of one Cognito user (one client id: the identity id)', () => {
  it('in one browser, a second tab says the account is live elsewhere and takes the connection over only when asked', async () => {
    const { username, password } = DEMO_COGNITO_USERS[1]!;
    const first = await open();
    await signInCognitoUser(first.page, username, password);
    const second = await openTab(first, stack.web!.url);
    pages.push(second);
    const notice = second.page.locator('[data-testid=connection-notice]');
    await second.page.locator('[data-testid=connection][data-state=taken-over]').waitFor({ timeout: 20_000 });
    expect(await notice.textContent()).toContain('this account is live in another tab of this browser');
    await second.page.click('[data-testid=connection-action]');
    await connected(second.page);
    await first.page.locator('[data-testid=connection][data-state=taken-over]').waitFor({ timeout: 5000 });
    expect(await first.page.locator('[data-testid=connection-action]').textContent()).toBe('Use this tab');
    // And back: no loop, each move only when asked.
    await first.page.click('[data-testid=connection-action]');
    await connected(first.page);
    await second.page.locator('[data-testid=connection][data-state=taken-over]').waitFor({ timeout: 5000 });
    await first.page.waitForTimeout(3000);
    expect((await connectionStates(first.page)).slice(-1)).toEqual(['connected']);
    expect((await connectionStates(second.page)).slice(-1)).toEqual(['taken-over']);
  });

  it('in two browsers, the connection that keeps being replaced at the broker stops fighting and says so', async () => {
    const { username, password } = DEMO_COGNITO_USERS[0]!;
    const laptop = await open();
    await signInCognitoUser(laptop.page, username, password);
    const phone = await open();
    await signInCognitoUser(phone.page, username, password).catch(() => undefined); // may be the one that yields
    const takenOver = (p: WatchedPage) => p.page.locator('[data-testid=connection][data-state=taken-over]');
    const [yielded, stayed] = await Promise.race([
      takenOver(laptop)
        .waitFor({ timeout: 30_000 })
        .then(() => [laptop, phone] as const),
      takenOver(phone)
        .waitFor({ timeout: 30_000 })
        .then(() => [phone, laptop] as const),
    ]);
    expect(await yielded.page.locator('[data-testid=connection-detail]').textContent()).toMatch(
      /another connection with this client id .* stopped reconnecting/,
    );
    await connected(stayed.page);
    // Settled: no more takeovers, the other one stays live.
    const takeovers = disconnects(stack, 'DUPLICATE_CLIENTID').length;
    await stayed.page.waitForTimeout(8000);
    expect(disconnects(stack, 'DUPLICATE_CLIENTID').length).toBe(takeovers);
    expect(await stayed.page.locator('[data-testid=connection]').getAttribute('data-state')).toBe('connected');
    expect(await connectionStates(yielded.page)).not.toContain('failed');
  }, 90_000);
});
