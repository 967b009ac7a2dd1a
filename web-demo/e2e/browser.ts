/** Debian's Chromium driven by playwright-core, with a per-page record of console errors, and the page's helpers. */
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Console warnings (the page must print none either). */
  warnings: string[];
}

/** Records what the page prints, and every state the connection badge takes (kept across reloads). */
async function watch(page: Page, context: BrowserContext): Promise<WatchedPage> {
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    const states: string[] = [];
    (window as unknown as { connectionStates: string[] }).connectionStates = states;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as HTMLElement;
        if (el.dataset?.testid === 'connection' && el.dataset.state && states.at(-1) !== el.dataset.state) states.push(el.dataset.state);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  return { page, context, errors, warnings };
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
}

/** A new browser (its own storage, as another device would have) with one tab at `url`. */
export async function openPage(browser: Browser, url: string, options: PageOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP, colorScheme: options.colorScheme ?? 'light' });
  const watched = await watch(await context.newPage(), context);
  await watched.page.goto(url);
  return watched;
}

/** Another tab of the same browser (shared localStorage and Web Locks, its own sessionStorage). */
export async function openTab(of: WatchedPage, url: string): Promise<WatchedPage> {
  const watched = await watch(await of.context.newPage(), of.context);
  await watched.page.goto(url);
  return watched;
}

/** The states the connection badge took since the page loaded, in order. */
export function connectionStates(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { connectionStates: string[] }).connectionStates);
}

/** Live and subscribed. */
export async function connected(page: Page, timeout = 20_000): Promise<void> {
  await page.waitForSelector('[data-testid=connection][data-state=connected]', { timeout });
  await page.waitForSelector('body[data-ready=true]', { timeout });
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

export function toastWith(page: Page, text: string) {
  return page.locator('[data-testid=toast]', { hasText: text });
}

/** Chromium logs every WebSocket it could not open: expected while the realtime service is down, nothing else. */
export const refusedSockets = (errors: readonly string[]) => errors.filter((e) => !/^WebSocket connection to '.*' failed/.test(e));

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** One axe-core finding, short enough to read in a failed assertion. */
export interface AxeFinding {
  rule: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core on the page as it is now: WCAG 2.0, 2.1 and 2.2 A and AA rules plus axe's best practices. Returns the
 * violations (an empty list is the goal), each with the elements it found, labelled with `where` for the report.
 */
export async function axeViolations(page: Page, where: string): Promise<Array<AxeFinding & { where: string }>> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SOURCE });
  const found = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: unknown,
          ): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }> }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return result.violations.map((v) => ({ rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return found.map((f) => ({ ...f, where }));
}

/** The open confirmation dialog (remove, leave, sign out), answered: its confirming button, or Cancel. */
export async function answerConfirm(page: Page, confirm: boolean): Promise<void> {
  const dialog = page.locator('[data-testid=confirm-dialog][open]');
  await dialog.waitFor();
  await dialog.locator(confirm ? '[data-testid=confirm-ok]' : '[data-testid=confirm-cancel]').click();
  await dialog.waitFor({ state: 'detached' });
}

/** Signs out from the top bar, confirming when it asks. */
export async function signOutConfirmed(page: Page): Promise<void> {
  await page.click('[data-testid=sign-out]');
  await answerConfirm(page, true);
  await page.locator('[data-testid=signin-alice]').waitFor();
}
