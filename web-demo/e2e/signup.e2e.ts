/**
 * Sign-up that matches the deployed user pool (issue 22), at desktop and phone widths, end to end in Chromium against
 * the local stack: the pool names users by email (username_attributes = ["email"]) and wants passwords of 12 or more
 * characters with a lowercase and an uppercase letter and a digit (infra/constructs/identity.ts). The form asks for an
 * email and a password only, lists the rules before anything is typed and marks them as they are met, refuses in words
 * before sending anything to Cognito, and signs in with the email, then and later. axe-core finds nothing in light and
 * dark with an error shown; the console stays clean.
 */
import type { Browser } from 'playwright-core';
import { connected, openPage, signOutConfirmed, type WatchedPage } from './browser.js';
import { confirmationCode, type E2eStack } from './stack.js';
import { useE2eSuite } from './suite.js';
import { axeLightAndDark, WIDTHS } from './views.js';

let stack: E2eStack;
let browser: Browser;
const pages: WatchedPage[] = [];

useE2eSuite(pages, (readyStack, readyBrowser) => {
  stack = readyStack;
  browser = readyBrowser;
});

describe.each(WIDTHS)('sign-up (%s)', (width, viewport) => {
  it('asks for an email and a password, shows and checks the rules first, and signs in with the email', async () => {
    const email = `Dana.${width}.${Date.now() % 100_000}@example.com`;
    const password = 'Winter is coming 2030';
    const p = await openPage(browser, stack.web!.url, { viewport });
    pages.push(p);
    const { page } = p;
    const cognitoCalls: string[] = [];
    page.on('request', (r) => {
      const target = r.headers()['x-amz-target'];
      if (target?.startsWith('AWSCognitoIdentityProviderService.')) cognitoCalls.push(target.split('.')[1] ?? target);
    });
    await page.click('[data-testid=signup-section] summary');
    const form = page.locator('[data-testid=signup-form]');
    // Email and password, no username; the rules are there before anything is typed.
    expect(await form.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).name))).toEqual(['email', 'new-password']);
    expect(await page.locator('[data-testid=signup-username]').count()).toBe(0);
    const rules = page.locator('[data-testid=password-rules] li');
    expect(await rules.allTextContents()).toEqual(['At least 12 characters', 'A lowercase letter', 'An uppercase letter', 'A digit (0-9)']);
    expect(await page.locator('[data-testid=signup-password]').getAttribute('aria-describedby')).toBe('signup-password-rules');

    const error = page.locator('[data-testid=signup-error]');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    await page.click('[data-testid=signup]');
    expect(await error.textContent()).toBe('Enter your email: it is your username.');
    expect(await focused()).toBe('signup-email');
    await page.fill('[data-testid=signup-email]', 'dana');
    await page.click('[data-testid=signup]');
    expect(await error.textContent()).toBe('"dana" is not an email address.');
    expect(await page.locator('[data-testid=signup-email]').getAttribute('aria-invalid')).toBe('true');

    await page.fill('[data-testid=signup-email]', email);
    await page.fill('[data-testid=signup-password]', 'short');
    expect(await rules.evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.met))).toEqual(['false', 'true', 'false', 'false']);
    await page.click('[data-testid=signup]');
    expect(await error.textContent()).toBe('The password needs at least 12 characters, an uppercase letter and a digit (0-9).');
    expect(await focused()).toBe('signup-password');
    expect(await page.locator('[data-testid=signup-password]').getAttribute('aria-invalid')).toBe('true');
    const found = await axeLightAndDark(page, `sign-up with an error, ${width}`);
    expect(cognitoCalls).toEqual([]); // nothing was sent for a form the page could tell was wrong

    await page.fill('[data-testid=signup-password]', password);
    expect(await rules.evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.met))).toEqual(['true', 'true', 'true', 'true']);
    await page.click('[data-testid=signup]');
    await page.locator('[data-testid=confirm-form]').waitFor();
    expect(cognitoCalls).toEqual(['SignUp']);
    await page.fill('[data-testid=signup-code]', confirmationCode(stack, email));
    await page.click('[data-testid=confirm-signup]');
    await connected(page);
    expect(await page.locator('[data-testid=who]').textContent()).toBe(email);

    // Later, with the email and the password.
    await signOutConfirmed(page);
    await page.fill('[data-testid=cognito-username]', email);
    await page.fill('[data-testid=cognito-password]', password);
    await page.click('[data-testid=signin-cognito]');
    await connected(page);
    expect(await page.locator('[data-testid=who]').textContent()).toBe(email);

    expect(found).toEqual([]);
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
  }, 60_000);
});
