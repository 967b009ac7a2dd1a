import { DEMO_COGNITO_USERS } from '../../local/emulator/services/cognito-user-pool/seed.js';
import {
  answerConfirm,
  connected,
  historyLoaded,
  messageIn,
  openRoom,
  PHONE,
  post,
  roomLink,
  signIn,
  signInAs,
  signInCognitoUser,
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

const toast = (p: WatchedPage, text: string) => p.page.locator('[data-testid=toast]', { hasText: text });

describe('rooms in the demo', () => {
  it('alice creates a room and invites bob by username; he sees it appear at once, gets messages live, and finds the history after a reload', async () => {
    const alice = await open();
    const bob = await open({ viewport: PHONE });
    await signIn(alice.page, 'alice');
    await signIn(bob.page, 'bob');

    await alice.page.fill('[data-testid=new-room-name]', 'Launch');
    await alice.page.click('[data-testid=create-room]');
    const link = alice.page.locator('[data-testid=room-link]', { hasText: 'Launch' });
    await link.waitFor();
    const roomId = (await link.getAttribute('data-room-id')) ?? '';
    expect(roomId).not.toBe('');
    await historyLoaded(alice.page, roomId); // a created room opens at once
    expect(await alice.page.locator(`[data-testid="room-${roomId}"] [data-testid=history-status]`).textContent()).toMatch(/^No messages yet/);

    // Invited by his username (an app user's is his user id): his list shows the room at once, named, before any message.
    await alice.page.fill('[data-testid=member-id]', 'bob');
    await alice.page.click('[data-testid=add-member]');
    await alice.page.locator('[data-testid=member][data-user-id=bob]', { hasText: 'Bob' }).waitFor();
    await roomLink(bob.page, roomId).locator('.room-name', { hasText: 'Launch' }).waitFor({ timeout: 2000 });
    await post(alice.page, roomId, 'welcome bob');
    await roomLink(bob.page, roomId).locator('[data-testid=unread]', { hasText: '1' }).waitFor({ timeout: 5000 });
    await openRoom(bob.page, roomId);
    await messageIn(bob.page, roomId, 'welcome bob').waitFor();
    expect(await roomLink(bob.page, roomId).locator('[data-testid=unread]').count()).toBe(0);

    await post(alice.page, roomId, 'second');
    await messageIn(bob.page, roomId, 'second').waitFor({ timeout: 5000 });
    await post(bob.page, roomId, 'thanks alice');
    await messageIn(alice.page, roomId, 'thanks alice').waitFor({ timeout: 5000 });
    expect(await alice.page.locator(`[data-testid="room-${roomId}"] [data-testid=message].own`).allTextContents()).toEqual([
      expect.stringContaining('welcome bob'),
      expect.stringContaining('second'),
    ]);

    // A reload keeps bob signed in, and the address still names the room: it opens again with its history, every
    // message once, in order.
    await bob.page.reload();
    await connected(bob.page);
    expect(await bob.page.locator('[data-testid=who]').textContent()).toBe('Bob');
    await historyLoaded(bob.page, roomId);
    expect(await textsIn(bob.page, roomId)).toEqual(['welcome bob', 'second', 'thanks alice']);
    await post(alice.page, roomId, 'after the reload');
    await messageIn(bob.page, roomId, 'after the reload').waitFor({ timeout: 5000 });
    expect(await textsIn(bob.page, roomId)).toEqual(['welcome bob', 'second', 'thanks alice', 'after the reload']);
    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it('shows the newest page of a long history first and older pages on demand', async () => {
    const hana = await apiUser(stack, 'hana');
    const roomId = await hana.createRoom('Long history');
    const sent = Array.from({ length: 56 }, (_, i) => `message ${String(i + 1).padStart(2, '0')}`);
    for (const text of sent) await hana.post(roomId, text);
    const page = await open();
    await signInAs(page.page, 'hana');
    await openRoom(page.page, roomId);
    expect(await textsIn(page.page, roomId)).toEqual(sent.slice(-50));
    await page.page.click(`[data-testid="room-${roomId}"] [data-testid=load-older]`);
    await messageIn(page.page, roomId, 'message 01').waitFor({ timeout: 5000 });
    expect(await textsIn(page.page, roomId)).toEqual(sent);
    await page.page.locator(`[data-testid="room-${roomId}"] [data-testid=history-status]`, { hasText: 'The beginning of this room.' }).waitFor();
    expect(await page.page.locator(`[data-testid="room-${roomId}"] [data-testid=load-older]`).isHidden()).toBe(true);
    expect(page.errors).toEqual([]);
  });

  it('an owner removes a member (everyone sees it live), the last owner leaves and ownership passes on, and the last member leaving deletes the room', async () => {
    const ivan = await apiUser(stack, 'ivan');
    const roomId = await ivan.createRoom('Short-lived');
    await ivan.addMember(roomId, 'judy');
    await ivan.addMember(roomId, 'kim');
    const owner = await open();
    const member = await open();
    await signInAs(owner.page, 'ivan');
    await signInAs(member.page, 'judy');
    await openRoom(owner.page, roomId);
    await openRoom(member.page, roomId);

    await member.page.locator('[data-testid=member][data-user-id=kim]').waitFor();
    await owner.page.click('[data-testid=remove-member-kim]');
    await answerConfirm(owner.page, true);
    await owner.page.locator('[data-testid=member][data-user-id=kim]').waitFor({ state: 'detached' });
    // The other member's list follows at once, from the room event.
    await member.page.locator('[data-testid=member][data-user-id=kim]').waitFor({ state: 'detached', timeout: 2000 });
    // A member sees no owner controls.
    expect(await member.page.locator('[data-testid=remove-member-ivan]').count()).toBe(0);
    expect(await member.page.locator('[data-testid=add-member]').isHidden()).toBe(true);
    expect(await member.page.locator('[data-testid=delete-room]').isHidden()).toBe(true);

    // The last owner may leave: the member who joined first becomes owner, and is told so.
    await owner.page.click('[data-testid=leave-room]');
    await answerConfirm(owner.page, true);
    await roomLink(owner.page, roomId).waitFor({ state: 'detached' });
    await toast(member, 'ivan left Short-lived: you are its owner now').waitFor({ timeout: 5000 });
    await member.page.locator('[data-testid=delete-room]').waitFor();
    expect(await member.page.locator('[data-testid=member][data-user-id=judy]').getAttribute('data-role')).toBe('owner');
    await member.page.locator('[data-testid=member][data-user-id=ivan]').waitFor({ state: 'detached' });

    // The last member leaving deletes the room.
    await member.page.click('[data-testid=leave-room]');
    await answerConfirm(member.page, true);
    await roomLink(member.page, roomId).waitFor({ state: 'detached' });
    await member.page.locator('[data-testid=no-room-open]').waitFor();
    const judy = await apiUser(stack, 'judy');
    await expect(judy.members(roomId)).rejects.toThrow('expected 200, got 404');
    expect(owner.errors).toEqual([]);
    expect(member.errors).toEqual([]);
  });

  it("a signed-in Cognito user (Amplify against the emulator's user pool) creates rooms, is invited by identity id, and gets messages live", async () => {
    const { username, password } = DEMO_COGNITO_USERS[0]!;
    const cognitoUser = await open();
    const identityId = await signInCognitoUser(cognitoUser.page, username, password);
    expect(identityId).toMatch(/^us-east-1:[0-9a-f-]{36}$/);
    expect(await cognitoUser.page.locator('[data-testid=who]').textContent()).toBe(username);
    await cognitoUser.page.locator('[data-testid=no-rooms]').waitFor();

    await cognitoUser.page.fill('[data-testid=new-room-name]', `${username}'s room`);
    await cognitoUser.page.click('[data-testid=create-room]');
    const link = cognitoUser.page.locator('[data-testid=room-link]', { hasText: `${username}'s room` });
    await link.waitFor();
    const ownRoom = (await link.getAttribute('data-room-id')) ?? '';
    await historyLoaded(cognitoUser.page, ownRoom);
    await post(cognitoUser.page, ownRoom, `hello from ${username}`);
    await messageIn(cognitoUser.page, ownRoom, `hello from ${username}`).waitFor({ timeout: 5000 });
    // Rooms name a Cognito user by identity id, the only per-user name an IoT policy can use; the page shows "You".
    expect(await cognitoUser.page.locator(`[data-testid="room-${ownRoom}"] [data-testid=message]`).first().getAttribute('class')).toContain('own');
    expect(await cognitoUser.page.locator(`[data-testid="room-${ownRoom}"] [data-testid=member]`).first().getAttribute('data-user-id')).toBe(identityId);

    const alice = await apiUser(stack, 'alice');
    const sharedRoom = await alice.createRoom('With a Cognito user');
    await alice.addMember(sharedRoom, identityId);
    await alice.post(sharedRoom, `hi ${username}`);
    await roomLink(cognitoUser.page, sharedRoom).waitFor({ timeout: 5000 });
    await openRoom(cognitoUser.page, sharedRoom);
    const fromAlice = messageIn(cognitoUser.page, sharedRoom, `hi ${username}`);
    await fromAlice.waitFor();
    expect(await fromAlice.locator('.author').textContent()).toBe('Alice');
    // A reload keeps the Cognito user signed in (Amplify's own storage), with the room and its history.
    await cognitoUser.page.reload();
    await connected(cognitoUser.page);
    await historyLoaded(cognitoUser.page, sharedRoom);
    expect(await textsIn(cognitoUser.page, sharedRoom)).toEqual([`hi ${username}`]);
    expect(cognitoUser.errors).toEqual([]);
    expect(cognitoUser.warnings).toEqual([]);
  });
});
