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

export async function signIn(page: Page, user: 'alice' | 'bob' | 'carol' | 'guest'): Promise<void> {
  await page.click(`[data-testid=signin-${user}]`);
  await page.waitForSelector('[data-testid=connection][data-state=connected]', { timeout: 20_000 });
  await page.waitForSelector('body[data-ready=true]', { timeout: 20_000 });
}

export async function post(page: Page, room: string, text: string): Promise<void> {
  await page.fill(`[data-testid=input-${room}]`, text);
  await page.click(`[data-testid=send-${room}]`);
}

export function messageIn(page: Page, room: string, text: string) {
  return page.locator(`[data-testid=room-${room}] [data-testid=message]`, { hasText: text });
}
