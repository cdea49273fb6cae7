// Headless Chromium (Debian's, driven by playwright-core) on the counter page, and the steps
// every test takes there.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const ARTIFACTS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'artifacts');
export const DESKTOP = { width: 1024, height: 768 };
export const TABLET = { width: 768, height: 1024 };
export const PHONE = { width: 390, height: 844 };

export async function launchBrowser() {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser profile (its own localStorage, so its own device id) on the counter page. */
export async function openCounter(browser, service, viewport = DESKTOP) {
  const context = await browser.newContext({ viewport, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A refused request (a 409 the page shows in words) is logged by Chromium as a failed
    // resource, as is one to a server that is down; anything else at error level — a script
    // error, a CSP violation — is a bug.
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(message.text());
  });
  await page.goto(`${service.url}/`);
  return { context, page, problems };
}

export async function shot(page, name, options = {}) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), ...options });
}

export async function signIn(page, clerk, deviceName) {
  await page.fill('#username', clerk.username);
  await page.fill('#password', clerk.password);
  if (deviceName) await page.fill('#device-name', deviceName);
  await page.press('#password', 'Enter');
}

export const text = (page, selector) => page.locator(selector).innerText();
export const untilText = (page, selector, expected) => page.locator(selector).filter({ hasText: expected }).waitFor();
export const focusedId = (page) => page.evaluate(() => document.activeElement && document.activeElement.id);
/** Waits until today's sales list shows `count` rows (it refreshes after each write). */
export const untilRows = (page, count, selector = '#sales-body tr') => page.waitForFunction(
  ([css, n]) => document.querySelectorAll(css).length === n, [selector, count]);
/** How far the page scrolls sideways (0 when it fits). */
export const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
