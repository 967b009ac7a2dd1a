/** Debian's Chromium driven by playwright-core, with a per-page record of console errors. */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  errors: string[];
}

export async function openPage(browser: Browser, url: string, viewport = { width: 1280, height: 800 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, context, errors };
}

async function connected(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid=connection][data-state=connected]', { timeout: 20_000 });
  await page.waitForSelector('body[data-ready=true]', { timeout: 20_000 });
}

/** A demo user's button on the sign-in screen. */
export async function signIn(page: Page, user: 'alice' | 'bob' | 'carol' | 'guest'): Promise<void> {
  await page.click(`[data-testid=signin-${user}]`);
  await connected(page);
}

/** Any other app user id (the local token issuer signs for any valid id). */
export async function signInAs(page: Page, userId: string): Promise<void> {
  await page.fill('[data-testid=signin-other-input]', userId);
  await page.click('[data-testid=signin-other]');
  await connected(page);
}

/** A Cognito user of the user pool (the emulator's), through Amplify's sign-in; returns their identity id as shown. */
export async function signInCognitoUser(page: Page, username: string, password: string): Promise<string> {
  await page.fill('[data-testid=cognito-username]', username);
  await page.fill('[data-testid=cognito-password]', password);
  await page.click('[data-testid=signin-cognito]');
  await connected(page);
  return (await page.locator('[data-testid=my-user-id]').textContent()) ?? '';
}

/** The room's entry in the room list (attribute values quoted: room ids may start with a digit). */
export function roomLink(page: Page, roomId: string) {
  return page.locator(`[data-testid=room-link][data-room-id="${roomId}"]`);
}

/** Opens the room from the list and waits until its history is in. */
export async function openRoom(page: Page, roomId: string): Promise<void> {
  await roomLink(page, roomId).click();
  await historyLoaded(page, roomId);
}

export async function historyLoaded(page: Page, roomId: string): Promise<void> {
  await page.locator(`[data-testid="room-${roomId}"][data-history=loaded]`).waitFor({ timeout: 10_000 });
}

export async function post(page: Page, roomId: string, text: string): Promise<void> {
  await page.fill(`[data-testid="input-${roomId}"]`, text);
  await page.click(`[data-testid="send-${roomId}"]`);
}

export function messageIn(page: Page, roomId: string, text: string) {
  return page.locator(`[data-testid="room-${roomId}"] [data-testid=message]`, { hasText: text });
}

/** The texts of the open room's messages, in the order shown. */
export function textsIn(page: Page, roomId: string): Promise<string[]> {
  return page.locator(`[data-testid="room-${roomId}"] [data-testid=message] .text`).allTextContents();
}
