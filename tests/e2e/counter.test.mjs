// The counter page as a clerk uses it, in headless Chromium, against the real binary.
// Run: MASKPORTAL_BIN=target/debug/maskportal node --test tests/e2e/  (see .ci/run)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
  DESKTOP, PHONE, TABLET, focusedId, launchBrowser, openCounter as open, shot, sideways, signIn, text, untilRows, untilText,
} from './browser.mjs';
import { residentId, startService } from './server.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

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

const openCounter = (viewport) => open(browser, service, viewport);

/** Korean words the layout has split across two lines (there should be none). */
const brokenWords = (page) => page.evaluate(() => {
  const broken = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const owner = node.parentElement;
    if (!owner || owner.closest('.visually-hidden, [hidden], option') || owner.getClientRects().length === 0) continue;
    for (const word of node.data.matchAll(/\S+/g)) {
      if (!/[가-힣]/.test(word[0])) continue;
      const range = document.createRange();
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom)));
      if (lines.size > 1) broken.push(word[0]);
    }
  }
  return broken;
});

describe('a clerk at the counter', () => {
  let page;
  let problems;
  const clerk = () => service.clerks.a;

  before(async () => {
    ({ page, problems } = await openCounter());
  });

  it('signs in with a device id generated once and kept in the browser', async () => {
    await page.locator('#username').waitFor();
    assert.equal(await focusedId(page), 'username');
    await shot(page, '01-sign-in');

    await signIn(page, clerk(), '1번 계산대');

    await untilText(page, '#site-name', '망원온누리약국');
    assert.equal(await text(page, '#today'), '2020년 3월 11일 (수요일)');
    // The service runs on a training clock: the page says so, with the time it runs on.
    await untilText(page, '#clock-badge', '훈련용 시계: 2020-03-11 10:0');
    assert.equal(await focusedId(page), 'resident-id', 'the ID field is ready for the first buyer');
    const deviceId = await page.evaluate(() => localStorage.getItem('maskportal.device_id'));
    assert.match(deviceId, UUID);
  });

  it('records a delivery and shows the stock as the map apps colour it', async () => {
    await page.fill('#stock-in-quantity', '120');
    await page.fill('#stock-in-reference', 'D-0311-01');
    await page.click('#stock-in-submit');

    await untilText(page, '#stock-result', '입고 기록됨: 120개 · 재고 120개');
    await untilText(page, '#on-hand', '120');
    assert.equal(await page.getAttribute('#remain-stat', 'class'), 'stat stat-plenty');
    assert.equal(await text(page, '#remain-stat'), '충분 · 100개 이상');
    assert.equal(await text(page, '#stock-at'), '10:00');
  });

  it('sells to a buyer born 1983 on a Wednesday: type the ID, see the check, Enter, next person', async () => {
    const buyer = residentId(1983, 1);
    await page.focus('#resident-id');
    await page.keyboard.type(buyer.replace('-', ''));

    await page.locator('#eligibility.is-eligible').waitFor();
    const card = await text(page, '#eligibility');
    for (const fact of ['구매 가능', '1983년생', '구매일', '오늘 (수요일)', '0 / 2개', '2개']) {
      assert.ok(card.includes(fact), `the check shows "${fact}": ${card}`);
    }
    assert.equal(await page.inputValue('#resident-id'), buyer, 'the hyphen is filled in');
    assert.equal(await page.inputValue('#quantity'), '2', 'the quantity defaults to what remains');
    await shot(page, '02-eligible');

    await page.keyboard.press('Enter');

    await untilText(page, '#sale-result', '판매 기록됨: 1983년생 2개 · 남은 재고 118개');
    assert.equal(await page.inputValue('#resident-id'), '', 'the field clears for the next person');
    assert.equal(await focusedId(page), 'resident-id');
    await untilText(page, '#on-hand', '118');
    await untilRows(page, 1);
    assert.match(await text(page, '#sales-body'), /1983년생/);

    // The ID is nowhere but where it was typed: not on the page, not in storage.
    const kept = await page.evaluate(() => [document.body.innerText, document.body.innerHTML,
      JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })].join('\n'));
    assert.ok(!kept.includes(buyer.replace('-', '').slice(6)) && !kept.includes(buyer), 'no resident ID kept');
  });

  it('refuses a buyer on the wrong rotation day, in plain words', async () => {
    await page.fill('#resident-id', residentId(1981, 2)); // as a paste: all digits at once

    await page.locator('#eligibility.is-refused').waitFor();
    const card = await text(page, '#eligibility');
    assert.ok(card.includes('오늘은 3·8년생 구매일입니다 — 다음 구매 가능일: 토요일 (3월 14일)'), card);
    assert.ok(card.includes('1981년생'), card);
    assert.ok(await page.isDisabled('#sell'));
    await shot(page, '03-refused-rotation-day');

    await page.press('#resident-id', 'Enter');
    await page.press('#resident-id', 'Escape');
    assert.equal(await page.inputValue('#resident-id'), '');
    await untilRows(page, 1); // nothing was sold
    assert.equal(await text(page, '#on-hand'), '118');
  });

  it('explains a mistyped number instead of checking it', async () => {
    const typo = residentId(1983, 7).replace(/\d$/, (d) => String((Number(d) + 1) % 10));
    await page.fill('#resident-id', typo);

    await untilText(page, '#eligibility', '마지막 숫자(검증 번호)가 맞지 않습니다');
    const card = await text(page, '#eligibility');
    assert.match(card, /^번호 오류/, 'headed as a typo, not as a refusal of the buyer');
    assert.ok(card.includes('주민등록번호를 다시 확인하세요') && !card.includes('구매 불가'), card);
    assert.ok(await page.isDisabled('#sell'));
    await page.press('#resident-id', 'Escape');
  });

  it('checks a number pasted with an en dash, another dash or spaces', async () => {
    const [front, back] = residentId(1983, 8).split('-');
    for (const pasted of [`${front}–${back}`, `${front} — ${back}`, `${front}\u2212${back}`, ` ${front} ${back} `]) {
      await page.fill('#resident-id', pasted);
      await page.locator('#eligibility.is-eligible').waitFor();
      assert.equal(await page.inputValue('#resident-id'), `${front}-${back}`, `${JSON.stringify(pasted)} is read as the number`);
      await page.press('#resident-id', 'Escape');
    }
    await page.fill('#resident-id', `${front}–${back}7`); // a digit too many
    await untilText(page, '#eligibility', '주민등록번호는 13자리 숫자입니다');
    await page.press('#resident-id', 'Escape');
  });

  it('never sells twice for a double click', async () => {
    await page.fill('#resident-id', residentId(1988, 3));
    await page.locator('#eligibility.is-eligible').waitFor();
    await page.fill('#quantity', '1');

    await page.dblclick('#sell');

    await untilText(page, '#sale-result', '판매 기록됨: 1988년생 1개 · 남은 재고 117개');
    await untilText(page, '#on-hand', '117');
    await untilRows(page, 2);
  });

  it('retries a sale whose answer was lost with the same client key, and sells once', async () => {
    const posted = [];
    let dropped = false;
    await page.route('**/portal/v1/sales', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      posted.push(JSON.parse(route.request().postData()).client_key);
      if (dropped) return route.continue();
      // The sale reaches the service and is recorded; its answer never reaches the page.
      dropped = true;
      await route.fetch();
      return route.abort('connectionreset');
    });
    await page.fill('#resident-id', residentId(1993, 4));
    await page.locator('#eligibility.is-eligible').waitFor();

    await page.press('#resident-id', 'Enter');

    await untilText(page, '#sale-result', '판매 기록됨: 1993년생 2개 · 남은 재고 115개');
    await page.unroute('**/portal/v1/sales');
    assert.equal(posted.length, 2, 'the page retried once');
    assert.equal(posted[0], posted[1], 'with the same client key');
    assert.match(posted[0], UUID);
    await untilText(page, '#on-hand', '115');
    await untilRows(page, 3); // one sale, not two
    assert.equal(await text(page, '#sold-today'), '5개');
  });

  it('voids a sale after asking for the reason', async () => {
    await page.click('button[aria-label="판매 1번 취소"]');
    await page.locator('#void-dialog[open]').waitFor();
    assert.equal(await focusedId(page), 'void-reason');
    assert.match(await text(page, '#void-summary'), /판매 1번 \(1983년생 2개\)/);
    await page.fill('#void-reason', '번호 입력 실수');
    await shot(page, '04-void-dialog');

    await page.press('#void-reason', 'Enter');

    await untilText(page, '#sale-result', '판매 1번을 취소했습니다 · 재고 117개');
    assert.equal(await page.locator('#void-dialog[open]').count(), 0);
    await untilText(page, '#on-hand', '117');
    await untilRows(page, 1, '#sales-body tr.voided');
    assert.match(await page.locator('#sales-body tr.voided').innerText(), /취소됨/);
    assert.equal(await focusedId(page), 'resident-id');
  });

  it('halts sales, refuses a sale while halted at once, and resumes', async () => {
    await page.click('#halt-toggle');
    await untilText(page, '#remain-stat', '판매 중지');
    assert.equal(await page.getAttribute('#remain-stat', 'class'), 'stat stat-break');
    assert.ok(await page.isVisible('#halted-banner'));

    await page.fill('#resident-id', residentId(1978, 5));
    // Said as soon as the number is in, with the button off: not "may buy" until Enter.
    await untilText(page, '#eligibility.is-refused', '판매 중지 상태입니다');
    assert.ok(!(await text(page, '#eligibility')).includes('구매 가능'));
    assert.ok(await page.isDisabled('#sell'));
    await page.press('#resident-id', 'Enter');
    await untilRows(page, 3); // nothing was sold

    await page.click('#halt-toggle');
    await untilText(page, '#remain-stat', '충분 · 100개 이상');
    await page.locator('#eligibility.is-eligible').waitFor();
    await page.press('#resident-id', 'Enter');
    await untilText(page, '#sale-result', '판매 기록됨: 1978년생 2개 · 남은 재고 115개');
    await shot(page, '05-counter', { fullPage: true });
  });

  it('buys for a child by proxy, on the child\'s day and quota', async () => {
    await page.fill('#resident-id', residentId(1985, 6)); // the parent: not their day
    await page.check('#proxy-toggle');
    await untilText(page, '#eligibility', '대상자 주민등록번호 13자리를 입력하세요');
    await page.fill('#proxy-id', residentId(2013, 7, { month: 1, day: 2 })); // born 2013: Wednesday

    await page.locator('#eligibility.is-eligible').waitFor();
    assert.match(await text(page, '#eligibility'), /2013년생 \(대상자\)/);
    await page.press('#proxy-id', 'Enter');

    await untilText(page, '#sale-result', '판매 기록됨: 2013년생 2개 (대리 구매)');
    assert.equal(await page.isChecked('#proxy-toggle'), false, 'the next person starts without proxy');
    assert.equal(await page.inputValue('#proxy-id'), '');
    await untilRows(page, 5);
    assert.match(await page.locator('#sales-body tr').first().innerText(), /2013년생\s+대리/);
  });

  it('labels every control and shows where the focus is', async () => {
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, button')]
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
      .map((el) => el.id || el.outerHTML));
    assert.deepEqual(unlabelled, []);
    await page.focus('#resident-id');
    await page.keyboard.press('Tab');
    assert.equal(await focusedId(page), 'proxy-toggle', 'Tab goes from the ID to the proxy toggle');
    await page.keyboard.press('Shift+Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused field is outlined');
  });

  it('speaks English on request and remembers it', async () => {
    await page.click('#lang-toggle');
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.fill('#resident-id', residentId(1981, 8));

    await page.locator('#eligibility.is-refused').waitFor();
    assert.match(await text(page, '#eligibility'),
      /Today is for birth years ending in 3 or 8 — next day to buy: Saturday \(14 March\)/);
    assert.equal(await text(page, '#sale-title'), 'Record a sale');
    await shot(page, '06-english');

    await page.click('#lang-toggle');
    await untilText(page, '#eligibility', '오늘은 3·8년생 구매일입니다');
    await page.press('#resident-id', 'Escape');
    assert.equal(await page.evaluate(() => localStorage.getItem('maskportal.lang')), 'ko');
  });

  it('fits 1024×768 and a tablet without sideways scrolling', async () => {
    const overflow = () => sideways(page);
    assert.equal(await overflow(), 0);
    await page.fill('#resident-id', residentId(1998, 11));
    await page.locator('#eligibility.is-eligible').waitFor();
    const sale = await page.locator('#sell').boundingBox();
    assert.ok(sale.y + sale.height <= DESKTOP.height, 'the sale button is on the first screen at 1024×768');
    await shot(page, '10-desktop-1024x768');
    await page.press('#resident-id', 'Escape');

    await page.setViewportSize(TABLET);
    assert.equal(await overflow(), 0);
    await page.fill('#resident-id', residentId(1983, 9));
    await page.locator('#eligibility.is-eligible').waitFor();
    await shot(page, '07-tablet', { fullPage: true });
    await page.press('#resident-id', 'Escape');
    await page.setViewportSize(DESKTOP);
  });

  it('fits 390 px: no sideways scroll, no word broken in two, no choice cut off', async () => {
    await page.setViewportSize(PHONE);
    await page.fill('#resident-id', residentId(1985, 12));
    await page.check('#proxy-toggle');
    await page.fill('#proxy-id', residentId(2013, 13, { month: 1, day: 2 }));
    await page.locator('#eligibility.is-eligible').waitFor();
    for (const language of ['ko', 'en']) {
      assert.equal(await sideways(page), 0, `${language}: the page fits 390 px`);
      assert.deepEqual(await brokenWords(page), [], `${language}: Korean words wrap whole`);
      const cut = await page.evaluate(() => [...document.querySelectorAll('#proxy-category label')]
        .filter((label) => label.scrollWidth > label.clientWidth + 1
          || label.getBoundingClientRect().right > label.closest('fieldset').getBoundingClientRect().right + 1)
        .map((label) => label.textContent.trim()));
      assert.deepEqual(cut, [], `${language}: every category reads in full`);
      await shot(page, `11-phone-390-${language}`, { fullPage: true });
      await page.click('#lang-toggle');
    }
    await page.press('#proxy-id', 'Escape');
    await page.setViewportSize(DESKTOP);
  });

  it('never leaves a stale line: the last buyer\'s, or a stock figure a later write changed', async () => {
    await page.fill('#stock-in-quantity', '10');
    await page.click('#stock-in-submit');
    await untilText(page, '#stock-result', '입고 기록됨: 10개');

    await page.locator('#sales-body button').first().click();
    await page.fill('#void-reason', '수량 입력 실수');
    await page.press('#void-reason', 'Enter');
    await untilText(page, '#sale-result', '을 취소했습니다');
    assert.equal(await text(page, '#stock-result'), '', 'the delivery line, with its old stock figure, is gone');

    await page.fill('#resident-id', residentId(1998, 14));
    await page.locator('#eligibility.is-eligible').waitFor();
    assert.equal(await text(page, '#sale-result'), '', 'the void line went with the next buyer');
    await page.press('#resident-id', 'Enter');
    await untilText(page, '#sale-result', '판매 기록됨: 1998년생');
    await page.fill('#resident-id', residentId(1981, 15));
    await page.locator('#eligibility.is-refused').waitFor();
    assert.equal(await text(page, '#sale-result'), '', 'no green line under the next buyer\'s refusal');
    await page.press('#resident-id', 'Escape');
  });

  it('signs out', async () => {
    await page.click('#sign-out');

    await untilText(page, '#sign-in-notice', '로그아웃되었습니다.');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('maskportal.session')), null);
    assert.deepEqual(problems, [], 'no script errors or CSP violations');
  });
});

