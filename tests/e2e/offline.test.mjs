// Selling through an outage, in headless Chromium against the real binary: the server is
// killed (SIGKILL) and started again on the same database and secrets.
// Run: MASKPORTAL_BIN=target/debug/maskportal node --test tests/e2e/  (see .ci/run)

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { launchBrowser, openCounter, shot, signIn, text, untilRows, untilText } from './browser.mjs';
import { residentId, startService } from './server.mjs';

let service;
let browser;

before(async () => {
  service = await startService();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await service?.stop();
});

/** The portal or open API as another device calls it. */
async function api(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const reply = await fetch(`${service.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: reply.status, body: await reply.json() };
}

async function apiSignIn(clerk) {
  const reply = await api('POST', '/portal/v1/sessions', {
    body: { username: clerk.username, password: clerk.password, device_id: crypto.randomUUID(), device_name: 'API' },
  });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.token;
}

/** Waits for `check` (async) to return something truthy, and returns it. */
async function eventually(check, what) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within 15 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Everything the page keeps in this browser: IndexedDB, localStorage, sessionStorage, Cache Storage. */
const keptInBrowser = (page) => page.evaluate(async () => {
  const parts = [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })];
  const describeKey = (key, value) => (value instanceof CryptoKey
    ? { cryptoKey: value.algorithm.name, extractable: value.extractable, usages: value.usages }
    : value);
  for (const { name } of await indexedDB.databases()) {
    const db = await new Promise((resolve, reject) => {
      const opening = indexedDB.open(name);
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
    for (const storeName of db.objectStoreNames) {
      const [keys, values] = await new Promise((resolve, reject) => {
        const tx = db.transaction(storeName);
        const keysRead = tx.objectStore(storeName).getAllKeys();
        const valuesRead = tx.objectStore(storeName).getAll();
        tx.oncomplete = () => resolve([keysRead.result, valuesRead.result]);
        tx.onerror = () => reject(tx.error);
      });
      parts.push(`${name}/${storeName}`, JSON.stringify(keys), JSON.stringify(values, describeKey));
    }
    db.close();
  }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) parts.push(request.url, await (await cache.match(request)).text());
  }
  return parts.join('\n');
});

/** What would give a number away: itself in any layout, or an unkeyed hash or encoding of it. */
function traces(id) {
  const digits = id.replace('-', '');
  const found = [id, digits];
  for (const form of [digits, id]) {
    const hash = createHash('sha256').update(form).digest();
    found.push(hash.toString('hex'), hash.toString('base64'), hash.toString('base64url'), Buffer.from(form).toString('base64'));
  }
  return found;
}

/** The back seven digits on their own (inside base64 they would be chance, not a number). */
const backHalf = (id) => new RegExp(`(?<![0-9A-Za-z_-])${id.slice(7)}(?![0-9A-Za-z_-])`);

describe('selling through an outage', () => {
  let context;
  let page;
  let problems;
  const clerk = () => service.clerks.a;
  const siteCode = () => service.clerks.a.site.code;
  const buyers = {
    late: residentId(1993, 20), // sent live, its answer lost
    a: residentId(1983, 21),
    b: residentId(1988, 22),
    wrongDay: residentId(1981, 23),
    e: residentId(1998, 24),
  };
  const paper = [
    [residentId(2003, 31), '1', '09:10', '2003년생 1개 · 09:10'],
    [residentId(1973, 32), '2', '09:20', '1973년생 2개 · 09:20'],
    [residentId(1992, 33), '1', '3-10 17:45', '1992년생 1개 · 3월 10일 17:45'], // yesterday, a Tuesday: 2·7
  ];
  const pageToken = () => page.evaluate(() => JSON.parse(sessionStorage.getItem('maskportal.session')).token);
  const queueRows = () => page.locator('#queue-body tr').count();

  before(async () => {
    ({ context, page, problems } = await openCounter(browser, service));
  });

  it('gets ready while the server answers: the page held by its service worker, the rules and key kept', async () => {
    await signIn(page, clerk(), '1번 계산대');
    await untilText(page, '#site-name', '망원온누리약국');
    await page.fill('#stock-in-quantity', '20');
    await page.click('#stock-in-submit');
    await untilText(page, '#stock-result', '입고 기록됨: 20개 · 재고 20개');
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await eventually(async () => {
      const kept = await keptInBrowser(page);
      return kept.includes('"seal-key"') && kept.includes('"policy"');
    }, 'the policy and the seal key are kept in IndexedDB');
  });

  it('queues a sale whose answer does not come within 4 s, and sends it once', async () => {
    await page.route('**/portal/v1/sales', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      // The sale reaches the server and is recorded; its answer is held until the page gives up.
      await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 6000));
      return route.abort('timedout').catch(() => {});
    });
    await page.fill('#resident-id', buyers.late);
    await page.locator('#eligibility.is-eligible').waitFor();

    await page.press('#resident-id', 'Enter');

    await untilText(page, '#sale-result', '오프라인 대기열에 넣었습니다: 1993년생 2개 · 추정 재고 18개');
    await untilText(page, '#connection-banner', '서버 응답 없음 — 오프라인으로 판매 중입니다. 대기 중인 판매 1건');
    await page.unroute('**/portal/v1/sales');
    // The server answers the next probe: the queue goes, and the sale is there once.
    await untilText(page, '#sync-result', '보냄: 1건 기록됨');
    assert.match(await text(page, '#sync-report'), /1993년생 2개 — .*이미 기록/);
    await untilRows(page, 1);
    await untilText(page, '#on-hand', '18');
    assert.ok(await page.isHidden('#connection-banner'));
  });

  it('sells on when the server is killed: checks on the page, queues, counts the stock down', async () => {
    await service.kill();

    await page.fill('#resident-id', buyers.a);
    await page.locator('#eligibility.is-eligible').waitFor();
    assert.match(await text(page, '#eligibility'), /오프라인 확인/);
    await untilText(page, '#connection-banner', '서버 응답 없음 — 오프라인으로 판매 중입니다. 대기 중인 판매 0건');
    assert.equal(await page.inputValue('#quantity'), '2');
    await page.press('#resident-id', 'Enter');
    await untilText(page, '#sale-result', '오프라인 대기열에 넣었습니다: 1983년생 2개 · 추정 재고 16개');

    await page.fill('#resident-id', buyers.b);
    await page.locator('#eligibility.is-eligible').waitFor();
    await page.press('#resident-id', 'Enter');
    await untilText(page, '#sale-result', '오프라인 대기열에 넣었습니다: 1988년생 2개 · 추정 재고 14개');

    // Refused on the page: not their day.
    await page.fill('#resident-id', buyers.wrongDay);
    await untilText(page, '#eligibility.is-refused', '오늘은 3·8년생 구매일입니다 — 다음 구매 가능일: 토요일 (3월 14일)');
    assert.ok(await page.isDisabled('#sell'));
    await page.press('#resident-id', 'Escape');

    // Refused on the page: this device has already sold this person the week's quota.
    await page.fill('#resident-id', buyers.a);
    await untilText(page, '#eligibility.is-refused', '이번 주 구매 한도 2개를 모두 구매했습니다');
    assert.match(await text(page, '#eligibility'), /이번 주 구매 \(이 기기\)\s+2 \/ 2개/);
    await page.press('#resident-id', 'Enter');
    await page.press('#resident-id', 'Escape');

    await page.fill('#resident-id', buyers.e);
    await page.locator('#eligibility.is-eligible').waitFor();
    await page.press('#resident-id', 'Enter');
    await untilText(page, '#sale-result', '오프라인 대기열에 넣었습니다: 1998년생 2개 · 추정 재고 12개');

    await untilText(page, '#connection-banner', '대기 중인 판매 3건');
    assert.equal(await text(page, '#on-hand'), '12');
    assert.ok(await page.isVisible('#on-hand-mark'));
    assert.equal(await text(page, '#on-hand-mark'), '추정');
    assert.match(await text(page, '#stock-estimate'), /마지막 연결 때 18개 − 대기 중인 판매 6개/);
    assert.equal(await queueRows(), 3);
    assert.match(await text(page, '#queue-summary'), /서버에 보내지 않은 판매 3건/);
    await shot(page, 'offline-banner');
  });

  it('keeps the page, the session and the queue through a reload while the server is down', async () => {
    await page.reload();

    await untilText(page, '#site-name', '망원온누리약국');
    await untilText(page, '#connection-banner', '서버 응답 없음 — 오프라인으로 판매 중입니다. 대기 중인 판매 3건');
    assert.equal(await queueRows(), 3);
    assert.equal(await text(page, '#on-hand'), '12');
    await page.evaluate(() => document.getElementById('queue-panel').scrollIntoView({ block: 'center' }));
    await shot(page, 'offline-queue');
    // The rules and the key came back from IndexedDB: the page still checks.
    await page.fill('#resident-id', buyers.a);
    await untilText(page, '#eligibility.is-refused', '이번 주 구매 한도 2개를 모두 구매했습니다');
    await page.press('#resident-id', 'Escape');
    // In English too.
    await page.click('#lang-toggle');
    await untilText(page, '#connection-banner', 'No answer from the server — selling offline. 3 queued sales are sent automatically');
    assert.match(await text(page, '#stock-estimate'), /Estimate: 18 at last contact \(10:0\d\) − 6 in queued sales/);
    assert.match(await text(page, '#queue-summary'), /3 sales not sent to the server/);
    await page.click('#lang-toggle');
  });

  it('keeps no resident number in the browser: sealed, or a keyed hash under a key that cannot leave', async () => {
    const kept = await keptInBrowser(page);
    assert.match(kept, /"sealed":\{"kid":"[0-9a-f]{16}","epk":"[A-Za-z0-9_-]{87}","iv":"[A-Za-z0-9_-]{16}","ciphertext":"/);
    assert.match(kept, /"cryptoKey":"HMAC","extractable":false,"usages":\["sign"\]/);
    const cached = await page.evaluate(async () => {
      const urls = [];
      for (const name of await caches.keys()) {
        for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
      }
      return urls;
    });
    assert.ok(cached.includes('/') && cached.some((url) => url === '/assets/counter.js'), cached.join(' '));
    assert.deepEqual(cached.filter((url) => !/^\/(counter)?$|^\/assets\//.test(url)), [], 'only the page and its assets are cached');
    for (const id of [...Object.values(buyers), ...paper.map(([number]) => number)]) {
      for (const trace of traces(id)) assert.ok(!kept.includes(trace), `${trace} (of ${id}) is kept in the browser`);
      assert.doesNotMatch(kept, backHalf(id), `the back half of ${id} is kept in the browser`);
    }
  });

  it('sends the queue after a sign-in once the server is back, and shows what broke a rule', async () => {
    // The browser is off the network too while the server restarts, so another site's sale
    // lands first: the same person buys their quota at another site meanwhile.
    await context.setOffline(true);
    // Half an hour on: this device's session idled out during the outage.
    await service.restart({ advance: 30 * 60 * 1000 });
    const other = await apiSignIn(service.clerks.b);
    const key = () => crypto.randomUUID();
    assert.equal((await api('POST', '/portal/v1/stock-in', { token: other, body: { quantity: 10, client_key: key() } })).status, 201);
    const elsewhere = await api('POST', '/portal/v1/sales', { token: other, body: { resident_id: buyers.a, quantity: 2, client_key: key() } });
    assert.equal(elsewhere.status, 201, JSON.stringify(elsewhere.body));
    await context.setOffline(false);

    await untilText(page, '#sign-in-notice', '오랫동안 사용하지 않아 자동으로 로그아웃되었습니다');
    await untilText(page, '#queue-waiting', `이 기기에 아직 서버에 기록되지 않은 판매 3건이 있습니다 (판매처 ${siteCode()})`);
    await signIn(page, clerk(), '1번 계산대');

    await untilText(page, '#sync-result', '보냄: 3건 기록됨 (그중 1건은 확인 필요)');
    assert.equal(await queueRows(), 0);
    assert.ok(await page.isHidden('#connection-banner'));
    const report = await text(page, '#sync-report');
    assert.match(report, /1983년생 2개 — 기록됨 \(판매 \d+번\) · 확인 필요: 주간 구매 한도 초과 \(다른 곳에서 이미 구매함\)/);
    assert.match(report, /1988년생 2개 — 기록됨/);
    assert.match(report, /1998년생 2개 — 기록됨/);
    await untilRows(page, 4);
    await untilText(page, '#conflict-list', '주간 구매 한도 초과 (다른 곳에서 이미 구매함)');
    assert.match(await text(page, '#conflict-list'), /판매 \d+번 · 10:0\d · 1983년생 2개/);
    await page.evaluate(() => document.getElementById('conflicts-panel').scrollIntoView({ block: 'center' }));
    await shot(page, 'offline-conflict');
  });

  it('reloads through its service worker while the server answers, and stays signed in', async () => {
    await page.reload();
    await untilText(page, '#site-name', '망원온누리약국');
    await untilRows(page, 4);
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null));
    assert.ok(await page.isHidden('#connection-banner'));
  });

  it('records each sale once, in the day\'s list and on the open API', async () => {
    const token = await pageToken();
    const day = await api('GET', '/portal/v1/sales', { token });
    assert.deepEqual(day.body.sales.map((sale) => [sale.birth_year, sale.quantity]).sort(),
      [[1983, 2], [1988, 2], [1993, 2], [1998, 2]]);
    assert.equal(await text(page, '#on-hand'), '12');
    await eventually(async () => {
      const store = await api('GET', `/v2/stores/${siteCode()}`);
      return store.body.remaining === 12;
    }, 'the open API shows 12 left');
  });

  it('asks the clerk to check the conflict and records the note', async () => {
    const note = page.locator('#conflict-list input');
    await page.locator('#conflict-list button').click();
    await untilText(page, '#conflict-result', '확인 메모를 입력하세요');
    await note.fill('구매자에게 이번 주 한도를 안내함');
    await note.press('Enter');

    await untilText(page, '#conflict-result', /판매 \d+번을 확인했습니다/);
    assert.equal(await page.locator('#conflict-list li').count(), 0);
    const token = await pageToken();
    assert.deepEqual((await api('GET', '/portal/v1/conflicts', { token })).body.conflicts, []);
    const resolved = (await api('GET', '/portal/v1/conflicts?status=resolved', { token })).body.conflicts;
    assert.deepEqual(resolved.map((c) => [c.code, c.note]), [['over_quota', '구매자에게 이번 주 한도를 안내함']]);
  });

  it('takes paper logs from the keyboard at their own times, and sends them once though an answer is lost', async () => {
    let lost = false;
    await page.route('**/portal/v1/sales/batch', async (route) => {
      if (lost) return route.continue();
      // The first batch is recorded, but its answer never arrives: the page sends it again.
      lost = true;
      await route.fetch();
      return route.abort('connectionreset');
    });
    await page.click('#paper-panel summary');
    await page.locator('#paper-id').waitFor();
    for (const [number, quantity, time, said] of paper) {
      await page.focus('#paper-id');
      await page.keyboard.type(number.replace('-', ''));
      await page.keyboard.press('Enter');
      await page.keyboard.type(quantity);
      await page.keyboard.press('Enter');
      await page.keyboard.type(time);
      await page.keyboard.press('Enter');
      await untilText(page, '#paper-result', `대기열에 추가했습니다: ${said}`);
      assert.equal(await page.evaluate(() => document.activeElement.id), 'paper-id', 'ready for the next line');
      assert.equal(await page.inputValue('#paper-id'), '');
    }
    await untilText(page, '#sync-result', '보냄: 3건 기록됨');
    await page.unroute('**/portal/v1/sales/batch');
    assert.equal(await queueRows(), 0);
    assert.match(await text(page, '#sync-report'), /09:10 · 2003년생 1개 — 이미 기록되어 있음/);

    const token = await pageToken();
    const today = (await api('GET', '/portal/v1/sales', { token })).body.sales;
    assert.deepEqual(today.filter((sale) => [2003, 1973].includes(sale.birth_year)).map((sale) => [sale.sold_at, sale.quantity]),
      [['2020-03-11T09:10:00+09:00', 1], ['2020-03-11T09:20:00+09:00', 2]]);
    const yesterday = (await api('GET', '/portal/v1/sales?date=2020-03-10', { token })).body.sales;
    assert.deepEqual(yesterday.map((sale) => [sale.sold_at, sale.birth_year, sale.quantity]), [['2020-03-10T17:45:00+09:00', 1992, 1]]);
    await untilRows(page, 6);
    assert.deepEqual((await api('GET', '/portal/v1/conflicts', { token })).body.conflicts, [], 'the paper sales broke no rule');
  });

  it('shows a sale the server refused until the clerk has seen it, through a reload and a sign-out', async () => {
    // Written on paper on Sunday 8 March, before the rationing began: no rule could allow it.
    await page.fill('#paper-id', residentId(1984, 34));
    await page.fill('#paper-quantity', '1');
    await page.fill('#paper-time', '3-8 17:00');
    await page.press('#paper-time', 'Enter');
    await untilText(page, '#sync-result', '보냄: 0건 기록됨 · 1건 거절됨');
    const refused = page.locator('#queue-body tr.queued-refused');
    await untilText(page, '#queue-body tr.queued-refused', '거절됨 — 기록되지 않았습니다: 공적 마스크 판매 기간이 아닙니다');
    assert.match(await text(page, '#queue-summary'), /서버가 거절해 확인이 필요한 판매 1건/);

    await page.reload();
    await untilText(page, '#queue-body tr.queued-refused', '3월 8일 17:00');
    await page.click('#sign-out');
    await untilText(page, '#queue-waiting', '아직 서버에 기록되지 않은 판매 1건');
    await signIn(page, clerk(), '1번 계산대');
    await untilText(page, '#queue-body tr.queued-refused', '거절됨');

    await refused.locator('button').click(); // 확인: seen
    await untilRows(page, 0, '#queue-body tr');
    assert.ok(await page.isHidden('#queue-table'));
    assert.doesNotMatch(await keptInBrowser(page), /"state":"refused"/);
  });

  it('had no script errors or CSP violations', () => {
    assert.deepEqual(problems, []);
  });
});
