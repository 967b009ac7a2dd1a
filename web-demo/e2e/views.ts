/**
 * Helpers for the end-to-end files of issue 22's views: both widths, axe-core in light and dark, where things are on
 * screen (the part of the window a room is read in: below its sticky header, above its sticky composer).
 */
import type { Locator, Page } from 'playwright-core';
import { type AxeFinding, axeViolations, DESKTOP, historyLoaded, PHONE, roomLink } from './browser.js';

/** Every test of these files runs at both widths. */
export const WIDTHS = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

/** axe-core on the view as it is now, in light and in dark mode (back to light after). */
export async function axeLightAndDark(page: Page, view: string): Promise<Array<AxeFinding & { where: string }>> {
  const found: Array<AxeFinding & { where: string }> = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    found.push(...(await axeViolations(page, `${view}, ${colorScheme}`)));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

/** Whether the element is wholly in the part of the window where the open room is read. */
export function inReadingArea(element: Locator): Promise<boolean> {
  return element.evaluate((el) => {
    const rect = el.getBoundingClientRect();
    const top = document.querySelector('.room-header')?.getBoundingClientRect().bottom ?? 0;
    const bottom = document.querySelector('.room-footer')?.getBoundingClientRect().top ?? window.innerHeight;
    return rect.height > 0 && rect.top >= top - 1 && rect.bottom <= bottom + 1;
  });
}

/** The element's top, in window coordinates. */
export const topOf = (element: Locator): Promise<number> => element.evaluate((el) => el.getBoundingClientRect().top);

/** Whether two elements' boxes overlap. */
export async function overlap(a: Locator, b: Locator): Promise<boolean> {
  const [ra, rb] = [await a.boundingBox(), await b.boundingBox()];
  if (!ra || !rb) return false;
  return ra.x < rb.x + rb.width && rb.x < ra.x + ra.width && ra.y < rb.y + rb.height && rb.y < ra.y + ra.height;
}

/** Opens a room from the list, going back to the list first on a phone (one pane at a time), and waits for its history. */
export async function openFromList(page: Page, roomId: string): Promise<void> {
  await showFromList(page, roomId);
  await historyLoaded(page, roomId);
}

/** Opens a room from the list without waiting for its history (which may fail, as the test wants). */
export async function showFromList(page: Page, roomId: string): Promise<void> {
  const back = page.locator('[data-testid=back-to-rooms]');
  if (!(await roomLink(page, roomId).isVisible()) && (await back.isVisible())) await back.click();
  await roomLink(page, roomId).click();
  await page.locator(`[data-testid="room-${roomId}"]`).waitFor();
}

/** What a user id may be for a test at a width: distinct per width, so the two runs never share rooms. */
export const userFor = (name: string, width: string) => `${name}-${width}`;

/** The messages of the open room, and its newest one. */
export const messagesOf = (page: Page, roomId: string) => page.locator(`[data-testid="room-${roomId}"] [data-testid=message]`);