describe('two devices at a site that allows one', () => {
  it('refuses the second with who is signed in, lets it take over, and tells the first why', async () => {
    const clerk = service.clerks.b;
    const a = await openCounter();
    const b = await openCounter();
    await signIn(a.page, clerk, 'A 계산대');
    await untilText(a.page, '#site-name', '대구중앙우체국');

    await signIn(b.page, clerk, 'B 계산대');

    await b.page.locator('#device-limit').waitFor();
    assert.match(await text(b.page, '#device-limit-title'), /기기 1대가 모두 사용 중입니다/);
    assert.match(await text(b.page, '#device-list'), /A 계산대 — 10:0\d 로그인/);
    assert.equal(await focusedId(b.page), 'device-limit-title');
    await shot(b.page, '08-device-limit');

    // Terminal A is in the middle of typing the next buyer's number.
    const typing = residentId(1983, 10).replace('-', '').slice(0, 9);
    await a.page.focus('#resident-id');
    await a.page.keyboard.type(typing);

    await b.page.click('#takeover');
    await untilText(b.page, '#site-name', '대구중앙우체국');
    assert.notEqual(
      await a.page.evaluate(() => localStorage.getItem('maskportal.device_id')),
      await b.page.evaluate(() => localStorage.getItem('maskportal.device_id')),
    );

    // A is told by itself, without another keystroke or request of the clerk's.
    await untilText(a.page, '#sign-in-notice', '다른 기기에서 이 판매처로 로그인해 이 기기는 로그아웃되었습니다');
    assert.ok(await a.page.isHidden('#counter-view'));
    await shot(a.page, '09-signed-in-elsewhere');

    // Signing in again at this site, the digits typed are still there to finish.
    await signIn(a.page, clerk, 'A 계산대');
    await a.page.locator('#device-limit').waitFor();
    await a.page.click('#takeover');
    await untilText(a.page, '#site-name', '대구중앙우체국');
    assert.equal(await a.page.inputValue('#resident-id'), typing, 'what was typed is kept');
    assert.equal(await focusedId(a.page), 'resident-id');
    assert.deepEqual([...a.problems, ...b.problems], []);
    await a.context.close();
    await b.context.close();
  });
});
