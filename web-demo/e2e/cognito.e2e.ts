import { DEMO_COGNITO_USERS } from '../../local/emulator/services/cognito-user-pool/seed.js';
import {
  axeViolations,
  connected,
  historyLoaded,
  messageIn,
  openRoom,
  PHONE,
  post,
  roomLink,
  signIn,
  signInAs,
  signOutConfirmed,
  type WatchedPage,
} from './browser.js';
import { confirmationCode, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';

let stack: E2eStack;
const pages: WatchedPage[] = [];

const { open } = useE2eSuite(pages, (readyStack) => {
  stack = readyStack;
});

const screenshotDir = process.env.UPDATE_SCREENSHOTS ? new URL('../../docs/', import.meta.url).pathname : undefined;

/** The member entry of `userId` in the open room, once it says online (true) or offline (false). */
const memberOnline = (p: WatchedPage, userId: string, online: boolean) =>
  p.page.locator(`[data-testid=member][data-user-id="${userId}"][data-online=${online}]`);

describe('a new Cognito user', () => {
  it('signs up and confirms in the page, creates a room, adds an app user; they talk, see each other online, and offline after sign-out', async () => {
    // The user pool names users by email (as deployed: username_attributes = ["email"]).
    const username = `newcomer${Date.now() % 100_000}@example.com`;
    const newcomer = await open();
    await newcomer.page.click('[data-testid=signup-section] summary');
    await newcomer.page.fill('[data-testid=signup-email]', username);
    await newcomer.page.fill('[data-testid=signup-password]', 'A long enough password 1');
    await newcomer.page.click('[data-testid=signup]');
    await newcomer.page.locator('[data-testid=confirm-form]').waitFor();
    expect(await newcomer.page.locator('[data-testid=confirm-hint]').textContent()).toContain('the emulator logs it');
    expect(await axeViolations(newcomer.page, 'confirm form')).toEqual([]);
    // A wrong code is refused in words, in place.
    await newcomer.page.fill('[data-testid=signup-code]', '000000');
    await newcomer.page.click('[data-testid=confirm-signup]');
    await newcomer.page.locator('[data-testid=confirm-error]').waitFor();
    await newcomer.page.fill('[data-testid=signup-code]', confirmationCode(stack, username));
    await newcomer.page.click('[data-testid=confirm-signup]');
    await connected(newcomer.page);
    expect(await newcomer.page.locator('[data-testid=who]').textContent()).toBe(username);
    const identityId = (await newcomer.page.locator('[data-testid=my-user-id]').textContent()) ?? '';
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);

    await newcomer.page.fill('[data-testid=new-room-name]', 'Welcome');
    await newcomer.page.click('[data-testid=create-room]');
    const link = newcomer.page.locator('[data-testid=room-link]', { hasText: 'Welcome' });
    await link.waitFor();
    const roomId = (await link.getAttribute('data-room-id')) ?? '';
    await historyLoaded(newcomer.page, roomId);
    // An invite names someone the directory knows: dave has signed in once.
    const dave = await open({ viewport: PHONE });
    await signInAs(dave.page, 'dave');
    await newcomer.page.fill('[data-testid=member-id]', 'dave');
    await newcomer.page.click('[data-testid=add-member]');
    await newcomer.page.locator('[data-testid=member][data-user-id=dave]').waitFor();
    await roomLink(dave.page, roomId).waitFor({ timeout: 2000 });
    await post(newcomer.page, roomId, 'hello dave');
    await openRoom(dave.page, roomId);
    await messageIn(dave.page, roomId, 'hello dave').waitFor();
    await post(dave.page, roomId, 'hi, welcome');
    await messageIn(newcomer.page, roomId, 'hi, welcome').waitFor({ timeout: 5000 });
    expect(await messageIn(newcomer.page, roomId, 'hi, welcome').locator('.author').textContent()).toBe('dave');

    // Presence: each sees the other online (IoT lifecycle events -> presence function -> inboxes, and GET presence).
    await memberOnline(newcomer, 'dave', true).waitFor({ timeout: 5000 });
    await memberOnline(dave, identityId, true).waitFor({ timeout: 5000 });
    if (screenshotDir) {
      if (await newcomer.page.locator('[data-testid=toast]').count()) await newcomer.page.click('[data-testid=dismiss-notice] >> nth=0');
      await newcomer.page.screenshot({ path: `${screenshotDir}screenshot.png` });
      await dave.page.screenshot({ path: `${screenshotDir}screenshot-phone.png` });
    }
    await signOutConfirmed(newcomer.page);
    await memberOnline(dave, identityId, false).waitFor({ timeout: 5000 });
    // Chromium logs the refused wrong code (ConfirmSignUp's 400); nothing else.
    expect(newcomer.errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    expect(newcomer.warnings).toEqual([]);
    expect(dave.errors).toEqual([]);
  }, 90_000);

  it("shows the seeded accounts' passwords on the local sign-in page, and fills them in", async () => {
    const p = await open();
    // /config.json carries them locally (demoCognitoUsers); served here as the local stack would.
    await p.page.route('**/config.json', async (route) => {
      const config = (await (await route.fetch()).json()) as Record<string, unknown>;
      await route.fulfill({
        json: { ...config, demoCognitoUsers: config.demoCognitoUsers ?? DEMO_COGNITO_USERS.map(({ username, password }) => ({ username, password })) },
      });
    });
    await p.page.reload();
    const { username, password } = DEMO_COGNITO_USERS[0]!;
    await p.page.locator('[data-testid=seeded-cognito-users]', { hasText: password }).waitFor();
    await p.page.click(`[data-testid="fill-${username}"]`);
    expect(await p.page.locator('[data-testid=cognito-password]').inputValue()).toBe(password);
    await p.page.click('[data-testid=signin-cognito]');
    await connected(p.page);
    expect(await p.page.locator('[data-testid=who]').textContent()).toBe(username);
  });

  it('an admin broadcasts from the page, and a guest sees it live', async () => {
    const alice = await open();
    await signIn(alice.page, 'alice');
    const guest = await open({ viewport: PHONE });
    await signIn(guest.page, 'guest');
    await alice.page.fill('[data-testid=broadcast-input]', 'the demo restarts at noon');
    await alice.page.click('[data-testid=send-broadcast]');
    const shown = guest.page.locator('[data-testid=broadcast] [data-testid=message]', { hasText: 'the demo restarts at noon' });
    await shown.waitFor({ timeout: 5000 });
    expect(await shown.locator('.author').textContent()).toBe('Alice');
    expect(guest.errors).toEqual([]);
    // Not an admin: no form (the API would refuse with 403 anyway).
    expect(await guest.page.locator('[data-testid=broadcast-input]').count()).toBe(0);
  });
});
