/**
 * The set-up every end-to-end file shares: one local stack and one Chromium for the file, every page's context closed
 * after each test, both stopped at the end. The file keeps its own `stack` and `browser` variables, set when ready.
 */
import type { Browser } from 'playwright-core';
import { launchChromium, type WatchedPage } from './browser.js';
import { type E2eStack, startE2eStack } from './stack.js';

export function useE2eSuite(pages: WatchedPage[], ready: (stack: E2eStack, browser: Browser) => void, options: Parameters<typeof startE2eStack>[0] = {}): void {
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
}
