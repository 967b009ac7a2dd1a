import {
  connected,
  connectionStates,
  historyLoaded,
  messageIn,
  openRoom,
  openTab,
  refusedSockets,
  signIn,
  signOutConfirmed,
  textsIn,
  type WatchedPage,
} from './browser.js';
import { apiUser, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';

let stack: E2eStack;
const pages: WatchedPage[] = [];

const { open } = useE2eSuite(pages, (readyStack) => {
  stack = readyStack;
});

/** A room of `owner` with bob in it, and what was said before bob went away. */
async function roomWithBob(owner: string, name: string) {
  const api = await apiUser(stack, owner);
  const roomId = await api.createRoom(name);
  await api.addMember(roomId, 'bob');
  await api.post(roomId, 'before');
  return { api, roomId };
}

describe('messages sent while the user was away', () => {
  it('while signed out: they are there once, in order, after signing in again', async () => {
    const { api, roomId } = await roomWithBob('olga', 'While signed out');
    const bob = await open();
    await signIn(bob.page, 'bob');
    await openRoom(bob.page, roomId);
    await messageIn(bob.page, roomId, 'before').waitFor();
    await signOutConfirmed(bob.page);
    for (const text of ['away 1', 'away 2', 'away 3']) await api.post(roomId, text);
    await signIn(bob.page, 'bob');
    await openRoom(bob.page, roomId);
    await messageIn(bob.page, roomId, 'away 3').waitFor({ timeout: 5000 });
    await bob.page.waitForTimeout(500); // a replay from the persistent session may still come: it must not show twice
    expect(await textsIn(bob.page, roomId)).toEqual(['before', 'away 1', 'away 2', 'away 3']);
    expect(bob.errors).toEqual([]);
  });

  it('with every tab closed: a new tab is still signed in, opens the room from its address, and shows them once, in order', async () => {
    const { api, roomId } = await roomWithBob('pia', 'All tabs closed');
    const bob = await open();
    await signIn(bob.page, 'bob');
    await openRoom(bob.page, roomId);
    const address = bob.page.url();
    // A second page keeps the browser (its storage) alive while bob's only tab with the app closes.
    const blank = await bob.context.newPage();
    await bob.page.close();
    for (const text of ['closed 1', 'closed 2']) await api.post(roomId, text);
    const again = await openTab({ ...bob, page: blank }, address);
    pages.push(again);
    await connected(again.page);
    await historyLoaded(again.page, roomId);
    expect(await again.page.locator('[data-testid=who]').textContent()).toBe('Bob');
    await again.page.waitForTimeout(500);
    expect(await textsIn(again.page, roomId)).toEqual(['before', 'closed 1', 'closed 2']);
    expect(again.errors).toEqual([]);
  });

  it('while offline: the page says so, and they appear once, in order, when the network is back', async () => {
    const { api, roomId } = await roomWithBob('quinn', 'While offline');
    const bob = await open();
    await signIn(bob.page, 'bob');
    await openRoom(bob.page, roomId);
    await bob.context.setOffline(true);
    await bob.page.locator('[data-testid=connection][data-state=offline]').waitFor({ timeout: 30_000 });
    expect(await bob.page.locator('[data-testid=connection-notice]').textContent()).toContain('Offline: this device has no network');
    for (const text of ['offline 1', 'offline 2']) await api.post(roomId, text);
    await bob.context.setOffline(false);
    await bob.page.locator('[data-testid=connection][data-state=connected]').waitFor({ timeout: 20_000 });
    await messageIn(bob.page, roomId, 'offline 2').waitFor({ timeout: 10_000 });
    await bob.page.waitForTimeout(500);
    expect(await textsIn(bob.page, roomId)).toEqual(['before', 'offline 1', 'offline 2']);
    expect(await connectionStates(bob.page)).not.toContain('failed');
    expect(refusedSockets(bob.errors)).toEqual([]);
  }, 60_000);
});
