// What the page can tell about a buyer without the server: the number's shape, check digit and
// birth date, and the rotation day and weekly quota of the policy the server last served
// (GET /portal/v1/policy). The same rules as src/domain/{resident_id,rotation,quota}.rs, in
// the same order, so an offline answer reads like the server's. Pure functions: no storage,
// no network, no state. Dates are KST calendar dates, 'YYYY-MM-DD'.
'use strict';

window.MaskPortalRules = (() => {
  // --- Resident registration numbers -------------------------------------------------------

  // Every dash a paste may bring (hyphen, non-breaking hyphen, figure/en/em dash, minus, small
  // and fullwidth hyphen-minus), every kind of space, and fullwidth digits.
  const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;
  const SPACES = /[\s\u00A0\u2000-\u200B\u202F\u205F\u3000\uFEFF]/g;
  const FULLWIDTH_DIGITS = /[\uFF10-\uFF19]/g;
  const WEIGHTS = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5];

  /**
   * Typed or pasted text, read as a resident number: `empty`, `partial` (digits still coming),
   * `complete` (13 digits: `digits`, and `canonical` as on the ID card) or `malformed`.
   */
  function readId(raw) {
    const plain = String(raw)
      .replace(FULLWIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 0x30))
      .replace(DASHES, '-')
      .replace(SPACES, '');
    if (plain === '') return { state: 'empty' };
    if (!/^[\d-]+$/.test(plain) || /--/.test(plain)) return { state: 'malformed' };
    const digits = plain.replace(/-/g, '');
    if (digits.length > 13) return { state: 'malformed' };
    if (digits.length < 13) return { state: 'partial' };
    return { state: 'complete', digits, canonical: `${digits.slice(0, 6)}-${digits.slice(6)}` };
  }

  const CENTURY = { 9: 1800, 0: 1800, 1: 1900, 2: 1900, 5: 1900, 6: 1900, 3: 2000, 4: 2000, 7: 2000, 8: 2000 };

  /**
   * A complete number checked as the server checks it: the check digit, then a real birth
   * date no later than `today` (and not in the 1800s unless the policy accepts them).
   * `{ ok: true, birthYear, lastDigit }` or `{ ok: false, code }` with the server's code.
   */
  function checkId(digits, { today, accept1800s = false }) {
    const d = [...digits].map(Number);
    const sum = WEIGHTS.reduce((acc, weight, i) => acc + d[i] * weight, 0);
    if ((11 - (sum % 11)) % 10 !== d[12]) return { ok: false, code: 'resident_id_checksum' };
    const year = CENTURY[d[6]] + d[0] * 10 + d[1];
    const month = d[2] * 10 + d[3];
    const day = d[4] * 10 + d[5];
    const date = new Date(Date.UTC(year, month - 1, day));
    const real = month >= 1 && month <= 12 && date.getUTCFullYear() === year
      && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    if (!real) return { ok: false, code: 'resident_id_date' };
    if (today && isoDate(date) > today) return { ok: false, code: 'resident_id_date' };
    if (year < 1900 && !accept1800s) return { ok: false, code: 'resident_id_date' };
    return { ok: true, birthYear: year, lastDigit: d[12] };
  }

  // --- Calendar ------------------------------------------------------------------------------

  const pad = (n) => String(n).padStart(2, '0');
  const isoDate = (date) => `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const utcDate = (iso) => new Date(`${iso}T00:00:00Z`);
  const addDays = (iso, n) => {
    const date = utcDate(iso);
    date.setUTCDate(date.getUTCDate() + n);
    return isoDate(date);
  };
  const DAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const dayKey = (iso) => DAY_KEYS[utcDate(iso).getUTCDay()];
  /** The Monday that starts `iso`'s rationing week (Monday to Sunday, KST). */
  const weekStart = (iso) => addDays(iso, -((utcDate(iso).getUTCDay() + 6) % 7));

  const KST_MS = 9 * 3600 * 1000;
  /** An instant (ms since the epoch) in Korea time: its date, 'HH:MM', and RFC 3339 with offset. */
  function kst(ms) {
    const shifted = new Date(ms + KST_MS);
    const date = isoDate(shifted);
    const time = `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
    return { date, time, rfc3339: `${date}T${time}:${pad(shifted.getUTCSeconds())}+09:00` };
  }

  // --- The policy as served ----------------------------------------------------------------

  /** The period in force on `date`, or null (no sales). */
  function periodOn(policy, date) {
    return (policy.periods || []).find((p) => p.from <= date && (p.until == null || date < p.until)) || null;
  }

  /** Whether `person` ({ birthYear, lastDigit }) may buy on `date` under `period`'s rotation. */
  function isAllowed(period, date, person) {
    const rotation = period.rotation;
    if (!rotation) return true;
    const digit = rotation.by === 'id_last_digit' ? person.lastDigit : person.birthYear % 10;
    return (rotation.days[dayKey(date)] || []).includes(digit);
  }

  function onTheirDay(period, date, buyer, target) {
    if (!target) return isAllowed(period, date, buyer);
    const eitherDay = Boolean(period.proxy && period.proxy.day === 'buyer_or_target');
    return isAllowed(period, date, target) || (eitherDay && isAllowed(period, date, buyer));
  }

  /** The first date after `after` on which `allowed(period, date)` holds (weeks repeat). */
  function nextDayWhere(policy, after, allowed) {
    const periods = policy.periods || [];
    if (periods.length === 0) return null;
    let date = addDays(after, 1);
    if (date < periods[0].from) date = periods[0].from;
    const lastFrom = periods[periods.length - 1].from;
    const end = addDays(date > lastFrom ? date : lastFrom, 6);
    for (; date <= end; date = addDays(date, 1)) {
      const period = periodOn(policy, date);
      if (period && allowed(period, date)) return date;
    }
    return null;
  }

  /** The weekly quota of someone born in `birthYear` under `period`; null when unlimited. */
  function weeklyQuota(period, birthYear) {
    if (!period.id_check) return null;
    const band = (period.quota_by_birth_year || []).find((b) => (b.born_from == null || birthYear >= b.born_from)
      && (b.born_until == null || birthYear <= b.born_until));
    return band ? band.weekly_quota : period.weekly_quota;
  }

  /**
   * Whether the served proxy rules let this person be bought for, or `undefined` when they
   * are not in a shape the page knows (then the page cannot tell, and refuses offline).
   */
  function mayBuyFor(proxy, birthYear, category) {
    const known = ['elderly_born_on_or_before', 'children_born_on_or_after', 'categories', 'day'];
    if (!proxy || Object.keys(proxy).some((key) => !known.includes(key))) return undefined;
    return (proxy.elderly_born_on_or_before != null && birthYear <= proxy.elderly_born_on_or_before)
      || (proxy.children_born_on_or_after != null && birthYear >= proxy.children_born_on_or_after)
      || Boolean(category && (proxy.categories || []).includes(category));
  }

  /**
   * The counter's check, offline: the same answer as POST /portal/v1/eligibility, but with
   * `bought` being what this device has queued for the quota holder this week (the server
   * alone knows other devices' and sites' sales). `buying` is the quantity at the moment of
   * sale, 0 for the check before it.
   */
  function assess({ policy, date, buyer, target = null, category = null, bought, buying = 0 }) {
    const holder = target || buyer;
    const period = periodOn(policy, date);
    const quota = period ? weeklyQuota(period, holder.birthYear) : null;
    const answer = {
      birth_year: holder.birthYear,
      bought_this_week: bought,
      quota,
      remaining: quota == null ? null : Math.max(0, quota - bought),
      next_allowed_day: null,
    };
    const refuse = (refusal, next = null) => ({ ...answer, eligible: false, refusal, next_allowed_day: next });
    if (!period) return refuse({ code: 'no_policy_in_force' });

    if (target && period.id_check) {
      const permitted = mayBuyFor(period.proxy, target.birthYear, category);
      if (permitted === undefined) return refuse({ code: 'proxy_offline_unknown' });
      if (!permitted) return refuse({ code: 'proxy_not_eligible' });
    }

    const theirDay = (p, d) => onTheirDay(p, d, buyer, target);
    if (quota != null && answer.remaining < Math.max(buying, 1)) {
      // The quota is counted per week: the next chance is the holder's first day of next week.
      const next = nextDayWhere(policy, addDays(weekStart(date), 6), (p, d) => isAllowed(p, d, holder));
      return refuse({ code: 'weekly_quota_exceeded', bought, quota }, next);
    }

    if (period.rotation && !theirDay(period, date)) {
      const next = nextDayWhere(policy, date, theirDay);
      const digits = period.rotation.days[dayKey(date)] || [];
      return refuse({ code: 'not_rotation_day', keyed_on: period.rotation.by, allowed_digits: digits, next_day: next }, next);
    }
    return { ...answer, eligible: true, refusal: null };
  }

  return { readId, checkId, kst, weekStart, assess };
})();
