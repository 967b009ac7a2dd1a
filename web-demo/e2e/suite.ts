/**
 * The set-up every end-to-end file shares: one local stack and one Chromium for the file, every page's context closed
 * after each test, both stopped at the end. The file keeps its own `stack` and `browser` variables, set when ready, and
 * opens pages of the demo with the returned `open` (each page's context is closed after the test).
 */
import type { Browser } from 'playwright-core';
import { launchChromium, openPage, type PageOptions, type WatchedPage } from './browser.js';
import { type E2eStack, startE2eStack } from './stack.js';

export function useE2eSuite(
  pages: WatchedPage[],
  ready: (stack: E2eStack, browser: Browser) => void,
  options: Parameters<typeof startE2eStack>[0] = {},
): { open: (options?: PageOptions) => Promise<WatchedPage> } {
  let stack: E2eStack | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    stack = await startE2eStack(options);
    browser = await launchChromium();
    ready(stack, browser);
  }, 60_000);

  afterEach(async () => {
    await Promise.all([...new Set(pages.splice(0).map((p) => p.context))].map((c) => c.close()));
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  return {
    /** A new page (in its own context) on the demo's start page. */
    async open(pageOptions?: PageOptions): Promise<WatchedPage> {
      if (!stack || !browser) throw new Error('the suite is not ready yet: open pages inside tests');
      const page = await openPage(browser, stack.web!.url, pageOptions);
      pages.push(page);
      return page;
    },
  };
}
