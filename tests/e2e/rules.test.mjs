// The page's offline checks (src/http/counter_page/offline-rules.js) against the server's own:
// for many buyers, proxy purchases and days of the 2020 timeline, the page, given the policy
// the server serves it and what the server says was bought this week, must reach the verdict
// POST /portal/v1/eligibility reaches.
// Run: MASKPORTAL_BIN=target/debug/maskportal node --test tests/e2e/  (see .ci/run)

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import vm from 'node:vm';

import { REPO, residentId, startService } from './server.mjs';

/** The page's script, run as the page runs it (a classic script that sets window.MaskPortalRules). */
function loadRules() {
  const window = {};
  vm.runInNewContext(readFileSync(path.join(REPO, 'src/http/counter_page/offline-rules.js'), 'utf8'), { window });
  return window.MaskPortalRules;
}
const Rules = loadRules();

async function api(service, method, route, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  const reply = await fetch(`${service.url}${route}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: reply.status, body: await reply.json() };
}

/** The page's reading of a number, as the counter page builds it for Rules.assess. */
function party(id, today, policy) {
  const read = Rules.readId(id);
  assert.equal(read.state, 'complete', id);
  const checked = Rules.checkId(read.digits, { today, accept1800s: policy.accept_1800s });
  assert.ok(checked.ok, `${id}: ${checked.code}`);
  return { ...read, ...checked };
}

const YEARS = [1925, 1938, 1940, 1941, 1955, 1961, 1972, 1983, 1988, 1994, 1999, 2001, 2002, 2005, 2009, 2010, 2013, 2016];
const DAYS = [
  '2020-03-11T10:00:00+09:00', // Wednesday of the launch week: rotation, 2 a week, proxy on the target's day
  '2020-04-25T10:00:00+09:00', // Saturday: anyone; the next period starts on Monday
  '2020-04-29T10:00:00+09:00', // 3 a week; a proxy buyer's own day counts too
  '2020-06-03T10:00:00+09:00', // no rotation; 3 a week, 5 for those born 2002 or later
  '2020-07-09T10:00:00+09:00', // no limit and no ID check
];

describe('offline checks agree with the server', () => {
  for (const clock of DAYS) {
    it(`on ${clock.slice(0, 10)}`, async () => {
      const service = await startService({
        clock,
        settings: { MASKPORTAL_POLICY: path.join(REPO, 'policies/korea-2020.toml'), MASKPORTAL_LOOKUPS_PER_MINUTE: '100000' },
      });
      try {
        const clerk = service.clerks.a;
        const session = await api(service, 'POST', '/portal/v1/sessions', {
          body: { username: clerk.username, password: clerk.password, device_id: crypto.randomUUID(), device_name: 'rules' },
        });
        const token = session.body.token;
        await api(service, 'POST', '/portal/v1/stock-in', { token, body: { quantity: 1000, client_key: crypto.randomUUID() } });
        const policy = (await api(service, 'GET', '/portal/v1/policy', { token })).body;
        const today = policy.today;
        let compared = 0;

        const compare = async (buyerId, target) => {
          const body = { resident_id: buyerId };
          if (target) body.proxy_for = { resident_id: target.id, ...(target.category ? { category: target.category } : {}) };
          const server = await api(service, 'POST', '/portal/v1/eligibility', { token, body });
          assert.equal(server.status, 200, JSON.stringify(server.body));
          const page = Rules.assess({
            policy,
            date: today,
            buyer: party(buyerId, today, policy),
            target: target ? party(target.id, today, policy) : null,
            category: target ? target.category || null : null,
            bought: server.body.bought_this_week,
          });
          const verdict = (answer) => ({
            eligible: answer.eligible,
            refusal: answer.refusal && answer.refusal.code,
            digits: answer.refusal && answer.refusal.allowed_digits,
            quota: answer.quota,
            remaining: answer.remaining,
            next: answer.next_allowed_day,
          });
          assert.deepEqual(verdict(page), verdict(server.body), `${JSON.stringify(body)} on ${today}`);
          compared += 1;
          return server.body;
        };

        let serial = 100;
        for (const year of YEARS) {
          const buyer = residentId(year, serial++);
          const first = await compare(buyer, null);
          // Bought some this week: the quota left must agree too.
          if (first.eligible) {
            const sold = await api(service, 'POST', '/portal/v1/sales', { token, body: { resident_id: buyer, quantity: 2, client_key: crypto.randomUUID() } });
            assert.equal(sold.status, 201, JSON.stringify(sold.body));
            await compare(buyer, null);
            await compare(residentId(1985, serial++), { id: buyer, category: 'disabled' });
          }
          for (const category of [null, 'disabled']) {
            await compare(residentId(1985, serial++), { id: residentId(year, serial++), category });
          }
        }
        // A number that cannot be one is refused alike, with the server's code.
        const typo = (id) => id.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
        for (const id of [
          typo(residentId(1983, 7)), // check digit
          residentId(2001, 8, { month: 2, day: 29 }), // 29 February of a common year
          residentId(1985, 9, { month: 13, day: 1 }),
          residentId(2020, 10, { month: 12, day: 31 }), // after today
          residentId(1899, 11), // the 1800s
          '8305151000119', '830515 1000119', '８３０５１５－１０００１１９',
        ]) {
          // The page sends what it read, with the hyphen, whatever dash or space was pasted.
          const read = Rules.readId(id);
          const sent = read.state === 'complete' ? read.canonical : id;
          const server = await api(service, 'POST', '/portal/v1/eligibility', { token, body: { resident_id: sent } });
          const page = read.state === 'complete'
            ? Rules.checkId(read.digits, { today, accept1800s: policy.accept_1800s })
            : { ok: false, code: 'resident_id_format' };
          assert.equal(page.ok ? 200 : 400, server.status === 200 ? 200 : 400, `${id}: ${JSON.stringify(server.body)}`);
          if (!page.ok) assert.equal(page.code, server.body.error.code, id);
          compared += 1;
        }
        assert.ok(compared > YEARS.length * 3);
      } finally {
        await service.stop();
      }
    });
  }
});
