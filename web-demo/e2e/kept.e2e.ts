/**
 * What the page finds again after a reload or on another device, and retries that never duplicate (issue 22's server
 * parts, issue 18's idempotency in the page), at desktop and phone widths, end to end in Chromium against the local
 * stack: unread counts from read positions kept on the server (the tab's title too), a room read on one device no
 * longer unread on the other; a failed job's reason in words and a Retry that runs it again once, from any tab; jobs
 * and broadcasts shown after a reload; a room or job asked for again after its answer was lost is made once. axe-core
 * finds nothing in light and dark in the jobs panel with a failed job; the consoles stay clean.
 */
import type { Request } from 'playwright-core';
import { apiClient } from '../../test/support/local-api.js';
import { connected, openTab, roomLink, signIn, signInAs, toastWith, type WatchedPage } from './browser.js';
import { apiUser, type E2eStack, registerAppUser } from './stack.js';
import { useE2eSuite } from './suite.js';
import { axeLightAndDark, openFromList, userFor, WIDTHS } from './views.js';

let stack: E2eStack;
const pages: WatchedPage[] = [];

const { open } = useE2eSuite(pages, (readyStack) => {
  stack = readyStack;
});

const unreadOf = (p: WatchedPage, roomId: string) => roomLink(p.page, roomId).locator('[data-testid=unread]');
/** Waits for the room's count (in the DOM: on a phone the list is hidden while a room is open). */
const unreadIs = (p: WatchedPage, roomId: string, count: number, timeout = 10_000) =>
  unreadOf(p, roomId)
    .filter({ hasText: new RegExp(`^${count}`) })
    .waitFor({ state: 'attached', timeout });
/** The read position this page sends when its user reads a room (PUT /rooms/{roomId}/read), answered. */
const readSent = (p: WatchedPage, roomId: string) =>
  p.page.waitForResponse((r) => r.url().endsWith(`/rooms/${roomId}/read`) && r.request().method() === 'PUT' && r.status() === 200);
const job = (p: WatchedPage, jobId: string) => p.page.locator(`[data-testid=job][data-job-id="${jobId}"]`);
/** Chromium logs a request the test cut off; nothing else may be logged. */
const unexpected = (errors: readonly string[]) => errors.filter((e) => !/net::ERR_CONNECTION_RESET|ERR_FAILED/.test(e));

