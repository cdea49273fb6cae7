// The operator's console in headless Chromium against the real binary: sign-in, the national
// figures against the admin API, a CSV import and its report, halting a site, revoking a key.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startConsoleService } from './console-server.mjs';
import { residentId } from './server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, 'artifacts');
const DOCS = path.join(HERE, '../../docs');
const DESKTOP = { width: 1280, height: 900 };

let service;
let browser;
let apiToken;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  service = await startConsoleService();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  apiToken = await service.token(service.admin, 'e2e-side-channel');
});

after(async () => {
  await browser?.close();
  await service?.stop();
});

async function admin(method, route, body) {
  const reply = await fetch(`${service.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${apiToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: reply.status, body: reply.status === 204 ? null : await reply.json() };
}

async function asClerk(clerk, route, body) {
  const token = await service.token(clerk, `counter-${clerk.username}`);
  const reply = await fetch(`${service.url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(reply.status, 201, await reply.text());
}

async function openConsole() {
  const context = await browser.newContext({ viewport: DESKTOP, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(message.text());
  });
  page.on('dialog', (dialog) => dialog.accept());
  await page.goto(`${service.url}/console`);
  await page.fill('#username', service.admin.username);
  await page.fill('#password', service.admin.password);
  await page.press('#password', 'Enter');
  await page.waitForSelector('#view-now:not([hidden])');
  return { context, page, problems };
}

const digits = (text) => Number(text.replace(/[^0-9-]/g, ''));

async function eventually(check, what, within = 15_000) {
  const deadline = Date.now() + within;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`not within ${within} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the operator console', () => {
  it('signs an operator in, in Korean, and refuses a clerk', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'ko-KR' });
    const page = await context.newPage();
    await page.goto(`${service.url}/console`);
    assert.equal(await page.getAttribute('html', 'lang'), 'ko');
    await page.fill('#username', service.clerks[0].username);
    await page.fill('#password', service.clerks[0].password);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForSelector('#message.error');
    assert.match(await page.textContent('#message'), /운영자 계정이 아닙니다/);
    assert.equal(await page.isVisible('#view-now'), false);
    await context.close();

    const { context: ops, page: console, problems } = await openConsole();
    assert.equal(await console.textContent('.tab[aria-current="page"]'), '현황');
    await console.click('#lang-toggle');
    assert.equal(await console.textContent('.tab[aria-current="page"]'), 'Now');
    await console.click('#lang-toggle');
    await console.keyboard.press('Alt+2');
    await console.waitForSelector('#view-sites:not([hidden])');
    assert.deepEqual(problems, []);
    await ops.close();
  });

  it('shows the national figures the database holds, and follows a sale within seconds', async () => {
    await asClerk(service.clerks[0], '/portal/v1/stock-in', { quantity: 150, client_key: crypto.randomUUID() });
    await asClerk(service.clerks[1], '/portal/v1/stock-in', { quantity: 40, client_key: crypto.randomUUID() });
    const { context, page, problems } = await openConsole();
    const figures = async () => ({
      onHand: digits(await page.textContent('#fig-on-hand')),
      sold: digits(await page.textContent('#fig-sold-today')),
      plenty: digits(await page.textContent('[data-status="plenty"]')),
      some: digits(await page.textContent('[data-status="some"]')),
    });
    await eventually(async () => (await figures()).onHand === 190, 'on-hand 190');
    await asClerk(service.clerks[0], '/portal/v1/sales', { resident_id: residentId(1983, 1), quantity: 2, client_key: crypto.randomUUID() });
    await eventually(async () => (await figures()).sold === 2, 'the sale shows on the dashboard');
    const shown = await figures();
    const { body: truth } = await admin('GET', '/admin/v1/dashboard');
    assert.deepEqual(shown, { onHand: truth.on_hand, sold: truth.sold_today, plenty: truth.by_status.plenty, some: truth.by_status.some });
    assert.deepEqual(shown, { onHand: 188, sold: 2, plenty: 1, some: 1 });
    const seoul = await page.locator('#sido-rows tr', { hasText: '서울특별시' }).textContent();
    assert.match(seoul, /148/);
    await page.waitForSelector('#chart canvas');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-now.png'), fullPage: true });
    copyFileSync(path.join(ARTIFACTS, 'console-now.png'), path.join(DOCS, 'console-now.png'));
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('imports a CSV: every bad row reported by line, then the clean file applied', async () => {
    const { context, page, problems } = await openConsole();
    await page.click('.tab[data-view="sites"]');
    const header = 'code,name,addr,type,lat,lng\n';
    const good = '30000001,"새봄약국, 본점",서울특별시 종로구 종로 1,01,37.57,126.98\n30000002,청주우체국,충청북도 청주시 상당구 상당로 1,02,36.63,127.49\n';
    const bad = `${header}${good}30000003,약국,서울특별시 종로구 종로 3,07,37.57,126.98\nabc,약국,서울특별시 종로구 종로 4,01,37.57,126.98\n`;
    await page.setInputFiles('#import-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.click('#import-form button[type=submit]');
    await page.waitForSelector('#import-rows');
    const lines = await page.$$eval('#import-rows tbody td:first-child', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(lines, ['4', '5']);
    assert.equal((await admin('GET', '/admin/v1/sites?q=3000000')).body.total, 0, 'nothing applied');
    await page.setInputFiles('#import-file', { name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(header + good) });
    await page.click('#import-form button[type=submit]');
    await page.waitForSelector('#import-done');
    assert.equal(await page.textContent('#import-done'), '추가 2 · 변경 0 · 그대로 0');
    assert.equal((await admin('GET', '/admin/v1/sites?q=3000000')).body.total, 2);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('halts a site, and the open API shows it as break', async () => {
    const { context, page, problems } = await openConsole();
    await page.click('.tab[data-view="sites"]');
    await page.fill('#site-q', '11817488');
    await page.press('#site-q', 'Enter');
    await page.click('#site-rows button.rowlink');
    await page.waitForSelector('#site-detail:not([hidden])');
    await page.click('#detail-halt');
    await page.waitForSelector('#detail-status[data-status="break"]');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-sites.png'), fullPage: true });
    copyFileSync(path.join(ARTIFACTS, 'console-sites.png'), path.join(DOCS, 'console-sites.png'));
    await eventually(async () => {
      const reply = await fetch(`${service.url}/corona19-masks/v1/storesByGeo/json?lat=37.5563&lng=126.9019&m=100`);
      const stores = (await reply.json()).stores ?? [];
      return stores.some((store) => store.code === '11817488' && store.remain_stat === 'break');
    }, 'break on storesByGeo');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('revokes an API key after confirmation, and the key is refused', async () => {
    const stores = () => fetch(`${service.url}/corona19-masks/v1/stores/json`, { headers: { 'x-api-key': service.apiKey } });
    assert.equal((await stores()).status, 200);
    const { context, page, problems } = await openConsole();
    await page.click('.tab[data-view="keys"]');
    await page.waitForSelector('#key-rows tr');
    assert.doesNotMatch(await page.textContent('#key-rows'), /mpk_/);
    await page.click('#key-rows tr button');
    await page.waitForSelector('#key-rows tr:has-text("폐기됨")');
    await eventually(async () => (await stores()).status === 401, 'the revoked key refused');
    const { body } = await admin('GET', '/admin/v1/audit?action=api_key_revoked');
    assert.equal(body.entries[0].username, 'ops');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