describe.each(WIDTHS)('kept on the server (%s)', (width, viewport) => {
  it('keeps unread counts across a reload and devices: read on one, no longer unread on the other', async () => {
    const readerId = userFor('reader', width);
    const writer = await apiUser(stack, userFor('writer', width));
    const chatty = await writer.createRoom('Chatty');
    const quiet = await writer.createRoom('Quiet');
    for (const roomId of [chatty, quiet]) await writer.addMember(roomId, readerId);
    for (const text of ['one', 'two']) await writer.post(chatty, text);

    const p = await open({ viewport });
    await signInAs(p.page, readerId);
    // From the server: what others wrote since the reader joined.
    await unreadIs(p, chatty, 2);
    expect(await p.page.title()).toBe('(2) iot-realtime demo');
    const sent = readSent(p, chatty);
    await openFromList(p.page, chatty);
    await sent;
    await openFromList(p.page, quiet);
    for (const text of ['three', 'four', 'five']) await writer.post(chatty, text);
    await unreadIs(p, chatty, 3, 5000);

    // A reload counts from the position kept on the server: the three read nowhere yet.
    await p.page.reload();
    await connected(p.page);
    await unreadIs(p, chatty, 3);
    expect(await p.page.title()).toBe('(3) iot-realtime demo');
    // Another device of the same user says the same, and follows when the first one reads the room.
    const other = await open({ viewport: width === 'desktop' ? { width: 390, height: 844 } : { width: 1280, height: 800 } });
    await signInAs(other.page, readerId);
    await unreadIs(other, chatty, 3);
    await openFromList(p.page, chatty);
    await unreadOf(other, chatty).waitFor({ state: 'detached', timeout: 5000 });
    expect(await other.page.title()).toBe('iot-realtime demo');
    await other.page.reload();
    await connected(other.page);
    await roomLink(other.page, chatty).waitFor({ state: 'attached' });
    expect(await unreadOf(other, chatty).count()).toBe(0);
    expect(p.errors).toEqual([]);
    expect(other.errors).toEqual([]);
  });

  it("shows a failed job's reason and runs it again once with Retry, from any tab; jobs and broadcasts are there after a reload", async () => {
    const p = await open({ viewport });
    await signInAs(p.page, userFor('jobber', width));
    const [started] = await Promise.all([
      p.page.waitForResponse((r) => r.url().endsWith('/jobs') && r.request().method() === 'POST'),
      p.page.click('[data-testid=start-failing-job]'),
    ]);
    const failedId = ((await started.json()) as { jobId: string }).jobId;
    const failed = job(p, failedId);
    await failed.and(p.page.locator('[data-status=failed]')).waitFor({ timeout: 15_000 });
    expect(await failed.locator('[data-testid=job-status]').textContent()).toMatch(
      /^Failed at .+: The import stopped at step 3 of 5: a row of the file could not be read \(this demo job was asked to fail there\)\.$/,
    );
    expect(await axeLightAndDark(p.page, `a failed job with Retry, ${width}`)).toEqual([]);

    const keys: string[] = [];
    p.page.on('request', (r: Request) => {
      if (r.url().endsWith('/jobs') && r.method() === 'POST') keys.push(r.headers()['idempotency-key'] ?? '');
    });
    const [retried] = await Promise.all([
      p.page.waitForResponse((r) => r.url().endsWith('/jobs') && r.request().method() === 'POST'),
      failed.locator('[data-testid=retry-job]').click(),
    ]);
    const retryId = ((await retried.json()) as { jobId: string }).jobId;
    expect(retryId).not.toBe(failedId);
    expect(keys).toEqual([`retry-${failedId}`]);
    await job(p, retryId).and(p.page.locator('[data-status=succeeded]')).waitFor({ timeout: 15_000 });
    await failed.locator('[data-testid=job-retried]').waitFor();
    expect(await failed.locator('[data-testid=retry-job]').count()).toBe(0);

    // Another tab reads the jobs from the server: the failed one is known to be retried, so it offers no Retry.
    const tab = await openTab(p, stack.web!.url);
    pages.push(tab);
    await connected(tab.page);
    await job(tab, failedId).locator('[data-testid=job-retried]').waitFor();
    expect(await job(tab, retryId).getAttribute('data-status')).toBe('succeeded');

    // An admin's announcement is kept too.
    const alice = await open();
    await signIn(alice.page, 'alice');
    await alice.page.fill('[data-testid=broadcast-input]', `kept for later (${width})`);
    await alice.page.click('[data-testid=send-broadcast]');
    const announced = p.page.locator('[data-testid=broadcast] [data-testid=message]', { hasText: `kept for later (${width})` });
    await announced.waitFor({ timeout: 5000 });

    await p.page.reload();
    await connected(p.page);
    await job(p, failedId).and(p.page.locator('[data-status=failed]')).locator('[data-testid=job-retried]').waitFor();
    expect(await job(p, failedId).locator('[data-testid=job-status]').textContent()).toContain('a row of the file could not be read');
    expect(await job(p, retryId).getAttribute('data-status')).toBe('succeeded');
    await announced.waitFor();
    expect(await announced.locator('.author').textContent()).toBe('Alice');
    for (const w of [p, tab, alice]) expect(w.errors).toEqual([]);
  });

  it('makes one room and one job when the answer to the first request is lost and the user asks again', async () => {
    const userId = userFor('retrier', width);
    const token = await registerAppUser(stack, userId);
    const p = await open({ viewport });
    await signInAs(p.page, userId);
    const keys = { rooms: [] as string[], jobs: [] as string[] };
    p.page.on('request', (r: Request) => {
      const path = new URL(r.url()).pathname;
      if (r.method() === 'POST' && path === '/rooms') keys.rooms.push(r.headers()['idempotency-key'] ?? '');
      if (r.method() === 'POST' && path === '/jobs') keys.jobs.push(r.headers()['idempotency-key'] ?? '');
    });
    // The server does the work; its answer never reaches the page (a dropped connection).
    const loseFirstAnswer = async (path: string) => {
      let lost = false;
      await p.page.route(`**${path}`, async (route) => {
        if (route.request().method() !== 'POST' || lost) return route.continue();
        lost = true;
        await route.fetch();
        await route.abort('connectionreset');
      });
    };

    await loseFirstAnswer('/rooms');
    await p.page.fill('[data-testid=new-room-name]', 'Only once');
    await p.page.click('[data-testid=create-room]');
    await toastWith(p.page, 'The API cannot be reached').waitFor();
    // The name is still there: the user asks again.
    expect(await p.page.locator('[data-testid=new-room-name]').inputValue()).toBe('Only once');
    await p.page.click('[data-testid=create-room]');
    await p.page.locator('[data-testid=room-link]', { hasText: 'Only once' }).waitFor({ state: 'attached' });
    expect(keys.rooms).toHaveLength(2);
    expect(keys.rooms[1]).toBe(keys.rooms[0]);
    const api = apiClient(() => stack);
    const rooms = (await api('GET', '/rooms', { token })).body.rooms as Array<{ name: string }>;
    expect(rooms.filter((r) => r.name === 'Only once')).toHaveLength(1);
    expect(await p.page.locator('[data-testid=room-link]', { hasText: 'Only once' }).count()).toBe(1);

    if (width === 'phone') await p.page.click('[data-testid=back-to-rooms]');
    await loseFirstAnswer('/jobs');
    await p.page.click('[data-testid=start-job]');
    await toastWith(p.page, 'The API cannot be reached').nth(0).waitFor();
    await p.page.click('[data-testid=start-job]');
    await p.page.locator('[data-testid=job][data-status=succeeded]').waitFor({ timeout: 15_000 });
    expect(keys.jobs).toHaveLength(2);
    expect(keys.jobs[1]).toBe(keys.jobs[0]);
    expect(((await api('GET', '/jobs', { token })).body.jobs as unknown[]).length).toBe(1);
    expect(await p.page.locator('[data-testid=job]').count()).toBe(1);
    expect(unexpected(p.errors)).toEqual([]);
  });
});
