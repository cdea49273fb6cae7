// The counter page: sign-in, stock, the sale queue and today's sales, over /portal/v1; and
// selling on while the server does not answer.
//
// Privacy: a resident ID lives only in its input field. It is sent in the request that needs
// it and never copied into a variable that outlives that request, into the sales list (which
// shows birth years only), or into storage in clear: a sale queued offline keeps its numbers
// sealed to the server's key (seal.js) and the device's keyed hash of the buyer.
//
// Exactly-once writes: every write carries a client_key made once per clerk action. A retry
// (automatic, or the clerk pressing the button again after a network failure without editing
// the form) re-sends the same key, so the server answers with the first result instead of
// selling twice. A sale that got no answer is queued under that same key, so sending the
// queue replays it rather than selling twice.
//
// Offline (no answer within a few seconds, or the browser offline): the page checks what it
// can (offline-rules.js), queues the sale in IndexedDB (offline-queue.js) and sends the
// queue through POST /portal/v1/sales/batch once the server answers again.
'use strict';

(() => {
  const Rules = window.MaskPortalRules;
  const Seal = window.MaskPortalSeal;
  const Store = window.MaskPortalStore;

  // --- Strings (strings.js) --------------------------------------------------------------

  const { WEEKDAYS } = window.MaskPortalStrings;
  const I18N = window.MaskPortalStrings.dictionary({ t: (...args) => t(...args), dayName: (iso) => dayName(iso) });

  // --- Small helpers ------------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  const STORE = {
    deviceId: 'maskportal.device_id',
    deviceName: 'maskportal.device_name',
    lang: 'maskportal.lang',
    session: 'maskportal.session',
  };

  function storageGet(storage, key) {
    try { return storage.getItem(key); } catch { return null; }
  }
  function storageSet(storage, key, value) {
    try {
      if (value == null) storage.removeItem(key); else storage.setItem(key, value);
    } catch { /* private mode: the page still works, it just forgets on reload */ }
  }

  /** A random UUID; crypto.randomUUID needs a secure context, which a LAN counter may lack. */
  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === 'function' && window.isSecureContext) {
      return crypto.randomUUID();
    }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  let lang = storageGet(localStorage, STORE.lang) === 'en' ? 'en' : 'ko';

  /** The string for `key` in the current language, filled with `params`. */
  function t(key, params = {}) {
    const entry = I18N[lang][key] ?? I18N.ko[key];
    if (entry === undefined) return key;
    return typeof entry === 'function' ? entry(params) : entry;
  }

  /** `YYYY-MM-DD` → its parts and weekday (a calendar date, no time zone involved). */
  function dateParts(iso) {
    const [y, m, d] = iso.split('-').map(Number);
    return { y, m, d, weekday: new Date(Date.UTC(y, m - 1, d)).getUTCDay() };
  }
  const shortDate = (iso) => t('date.short', dateParts(iso));
  const weekdayName = (iso) => WEEKDAYS[lang][dateParts(iso).weekday];
  /** "토요일 (3월 14일)" / "Saturday (14 March)". */
  const dayName = (iso) => t('day', { weekday: weekdayName(iso), date: shortDate(iso) });

  /** The service sends Korea time with its offset (`2020-03-11T10:00:05+09:00`): show it as is. */
  function clockTime(rfc3339) {
    const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(rfc3339 || '');
    return match ? { date: match[1], time: match[2] } : null;
  }
  /** "10:00" today, "3월 10일 10:00" another day. */
  function when(rfc3339) {
    const at = clockTime(rfc3339);
    if (!at) return '–';
    return today && at.date === today.date ? at.time : `${shortDate(at.date)} ${at.time}`;
  }

  /** An ID input read as a number: any dash or space a paste brings is taken as the hyphen. */
  const idComplete = (value) => Rules.readId(value).state === 'complete';

  // --- Messages that re-render when the language changes ------------------------------------

  const messageEls = new Set();

  /**
   * Shows `message` ({ key, params, tone? }) in `el`, or empties it for null. Error and notice
   * boxes are hidden while empty; live regions stay in place so that they are announced.
   */
  function say(el, message) {
    el.__message = message;
    messageEls.add(el);
    el.textContent = message ? t(message.key, message.params) : '';
    if (message && message.tone) el.dataset.tone = message.tone; else delete el.dataset.tone;
    if (el.classList.contains('error') || el.classList.contains('notice')) el.hidden = !message;
  }

  /** The counter's one status line: a new one, in either panel, replaces the one before. */
  function status(el, message) {
    for (const other of [$('sale-result'), $('stock-result')]) if (other !== el) say(other, null);
    say(el, message);
  }

  // --- The API --------------------------------------------------------------------------------

  /** No answer: the connection failed, or nothing came back within the request's timeout. */
  class NetworkError extends Error {
    constructor(message, { timedOut = false } = {}) {
      super(message);
      this.timedOut = timedOut;
    }
  }
  /** Thrown after a 401: the page has already gone back to sign-in. */
  class SessionEnded extends Error {}

  let session = null; // { token, site, max_devices }

  /** How long a write (and the check before a sale) waits before the page sells offline. */
  const WRITE_TIMEOUT_MS = 4000;

  async function request(method, path, body, { auth = true, timeout = 10_000 } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && session) headers.Authorization = `Bearer ${session.token}`;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeout);
    let response;
    let text;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
        signal: controller.signal,
      });
      text = await response.text();
    } catch (error) {
      throw new NetworkError(String(error), { timedOut });
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    const error = response.ok ? null : (data && data.error) || { code: `http_${response.status}`, message: response.statusText };
    if (auth && response.status === 401) {
      endSession(error);
      throw new SessionEnded(error.code);
    }
    return { status: response.status, ok: response.ok, data, error };
  }

  /**
   * A write, retried while the connection fails (or the service says it is briefly
   * unavailable), but not after a timeout: a server that holds a request that long is treated
   * as down. The body, and so its client_key, is re-sent unchanged: the service answers a
   * retry with the first result, never a second sale.
   */
  async function write(method, path, body) {
    let last = null;
    for (const delay of [0, 300, 1000]) {
      if (delay) await sleep(delay);
      try {
        const reply = await request(method, path, body, { timeout: WRITE_TIMEOUT_MS });
        if (reply.status !== 503) return reply;
        last = reply;
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        last = error;
        if (error.timedOut) break;
      }
    }
    if (last instanceof Error) throw last;
    return last;
  }

  /** One key per clerk action, kept until the action gets an answer or the form changes. */
  const pendingKeys = { sale: null, stockIn: null, void: null };
  const keyFor = (action) => (pendingKeys[action] ||= uuid());
  const retireKey = (action) => { pendingKeys[action] = null; };

  /** A plain-words message for an error reply (or a thrown network failure). */
  function errorMessage(error, extra = {}) {
    return { tone: 'error', ...describeError(error, extra) };
  }

  function describeError(error, extra) {
    if (error instanceof NetworkError) return { key: 'error.network' };
    const code = error.code;
    const facts = { ...error, ...extra };
    switch (code) {
      case 'not_rotation_day':
        return {
          key: 'refusal.not_rotation_day',
          params: { keyedOn: facts.keyed_on, digits: facts.allowed_digits || [], next: facts.next_day || null },
        };
      case 'weekly_quota_exceeded':
        return { key: 'refusal.weekly_quota_exceeded', params: { bought: facts.bought, quota: facts.quota, next: facts.next || null } };
      case 'insufficient_stock': {
        const view = stockView();
        const onHand = view ? view.on_hand : 0;
        return { key: view && view.estimated ? 'refusal.insufficient_stock_estimate' : 'refusal.insufficient_stock', params: { onHand } };
      }
      case 'proxy_not_eligible': case 'no_policy_in_force': case 'sales_halted': case 'void_window_passed':
      case 'proxy_offline_unknown':
        return { key: `refusal.${code}` };
      case 'offline_unavailable': return { key: 'offline.unavailable' };
      case 'offline_not_ready': return { key: 'offline.not_ready' };
      case 'offline_store_failed': return { key: 'offline.store_failed' };
      case 'resident_id_format': case 'resident_id_date': case 'resident_id_checksum': {
        const message = { key: `error.${code}` };
        return facts.field && facts.field.startsWith('proxy_for') ? { key: 'error.with_prefix', params: { prefix: 'error.proxy_prefix', inner: message } } : message;
      }
      case 'invalid_credentials': case 'account_disabled': case 'invalid_quantity': case 'invalid_reference':
      case 'invalid_reason': case 'resident_id_in_text': case 'forbidden': case 'not_found':
      case 'invalid_sold_at': case 'invalid_sealed': case 'invalid_note':
        return { key: `error.${code}` };
      case 'account_locked':
        return { key: 'error.account_locked', params: { minutes: Math.max(1, Math.ceil((facts.retry_after || 60) / 60)) } };
      case 'database_unavailable': case 'not_ready': case 'http_503':
        return { key: 'error.unavailable' };
      default:
        return { key: 'error.other', params: { code, message: error.message || '' } };
    }
  }

  /** Runs a handler; a 401 has already sent the page back to sign-in, so it just stops. */
  function guarded(handler) {
    return async (event) => {
      try {
        await handler(event);
      } catch (error) {
        if (!(error instanceof SessionEnded)) throw error;
      }
    };
  }

  // --- Views -----------------------------------------------------------------------------------

  const signInView = $('sign-in-view');
  const counterView = $('counter-view');

  function showSignIn(notice) {
    counterView.hidden = true;
    signInView.hidden = false;
    $('sign-out').hidden = true;
    $('site').hidden = true;
    $('today').hidden = true;
    $('device-limit').hidden = true;
    $('sign-in-form').hidden = false;
    say($('sign-in-notice'), notice || null);
    say($('sign-in-error'), null);
    renderConnection();
    $('device-name').value = storageGet(localStorage, STORE.deviceName) || '';
    $('username').focus();
  }

  function showCounter() {
    signInView.hidden = true;
    counterView.hidden = false;
    $('sign-out').hidden = false;
    $('site-name').textContent = session.site.name;
    $('site-code').textContent = session.site.code;
    $('site').hidden = false;
    renderToday();
    tickClock();
    renderConnection();
    $('resident-id').focus();
  }

  // --- Sign-in, take-over, sign-out, a session that ends -----------------------------------

  function deviceId() {
    let id = storageGet(localStorage, STORE.deviceId);
    if (!id) {
      id = uuid();
      storageSet(localStorage, STORE.deviceId, id);
    }
    return id;
  }

  function deviceName() {
    const typed = $('device-name').value.trim();
    storageSet(localStorage, STORE.deviceName, typed || null);
    return typed || t('sign_in.default_device', { tag: deviceId().slice(0, 4).toUpperCase() });
  }

  let signingIn = false;

  async function signIn(takeover) {
    if (signingIn) return;
    const username = $('username').value.trim();
    const password = $('password').value;
    if (!username || !password) {
      say($('sign-in-error'), { key: 'sign_in.missing' });
      (username ? $('password') : $('username')).focus();
      return;
    }
    signingIn = true;
    const button = takeover ? $('takeover') : $('sign-in-submit');
    setBusy(button, true, takeover ? null : 'sign_in.busy');
    say($('sign-in-error'), null);
    try {
      const reply = await request('POST', '/portal/v1/sessions', {
        username, password, device_id: deviceId(), device_name: deviceName(), takeover,
      }, { auth: false, timeout: 20_000 });
      if (reply.status === 201) return await startSession(reply.data);
      if (reply.error.code === 'device_limit_reached') return showDeviceLimit(reply.error);
      $('device-limit').hidden = true;
      $('sign-in-form').hidden = false;
      say($('sign-in-error'), errorMessage(reply.error));
      if (reply.error.code === 'invalid_credentials') $('password').select();
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      say($('sign-in-error'), errorMessage(error));
    } finally {
      signingIn = false;
      setBusy(button, false, takeover ? null : 'sign_in.submit');
    }
  }

  function showDeviceLimit(error) {
    say($('device-limit-title'), { key: 'devices.title', params: { max: error.max_devices } });
    const list = $('device-list');
    list.replaceChildren(...(error.devices || []).map((device) => {
      const item = document.createElement('li');
      say(item, {
        key: 'devices.line',
        params: { name: device.device_name, since: when(device.signed_in_at), seen: when(device.last_seen_at) },
      });
      return item;
    }));
    $('sign-in-form').hidden = true;
    $('device-limit').hidden = false;
    $('device-limit-title').focus();
  }

  async function startSession(signedIn) {
    $('password').value = '';
    if (!signedIn.site) {
      // An operator account: the counter needs a site. End the session it just opened.
      session = { token: signedIn.token };
      await request('DELETE', '/portal/v1/sessions/current').catch(() => {});
      session = null;
      $('device-limit').hidden = true;
      $('sign-in-form').hidden = false;
      say($('sign-in-error'), { key: 'sign_in.not_a_clerk' });
      return;
    }
    session = { token: signedIn.token, site: signedIn.site, max_devices: signedIn.max_devices };
    storageSet(sessionStorage, STORE.session, JSON.stringify(session));
    // What was typed when the last session ended stays for the same site only.
    if (keptFormSite !== session.site.code) resetSaleForm({ focus: false });
    keptFormSite = null;
    online = true;
    await openCounter();
  }

  /** The counter for the signed-in session: what is cached first, then the server's view. */
  async function openCounter() {
    await restoreSite();
    showCounter();
    if (residentInput.value.trim()) whoChanged(); // check again what was kept from before
    await refreshAll({ kit: true });
    schedulePoll();
    await syncQueue();
  }

  /** The site whose sale form was kept when its session ended (signed out elsewhere, expired). */
  let keptFormSite = null;

  /**
   * Back to sign-in, forgetting everything the session showed. A session the server ended
   * (taken over, idle, expired) keeps what was typed in the sale form, in the form only, for
   * the next sign-in at this site; signing out clears it.
   */
  function endSession(error) {
    const signedOut = Boolean(error && error.code === 'session_revoked' && error.reason === 'logged_out');
    keptFormSite = !signedOut && session && session.site ? session.site.code : null;
    session = null;
    clearTimeout(pollTimer);
    storageSet(sessionStorage, STORE.session, null);
    if (keptFormSite) forgetCheck(); else resetSaleForm({ focus: false });
    say($('sale-result'), null);
    say($('paper-result'), null);
    say($('sync-result'), null);
    say($('conflict-result'), null);
    conflicts = [];
    syncReport = [];
    renderConflicts();
    renderSyncReport();
    say($('stock-result'), null);
    stock = null;
    stockAt = null;
    sales = [];
    renderStock();
    renderSales();
    renderQueue();
    tickClock();
    if ($('void-dialog').open) $('void-dialog').close();
    const reason = error && (error.code === 'session_revoked' ? error.reason : error.code);
    const known = ['signed_in_elsewhere', 'signed_in_again', 'logged_out', 'idle_timeout', 'revoked_by_admin', 'token_expired'];
    showSignIn({ key: known.includes(reason) ? `ended.${reason}` : 'ended.generic' });
  }

  async function signOut() {
    try {
      if (online) await request('DELETE', '/portal/v1/sessions/current', undefined, { timeout: WRITE_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof SessionEnded) return; // already back at sign-in
      // Offline: forget the token here; the session ends on the server when it idles out.
    }
    endSession({ code: 'session_revoked', reason: 'logged_out' });
  }

  // --- The service clock, today, stock and the day's sales ----------------------------------

  let today = null; // { date: 'YYYY-MM-DD' } in Korea, by the service's clock
  /** The service clock minus this device's clock, in ms (a training clock may be years off). */
  let clockOffset = 0;
  const serviceNow = () => Date.now() + clockOffset;
  let stock = null;
  /** When `stock` was read, by the service clock: the estimate counts down from there. */
  let stockAt = null;
  let sales = [];
  /** The policy as last served (GET /portal/v1/policy): the offline checks follow it. */
  let policy = null;
  /** The server's sealing key, imported (seal.js); null until served, or without WebCrypto. */
  let sealKey = null;
  let kitLoadedAt = 0;
  /** Sales of this site's that broke a rule offline, waiting for the clerk to check them. */
  let conflicts = [];

  function setClock(nowRfc3339) {
    const at = Date.parse(nowRfc3339);
    if (Number.isNaN(at)) return;
    clockOffset = at - Date.now();
    tickClock();
  }

  /** Today's date and the training-clock badge, by the service clock; runs every few seconds. */
  function tickClock() {
    const now = Rules.kst(serviceNow());
    if (!today || today.date !== now.date) {
      today = { date: now.date };
      renderToday();
    }
    const badge = $('clock-badge');
    badge.hidden = !(session && policy && policy.clock_shifted);
    if (!badge.hidden) badge.textContent = t('clock.training', { date: now.date, time: now.time });
  }

  async function loadToday() {
    const reply = await request('GET', '/healthz', undefined, { auth: false });
    // The service's clock (which a training run may have shifted), in Korea time (UTC+9).
    if (reply.ok) setClock(reply.data.clock.now);
  }

  function renderToday() {
    const el = $('today');
    if (!today || !session) { el.hidden = true; return; }
    const parts = dateParts(today.date);
    el.textContent = t('today', { date: t('date.long', parts), weekday: WEEKDAYS[lang][parts.weekday] });
    el.hidden = false;
  }

  /** What selling offline needs, read while the server answers: the policy and the seal key. */
  async function loadOfflineKit() {
    const [policyReply, keyReply] = await Promise.all([
      request('GET', '/portal/v1/policy'),
      Seal.available() ? request('GET', '/portal/v1/seal-key') : null,
    ]);
    if (policyReply.ok) {
      policy = policyReply.data;
      setClock(policy.now);
      await Store.setMeta('policy', { policy, offset: clockOffset }).catch(() => {});
    }
    if (keyReply && keyReply.ok) {
      try {
        sealKey = await Seal.importServerKey(keyReply.data);
        await Store.setMeta('seal-key', keyReply.data).catch(() => {});
      } catch {
        sealKey = null;
      }
    }
    if (policyReply.ok && (!keyReply || keyReply.ok)) kitLoadedAt = Date.now();
  }

  /** Before the server answers (or while it does not): the site as this device last saw it. */
  async function restoreSite() {
    const code = session.site.code;
    try {
      const [savedPolicy, savedKey, savedStock, savedSales, items] = await Promise.all([
        Store.getMeta('policy'), Store.getMeta('seal-key'), Store.getMeta(`stock:${code}`),
        Store.getMeta(`sales:${code}`), Store.queued(),
      ]);
      queueItems = items;
      if (savedPolicy && !policy) {
        policy = savedPolicy.policy;
        clockOffset = savedPolicy.offset;
        tickClock();
      }
      if (savedKey && !sealKey && Seal.available()) sealKey = await Seal.importServerKey(savedKey).catch(() => null);
      if (savedStock && !stock) { stock = savedStock.stock; stockAt = savedStock.at; }
      if (savedSales && sales.length === 0) sales = savedSales.sales;
    } catch {
      // No IndexedDB (a private window may refuse it): the page works, but cannot sell offline.
    }
    renderStock();
    renderSales();
    renderQueue();
  }

  // Reads may overlap (a write's refresh, a window regaining focus): only the answer to the
  // latest request is shown, so an older answer never overwrites a newer one.
  let stockRead = 0;
  let salesRead = 0;

  async function loadStock() {
    const read = ++stockRead;
    const reply = await request('GET', '/portal/v1/stock');
    if (reply.ok && read === stockRead) applyStock(reply.data);
  }

  function applyStock(data) {
    const wasHalted = halted();
    // A delivery's line names the on-hand it made; another figure makes it stale.
    if (stock && data.on_hand !== stock.on_hand) say($('stock-result'), null);
    stock = data;
    stockAt = serviceNow();
    if (session) Store.setMeta(`stock:${session.site.code}`, { stock, at: stockAt }).catch(() => {});
    renderStock();
    // A halt (from any device) disables selling at once; otherwise the card, a live region,
    // is left alone rather than read out again at every poll.
    if (halted() !== wasHalted) renderEligibility();
  }

  const remainStat = (n) => (n >= 100 ? 'plenty' : n >= 30 ? 'some' : n >= 2 ? 'few' : 'empty');

  /**
   * The stock as the page shows it: the server's figure while it answers and nothing waits to
   * be sent; otherwise an estimate, the figure at last contact less this site's queued sales.
   */
  function stockView() {
    if (!stock) return null;
    const queued = siteQueue().filter((item) => item.state === 'queued');
    if (online && queued.length === 0) return { ...stock, estimated: false };
    const out = queued.reduce((n, item) => n + item.quantity, 0);
    const soldToday = queued.filter((item) => today && item.sold_at.startsWith(today.date))
      .reduce((n, item) => n + item.quantity, 0);
    const onHand = Math.max(0, stock.on_hand - out);
    return {
      ...stock,
      on_hand: onHand,
      sold_today: stock.sold_today + soldToday,
      remain_stat: stock.sales_halted ? 'break' : remainStat(onHand),
      estimated: true,
      known: stock.on_hand,
      queued: out,
    };
  }

  function renderStock() {
    const view = stockView();
    const stat = $('remain-stat');
    $('on-hand').textContent = view ? String(view.on_hand) : '–';
    $('on-hand-mark').hidden = !(view && view.estimated);
    stat.className = view ? `stat stat-${view.remain_stat}` : 'stat';
    stat.textContent = view ? t(`stat.${view.remain_stat}`) : '';
    $('stock-at').textContent = view ? (view.stock_at ? when(view.stock_at) : t('stock.none_yet')) : '–';
    $('sold-today').textContent = view ? t('count', { n: view.sold_today }) : '–';
    const estimate = $('stock-estimate');
    if (view && view.estimated) {
      say(estimate, stockAt
        ? { key: 'stock.estimate', params: { at: when(Rules.kst(stockAt).rfc3339), known: view.known, queued: view.queued } }
        : { key: 'stock.estimate_unknown', params: { known: view.known, queued: view.queued } });
      estimate.hidden = false;
    } else {
      say(estimate, null);
      estimate.hidden = true;
    }
    const halted = Boolean(view && view.sales_halted);
    $('halt-toggle').textContent = t(halted ? 'stock.resume' : 'stock.halt');
    $('halt-toggle').classList.toggle('btn-warn', !halted);
    $('halted-banner').hidden = !halted;
  }

  async function loadSales() {
    const read = ++salesRead;
    const reply = await request('GET', '/portal/v1/sales');
    if (reply.ok && read === salesRead) {
      sales = reply.data.sales;
      if (session) Store.setMeta(`sales:${session.site.code}`, { sales }).catch(() => {});
      renderSales();
      renderConflicts();
    }
  }

  function renderSales() {
    const rows = [...sales].reverse().map((sale) => {
      const row = document.createElement('tr');
      if (sale.status === 'voided') row.className = 'voided';
      const cell = (text, className) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (className) td.className = className;
        row.append(td);
        return td;
      };
      cell(String(sale.sale_id));
      cell(when(sale.sold_at));
      cell(String(sale.quantity), 'num');
      cell(t('sales.year', { year: sale.birth_year }));
      cell(t(sale.proxy ? 'sales.proxy' : 'sales.self'));
      cell(t(sale.status === 'voided' ? 'sales.voided' : 'sales.completed'));
      const action = cell('');
      if (sale.status === 'completed' && online) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'btn btn-small';
        button.textContent = t('sales.void');
        button.setAttribute('aria-label', t('sales.void_label', { id: sale.sale_id }));
        button.dataset.saleId = String(sale.sale_id);
        button.addEventListener('click', () => openVoid(sale, button));
        action.append(button);
      }
      return row;
    });
    $('sales-body').replaceChildren(...rows);
    $('sales-table').hidden = rows.length === 0;
    $('sales-empty').hidden = rows.length !== 0;
  }

  async function loadConflicts() {
    const reply = await request('GET', '/portal/v1/conflicts');
    if (reply.ok) {
      conflicts = reply.data.conflicts;
      renderConflicts();
    }
  }

  /**
   * Stock, sales, conflicts and the date, read afresh (after every write, and when the clerk
   * comes back); with `kit`, or every ten minutes, the policy and seal key too.
   */
  async function refreshAll({ kit = false } = {}) {
    if (!session || !online) return;
    const kitDue = kit || Date.now() - kitLoadedAt > 10 * 60 * 1000;
    try {
      await Promise.all([loadToday(), loadStock(), loadSales(), loadConflicts(), kitDue ? loadOfflineKit() : null]);
    } catch (error) {
      // No answer: the panels keep what they showed, and the page sells offline.
      if (error instanceof NetworkError) { markOffline(); return; }
      if (!(error instanceof SessionEnded)) throw error;
    }
  }

  // --- Stock-in and halt/resume --------------------------------------------------------------

  async function stockIn() {
    const button = $('stock-in-submit');
    if (button.disabled) return;
    const quantityInput = $('stock-in-quantity');
    const quantity = Number(quantityInput.value);
    if (!Number.isInteger(quantity) || quantity < 1) {
      status($('stock-result'), { tone: 'error', key: 'error.invalid_quantity' });
      quantityInput.focus();
      return;
    }
    const reference = $('stock-in-reference').value.trim();
    const body = { quantity, client_key: keyFor('stockIn') };
    if (reference) body.reference = reference;
    setBusy(button, true, 'stock.in_busy');
    try {
      const reply = await write('POST', '/portal/v1/stock-in', body);
      retireKey('stockIn');
      if (reply.status === 201) {
        quantityInput.value = '';
        $('stock-in-reference').value = '';
        await refreshAll();
        status($('stock-result'), { tone: 'ok', key: 'stock.received', params: { quantity, onHand: reply.data.on_hand } });
      } else {
        status($('stock-result'), errorMessage(reply.error));
      }
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      markOffline();
      status($('stock-result'), errorMessage(error));
    } finally {
      setBusy(button, false, 'stock.in_submit');
    }
  }

  async function toggleHalt() {
    const button = $('halt-toggle');
    if (button.disabled || !stock) return;
    const halt = !stock.sales_halted;
    setBusy(button, true);
    try {
      const reply = await write('PUT', '/portal/v1/status', { sales_halted: halt });
      if (reply.ok) {
        stockRead += 1; // this answer is newer than any read in flight
        if (saleError && saleError.code === 'sales_halted') saleError = null;
        applyStock(reply.data);
        status($('stock-result'), { tone: 'ok', key: halt ? 'stock.halted' : 'stock.resumed' });
      } else {
        status($('stock-result'), errorMessage(reply.error));
      }
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      markOffline();
      status($('stock-result'), errorMessage(error));
    } finally {
      setBusy(button, false);
    }
  }

  // --- The sale queue ----------------------------------------------------------------------

  const residentInput = $('resident-id');
  const proxyToggle = $('proxy-toggle');
  const proxyInput = $('proxy-id');
  const quantityInput = $('quantity');
  const sellButton = $('sell');

  /** Bumped by every edit of who is buying; an answer about the buyer counts only for its version. */
  let formVersion = 0;
  /**
   * The eligibility answer for `formVersion`: { version, data } or { version, error }, with
   * `offline: true` when the page checked it itself.
   */
  let eligibility = null;
  /** A refusal at the moment of sale (stock, halt, quota used elsewhere meanwhile). */
  let saleError = null;
  /** What the card shows while there is no answer yet: { checking } or { need: key }. */
  let pendingCard = null;
  let checkTimer = 0;
  let selling = false;

  const currentEligibility = () => (eligibility && eligibility.version === formVersion ? eligibility : null);
  const halted = () => Boolean(stock && stock.sales_halted);

  function mayBuy() {
    const current = currentEligibility();
    return Boolean(current && current.data && current.data.eligible && !saleError && !halted());
  }

  function updateSellButton() {
    sellButton.disabled = selling || !mayBuy();
  }

  const proxyCategory = () => {
    const checked = document.querySelector('input[name="proxy-category"]:checked');
    return checked && checked.value ? checked.value : null;
  };
  function setProxyCategory(value) {
    for (const radio of document.querySelectorAll('input[name="proxy-category"]')) radio.checked = radio.value === value;
  }

  /**
   * The buyer (and the person bought for) as typed, each read and checked as the server would:
   * `{ buyer, target, category }`, each party `{ digits, canonical, birthYear, lastDigit }`;
   * or `{ problem }`, an error like the server's naming the field, when a number cannot be one.
   */
  function readForm() {
    const parties = [['resident_id', residentInput]];
    if (proxyToggle.checked) parties.push(['proxy_for.resident_id', proxyInput]);
    const checkedOn = { today: today && today.date, accept1800s: policy ? policy.accept_1800s : true };
    const read = [];
    for (const [field, input] of parties) {
      const id = Rules.readId(input.value);
      if (id.state !== 'complete') return { problem: { code: 'resident_id_format', field } };
      const checked = Rules.checkId(id.digits, checkedOn);
      if (!checked.ok) return { problem: { code: checked.code, field } };
      read.push({ ...id, ...checked });
    }
    return { buyer: read[0], target: read[1] || null, category: proxyToggle.checked ? proxyCategory() : null };
  }

  /** The person bought for, as the sale and eligibility bodies name them. */
  function proxyFor(form) {
    if (!form.target) return undefined;
    const body = { resident_id: form.target.canonical };
    if (form.category) body.category = form.category;
    return body;
  }

  /** Fills in the hyphen once 13 digits are there (whatever dash or space was pasted). */
  function tidyId(input) {
    const id = Rules.readId(input.value);
    if (id.state === 'complete' && input.value !== id.canonical) input.value = id.canonical;
  }

  /** Forgets the answer about the buyer (the form keeps what was typed). */
  function forgetCheck() {
    clearTimeout(checkTimer);
    formVersion += 1;
    eligibility = null;
    saleError = null;
    pendingCard = null;
    retireKey('sale');
    renderEligibility();
  }

  /** The buyer (or the person bought for) changed: forget the old answer, check the new one. */
  function whoChanged() {
    forgetCheck();
    say($('sale-result'), null); // the last buyer's line would read as this one's
    tidyId(residentInput);
    if (proxyToggle.checked) tidyId(proxyInput);
    quantityInput.value = '';
    const buyer = Rules.readId(residentInput.value).state;
    const target = proxyToggle.checked ? Rules.readId(proxyInput.value).state : 'complete';
    const version = formVersion;
    if (buyer === 'malformed' || target === 'malformed') {
      settle(version, { error: readForm().problem });
      return;
    }
    if (buyer === 'complete') {
      if (target === 'complete') {
        pendingCard = { checking: true };
        checkTimer = setTimeout(guarded(() => check(version)), 120);
      } else {
        pendingCard = { need: 'elig.need_proxy_id' };
      }
    }
    renderEligibility();
  }

  /** The check: the server's while it answers, the page's own (offline-rules.js) otherwise. */
  async function check(version) {
    clearTimeout(checkTimer);
    if (version !== formVersion) return;
    const form = readForm();
    if (form.problem) { settle(version, { error: form.problem }); return; }
    pendingCard = { checking: true };
    renderEligibility();
    let answer = null;
    if (online) {
      const body = { resident_id: form.buyer.canonical };
      if (form.target) body.proxy_for = proxyFor(form);
      try {
        const reply = await request('POST', '/portal/v1/eligibility', body, { timeout: WRITE_TIMEOUT_MS });
        if (reply.status === 503) markOffline();
        else answer = reply.ok ? { data: reply.data } : { error: reply.error };
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        markOffline();
      }
    }
    if (version !== formVersion) return; // the clerk has moved on to someone else
    settle(version, answer || await offlineAnswer(form, 0));
  }

  function settle(version, answer) {
    if (version !== formVersion) return;
    eligibility = { version, ...answer };
    pendingCard = null;
    const data = answer.data;
    if (data && data.eligible) {
      // Default: everything the week allows, but no more than is on the shelf.
      let quantity = data.remaining == null ? 1 : data.remaining;
      const view = stockView();
      if (view && view.on_hand >= 1) quantity = Math.min(quantity, view.on_hand);
      quantityInput.value = String(Math.max(1, quantity));
    }
    renderEligibility();
  }

  /**
   * The page's own check, for when the server does not answer: the policy as last served,
   * and what this device has queued for the quota holder this week (`buying` more).
   */
  async function offlineAnswer(form, buying) {
    const offline = (code) => ({ error: { code }, offline: true });
    if (!Seal.available()) return offline('offline_unavailable');
    if (!policy || !sealKey) return offline('offline_not_ready');
    const date = Rules.kst(serviceNow()).date;
    let bought;
    try {
      bought = await queuedFor(form.target || form.buyer, date);
    } catch {
      return offline('offline_unavailable'); // no IndexedDB: nothing can be queued either
    }
    const data = Rules.assess({
      policy, date, buyer: form.buyer, target: form.target, category: form.category, bought, buying,
    });
    return { data, offline: true };
  }

  function verdictLine(kind, strongKey, why) {
    const line = document.createElement('p');
    line.className = `verdict verdict-${kind}`;
    if (strongKey) {
      const strong = document.createElement('strong');
      strong.textContent = t(strongKey);
      line.append(strong);
    }
    if (why) {
      const span = document.createElement('span');
      span.className = 'why';
      span.textContent = why;
      line.append(span);
    }
    return line;
  }

  /** Errors that mean the number was mistyped, not that the buyer may not buy. */
  const MISTYPED = ['resident_id_format', 'resident_id_date', 'resident_id_checksum'];

  /** The eligibility card: verdict, a refusal in words, birth year, day, week, remaining. */
  function renderEligibility() {
    const card = $('eligibility');
    card.replaceChildren();
    card.className = 'eligibility';
    updateSellButton();
    const current = currentEligibility();
    if (!current) {
      if (pendingCard && pendingCard.checking) card.append(verdictLine('wait', null, t('elig.checking')));
      else if (pendingCard && pendingCard.need) card.append(verdictLine('info', null, t(pendingCard.need)));
      return;
    }
    if (current.error) {
      card.classList.add('is-refused');
      const why = messageText(errorMessage(current.error));
      card.append(MISTYPED.includes(current.error.code)
        ? verdictLine('no', 'elig.mistyped', t('elig.recheck', { why }))
        : verdictLine('no', 'elig.refused', why));
      return;
    }
    const data = current.data;
    // A halted site refuses before any rule: said at once, not after Enter.
    const refusal = saleError || (halted() ? { code: 'sales_halted' } : null);
    card.classList.add(data.eligible && !refusal ? 'is-eligible' : 'is-refused');
    if (refusal) {
      card.append(verdictLine('no', 'elig.refused', messageText(errorMessage(refusal))));
    } else if (data.eligible) {
      card.append(verdictLine('ok', 'elig.ok', null));
    } else {
      card.append(verdictLine('no', 'elig.refused', messageText(errorMessage(data.refusal, { next: data.next_allowed_day }))));
    }

    const day = data.eligible
      ? ['elig.day', t('elig.day_today', { weekday: today ? weekdayName(today.date) : '' })]
      : ['elig.next_day', data.next_allowed_day ? dayName(data.next_allowed_day) : t('elig.day_none')];
    const facts = document.createElement('dl');
    facts.className = 'elig-facts';
    for (const [label, value] of [
      ['elig.birth_year', t('elig.birth_year_value', { year: data.birth_year, proxy: proxyToggle.checked })],
      day,
      [current.offline ? 'elig.bought_here' : 'elig.bought', t('elig.bought_value', { bought: data.bought_this_week, quota: data.quota })],
      ['elig.remaining', data.remaining == null ? t('elig.unlimited') : t('count', { n: data.remaining })],
    ]) {
      const pair = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = t(label);
      dd.textContent = value;
      pair.append(dt, dd);
      facts.append(pair);
    }
    card.append(facts);
    if (current.offline) {
      const note = document.createElement('p');
      note.className = 'verdict-note';
      note.textContent = t('elig.offline_note');
      card.append(note);
    }
  }

  const messageText = (message) => t(message.key, message.params);

  /** Enter (or the button): show the check first if it is not in yet, then record the sale. */
  async function submitSale() {
    if (selling) return;
    if (!residentInput.value.trim()) { residentInput.focus(); return; }
    const current = currentEligibility();
    const stale = ['database_unavailable', 'http_503', 'offline_not_ready'];
    if (!current || (current.error && stale.includes(current.error.code))) {
      // Enter before the answer: show it first; the next Enter sells.
      await check(formVersion);
      return;
    }
    if (!mayBuy()) {
      renderEligibility();
      return;
    }
    const quantity = Number(quantityInput.value);
    if (!Number.isInteger(quantity) || quantity < 1) {
      status($('sale-result'), { tone: 'error', key: 'error.invalid_quantity' });
      quantityInput.focus();
      return;
    }
    const form = readForm();
    if (form.problem) { settle(formVersion, { error: form.problem }); return; }
    const clientKey = keyFor('sale');
    const version = formVersion;
    selling = true;
    setBusy(sellButton, true, 'sale.busy');
    try {
      if (current.offline || !online) {
        await sellOffline(form, quantity, clientKey, version);
        return;
      }
      const body = { resident_id: form.buyer.canonical, quantity, client_key: clientKey };
      if (form.target) body.proxy_for = proxyFor(form);
      let reply = null;
      try {
        reply = await write('POST', '/portal/v1/sales', body);
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
      }
      if (!reply || reply.status === 503) {
        // No answer: the sale is queued under this same key, so if it did reach the server,
        // sending the queue replays it rather than selling twice.
        markOffline();
        await sellOffline(form, quantity, clientKey, version);
        return;
      }
      retireKey('sale');
      if (reply.status === 201) {
        if (stock) { stockRead += 1; stock.on_hand = reply.data.on_hand; }
        status($('sale-result'), {
          tone: 'ok',
          key: 'sale.sold',
          params: { year: current.data.birth_year, quantity: reply.data.quantity, onHand: reply.data.on_hand, proxy: Boolean(form.target) },
        });
        resetSaleForm({ focus: true });
        renderStock();
        await refreshAll();
        return;
      }
      say($('sale-result'), null);
      if (version === formVersion) {
        // Refused at the moment of sale: show why where the check was, and keep the number
        // so the clerk can read it back (Esc clears it).
        saleError = reply.error;
        if (reply.error.code === 'insufficient_stock' || reply.error.code === 'sales_halted') await loadStock();
        renderEligibility();
        if (reply.error.code === 'insufficient_stock' || reply.error.code === 'invalid_quantity') quantityInput.select();
      }
    } finally {
      selling = false;
      setBusy(sellButton, false, 'sale.submit');
      updateSellButton();
    }
  }

  /**
   * A sale while the server does not answer: checked here, then queued (sealed). One sent live
   * first whose answer never came keeps its key, so if the server did record it the batch
   * answers `replayed` with that sale.
   */
  async function sellOffline(form, quantity, clientKey, version) {
    const answer = await offlineAnswer(form, quantity);
    if (version !== formVersion) return;
    const view = stockView();
    const eligible = Boolean(answer.data && answer.data.eligible);
    if (eligible && view && quantity > view.on_hand) saleError = { code: 'insufficient_stock' };
    if (!eligible || saleError) {
      eligibility = { version, ...answer };
      renderEligibility();
      if (saleError) quantityInput.select();
      return;
    }
    try {
      await enqueue({ form, quantity, clientKey, soldAt: Rules.kst(serviceNow()).rfc3339, source: 'counter' });
    } catch {
      status($('sale-result'), errorMessage({ code: 'offline_store_failed' }));
      return;
    }
    retireKey('sale');
    const after = stockView();
    status($('sale-result'), {
      tone: 'ok',
      key: 'offline.queued',
      params: { year: (form.target || form.buyer).birthYear, quantity, onHand: after ? after.on_hand : '–', proxy: Boolean(form.target) },
    });
    resetSaleForm({ focus: true });
  }

  function resetSaleForm({ focus }) {
    residentInput.value = '';
    proxyInput.value = '';
    proxyToggle.checked = false;
    $('proxy-fields').hidden = true;
    setProxyCategory('');
    quantityInput.value = '';
    forgetCheck();
    if (focus) residentInput.focus();
  }

  // --- Void ------------------------------------------------------------------------------------

  const voidDialog = $('void-dialog');
  let voiding = null; // { sale, invoker }

  function openVoid(sale, invoker) {
    voiding = { sale, invoker };
    retireKey('void');
    $('void-reason').value = '';
    say($('void-error'), null);
    const at = clockTime(sale.sold_at);
    say($('void-summary'), {
      key: 'void.summary',
      params: { id: sale.sale_id, time: at ? at.time : '', quantity: sale.quantity, year: sale.birth_year },
    });
    voidDialog.showModal();
    $('void-reason').focus();
  }

  async function submitVoid() {
    const button = $('void-confirm');
    if (!voiding || button.disabled) return;
    const reason = $('void-reason').value.trim();
    if (!reason) {
      say($('void-error'), { key: 'void.need_reason' });
      $('void-reason').focus();
      return;
    }
    const { sale } = voiding;
    setBusy(button, true, 'void.busy');
    try {
      const reply = await write('POST', `/portal/v1/sales/${sale.sale_id}/void`, { reason, client_key: keyFor('void') });
      retireKey('void');
      if (reply.ok) {
        voiding = null;
        voidDialog.close();
        status($('sale-result'), { tone: 'ok', key: 'void.done', params: { id: sale.sale_id, onHand: reply.data.on_hand } });
        residentInput.focus();
        await refreshAll();
      } else {
        say($('void-error'), errorMessage(reply.error));
      }
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      markOffline();
      say($('void-error'), errorMessage(error));
    } finally {
      setBusy(button, false, 'void.submit');
    }
  }

  // --- Offline: the connection, the queue, sending it, conflicts, paper logs ----------------

  /** Whether the server answers, as far as the page can tell. */
  let online = navigator.onLine !== false;
  /** This device's queued sales, every site's, oldest first: a copy of the IndexedDB store. */
  let queueItems = [];
  let syncing = false;
  let syncAgain = false;
  /** What happened to each item the last sending sent: `{ item, result }`. */
  let syncReport = [];
  let pollTimer = 0;
  let lastInputAt = Date.now();
  let queuedCount = 0;

  /** While the server answers: a cheap authenticated read, so a take-over or a halt made on
   * another device shows within seconds. */
  const POLL_MS = 5000;
  /** While it does not: how often to ask whether it is back. */
  const PROBE_MS = 3000;
  /** After this long without input the polling pauses, so an unattended page still idles out. */
  const QUIET_MS = 5 * 60 * 1000;
  const BATCH_MAX = 500;

  const siteQueue = () => (session ? queueItems.filter((item) => item.site_code === session.site.code) : []);

  function markOffline() {
    if (!online) return;
    online = false;
    renderConnection();
    renderStock();
    renderSales();
    schedulePoll();
  }

  function markOnline() {
    if (online) return;
    online = true;
    renderConnection();
    renderStock();
    renderSales();
  }

  /** The banner over the counter, and on the sign-in page what this device still holds. */
  function renderConnection() {
    const banner = $('connection-banner');
    const mine = siteQueue().filter((item) => item.state === 'queued').length;
    const others = session ? queueItems.filter((item) => item.site_code !== session.site.code) : [];
    const codes = (items) => [...new Set(items.map((item) => item.site_code))].join(', ');
    let message = null;
    let state = 'info';
    if (!online) {
      message = { key: 'offline.banner', params: { n: mine } };
      state = 'offline';
    } else if (syncing) {
      message = { key: 'offline.syncing', params: { n: mine } };
    } else if (mine > 0) {
      message = { key: 'offline.waiting', params: { n: mine } };
    } else if (others.length > 0) {
      message = { key: 'offline.other_site', params: { n: others.length, codes: codes(others) } };
    }
    say(banner, message);
    banner.hidden = !message;
    banner.dataset.state = state;
    say($('queue-waiting'), !session && queueItems.length > 0
      ? { key: 'sign_in.queue_waiting', params: { n: queueItems.length, codes: codes(queueItems) } }
      : null);
  }

  function schedulePoll(delay) {
    clearTimeout(pollTimer);
    if (!session) return;
    pollTimer = setTimeout(guarded(poll), delay ?? (online ? POLL_MS : PROBE_MS));
  }

  async function poll() {
    try {
      if (!session) return;
      if (online && (document.hidden || Date.now() - lastInputAt > QUIET_MS)) return;
      if (!online && navigator.onLine === false) return;
      const read = ++stockRead;
      // A 401 here (taken over, expired) ends the session at once, keeping what was typed.
      const reply = await request('GET', '/portal/v1/stock', undefined, { timeout: WRITE_TIMEOUT_MS });
      if (reply.status === 503) { markOffline(); return; }
      if (reply.ok && read === stockRead) applyStock(reply.data);
      if (reply.ok && !online) await reconnected();
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      markOffline();
    } finally {
      schedulePoll();
    }
  }

  async function reconnected() {
    markOnline();
    await refreshAll({ kit: true });
    await syncQueue();
  }

  /** The device's keyed hash of a person (seal.js), under its own non-extractable key. */
  async function personHash(digits) {
    return Seal.personHash(await Store.devicePersonKey(), digits);
  }

  /** What this device has queued for `person` in the week of `date` (every site's). */
  async function queuedFor(person, date) {
    const hash = await personHash(person.digits);
    const week = Rules.weekStart(date);
    return queueItems.filter((item) => item.person === hash && item.week === week)
      .reduce((n, item) => n + item.quantity, 0);
  }

  /** Queues a sale: its numbers sealed to the server's key, the rest as the list shows it. */
  async function enqueue({ form, quantity, clientKey, soldAt, source }) {
    const plaintext = { resident_id: form.buyer.canonical };
    if (form.target) plaintext.proxy_for = proxyFor(form);
    const holder = form.target || form.buyer;
    const item = {
      client_key: clientKey,
      seq: Date.now() * 1000 + (queuedCount++ % 1000),
      site_code: session.site.code,
      quantity,
      sold_at: soldAt,
      offline: true,
      sealed: await Seal.seal(sealKey, clientKey, plaintext),
      person: await personHash(holder.digits),
      week: Rules.weekStart(soldAt.slice(0, 10)),
      birth_year: holder.birthYear,
      proxy: Boolean(form.target),
      source,
      state: 'queued',
    };
    await Store.put(item);
    queueItems = await Store.queued();
    // The last sending's outcome is history once the next sale waits.
    syncReport = [];
    say($('sync-result'), null);
    renderSyncReport();
    renderQueue();
    renderStock();
    if (online) setTimeout(guarded(syncQueue), 0);
  }

  const batchItem = (item) => ({
    client_key: item.client_key, quantity: item.quantity, sold_at: item.sold_at, offline: true, sealed: item.sealed,
  });
  const conflictCodes = (result) => result.conflicts || (result.sale && result.sale.conflicts) || [];

  /**
   * Sends this site's queue, oldest first, in batches. Safe to repeat: every item keeps its
   * client_key, so what the server already recorded comes back `replayed`, never twice.
   */
  async function syncQueue() {
    if (!session || !online) return;
    if (syncing) { syncAgain = true; return; }
    let pending = siteQueue().filter((item) => item.state === 'queued');
    if (pending.length === 0) return;
    syncing = true;
    renderConnection();
    const report = [];
    try {
      while (pending.length > 0) {
        const chunk = pending.slice(0, BATCH_MAX);
        const reply = await request('POST', '/portal/v1/sales/batch', { sales: chunk.map(batchItem) }, { timeout: 30_000 });
        if (reply.status === 503) { markOffline(); break; }
        if (!reply.ok) { say($('sync-result'), errorMessage(reply.error)); break; }
        const sent = new Map(chunk.map((item) => [item.client_key, item]));
        const done = [];
        for (const result of reply.data.results) {
          const item = sent.get(result.client_key);
          if (!item) continue;
          report.push({ item, result });
          if (result.outcome !== 'refused') done.push(item.client_key);
          // Refused: the masks left the counter unrecorded, so the clerk must see it.
          else await Store.put({ ...item, state: 'refused', error: result.error || { code: 'http_400' } });
        }
        await Store.remove(done);
        queueItems = await Store.queued();
        renderQueue();
        const left = siteQueue().filter((item) => item.state === 'queued');
        if (left.length >= pending.length) break; // nothing answered: try again later
        pending = left;
      }
    } catch (error) {
      if (error instanceof NetworkError) {
        markOffline();
        say($('sync-result'), { tone: 'error', key: 'sync.failed' });
      } else if (!(error instanceof SessionEnded)) {
        throw error;
      }
    } finally {
      syncing = false;
      renderConnection();
      renderStock();
    }
    if (report.length > 0) {
      syncReport = report;
      renderSyncReport();
      const refused = report.filter(({ result }) => result.outcome === 'refused').length;
      const flagged = report.filter(({ result }) => conflictCodes(result).length > 0).length;
      say($('sync-result'), {
        tone: refused ? 'error' : 'ok',
        key: 'sync.done',
        params: { recorded: report.length - refused, conflicts: flagged, refused },
      });
      await refreshAll();
    }
    if (syncAgain) {
      syncAgain = false;
      await syncQueue();
    }
  }

  function renderQueue() {
    const items = siteQueue();
    const refused = items.filter((item) => item.state === 'refused').length;
    $('queue-panel').hidden = items.length === 0 && syncReport.length === 0;
    say($('queue-summary'), items.length > 0
      ? { key: 'queue.summary', params: { n: items.length - refused, refused } }
      : { key: 'queue.empty' });
    const rows = items.map((item) => {
      const row = document.createElement('tr');
      row.className = `queued-${item.state}`;
      const cell = (text, className) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (className) td.className = className;
        row.append(td);
        return td;
      };
      cell(when(item.sold_at));
      cell(String(item.quantity), 'num');
      cell(t('sales.year', { year: item.birth_year }));
      cell(t(item.source === 'paper' ? 'queue.paper' : 'queue.counter') + (item.proxy ? ` · ${t('queue.proxy')}` : ''));
      cell(item.state === 'refused'
        ? t('queue.refused', { why: messageText(errorMessage(item.error)) })
        : t('queue.waiting'), 'queue-state');
      const action = cell('');
      if (item.state === 'refused') {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'btn btn-small';
        button.textContent = t('queue.dismiss');
        button.setAttribute('aria-label', t('queue.dismiss_label', { time: when(item.sold_at) }));
        button.addEventListener('click', guarded(() => dismiss(item)));
        action.append(button);
      }
      return row;
    });
    $('queue-body').replaceChildren(...rows);
    $('queue-table').hidden = rows.length === 0;
    $('send-now').hidden = !items.some((item) => item.state === 'queued');
    renderConnection();
  }

  /** The clerk has seen a refused item: it leaves the queue. */
  async function dismiss(item) {
    await Store.remove([item.client_key]);
    queueItems = await Store.queued();
    renderQueue();
    renderStock();
    residentInput.focus();
  }

  function outcomeText(result) {
    if (result.outcome === 'refused') return t('sync.refused', { why: messageText(errorMessage(result.error || {})) });
    const codes = conflictCodes(result);
    const flagged = codes.length ? t('sync.conflicts', { codes: codes.map((code) => t(`conflict.${code}`)).join(', ') }) : '';
    return t(`sync.${result.outcome}`, { id: result.sale ? result.sale.sale_id : '–' }) + flagged;
  }

  function renderSyncReport() {
    const list = $('sync-report');
    list.replaceChildren(...syncReport.map(({ item, result }) => {
      const line = document.createElement('li');
      line.className = `outcome-${result.outcome}`;
      line.textContent = t('sync.line', {
        time: when(item.sold_at), year: item.birth_year, quantity: item.quantity, outcome: outcomeText(result),
      });
      return line;
    }));
    list.hidden = syncReport.length === 0;
    $('queue-panel').hidden = siteQueue().length === 0 && syncReport.length === 0;
  }

  // Conflicts: one entry per sale, resolved together with one note.
  const conflictNotes = new Map(); // sale_id → the note typed so far
  const resolveKeys = new Map(); // conflict id → client_key of its resolve, until answered
  let conflictsShown = '';

  function renderConflicts() {
    const open = conflicts.filter((conflict) => conflict.status === 'open');
    const groups = [];
    for (const conflict of open) {
      let group = groups.find((g) => g.saleId === conflict.sale_id);
      if (!group) {
        group = { saleId: conflict.sale_id, soldAt: conflict.sold_at, conflicts: [] };
        groups.push(group);
      }
      group.conflicts.push(conflict);
    }
    const shown = JSON.stringify([lang, groups, sales.map((sale) => sale.sale_id)]);
    $('conflicts-panel').hidden = groups.length === 0 && !$('conflict-result').textContent;
    if (shown === conflictsShown) return; // unchanged: keep the note being typed, and its focus
    conflictsShown = shown;
    $('conflict-list').replaceChildren(...groups.map((group) => {
      const sale = sales.find((s) => s.sale_id === group.saleId);
      const item = document.createElement('li');
      item.className = 'conflict';
      const what = document.createElement('p');
      what.className = 'conflict-what';
      what.textContent = t('conflicts.line', {
        id: group.saleId, time: when(group.soldAt), year: sale && sale.birth_year, quantity: sale && sale.quantity,
      });
      const codes = document.createElement('p');
      codes.className = 'conflict-codes';
      codes.textContent = group.conflicts.map((conflict) => t(`conflict.${conflict.code}`)).join(' · ');
      const row = document.createElement('div');
      row.className = 'row';
      const field = document.createElement('div');
      field.className = 'field grow';
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.id = `conflict-note-${group.saleId}`;
      input.maxLength = 200;
      input.autocomplete = 'off';
      input.value = conflictNotes.get(group.saleId) || '';
      label.htmlFor = input.id;
      label.textContent = t('conflicts.note');
      field.append(label, input);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn';
      button.textContent = t('conflicts.resolve');
      button.setAttribute('aria-label', t('conflicts.resolve_label', { id: group.saleId }));
      const resolve = guarded(() => resolveConflicts(group, input, button));
      input.addEventListener('input', () => {
        conflictNotes.set(group.saleId, input.value);
        for (const conflict of group.conflicts) resolveKeys.delete(conflict.id); // a new request
      });
      input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') { event.preventDefault(); resolve(); }
      });
      button.addEventListener('click', resolve);
      row.append(field, button);
      item.append(what, codes, row);
      return item;
    }));
  }

  async function resolveConflicts(group, input, button) {
    if (button.disabled) return;
    const note = input.value.trim();
    if (!note) {
      say($('conflict-result'), { tone: 'error', key: 'conflicts.need_note' });
      input.focus();
      return;
    }
    setBusy(button, true);
    try {
      for (const conflict of group.conflicts.filter((c) => c.status === 'open')) {
        if (!resolveKeys.has(conflict.id)) resolveKeys.set(conflict.id, uuid());
        const reply = await write('POST', `/portal/v1/conflicts/${conflict.id}/resolve`, { note, client_key: resolveKeys.get(conflict.id) });
        resolveKeys.delete(conflict.id);
        // Resolved meanwhile (on another device of this site): nothing left to do here.
        if (!reply.ok && reply.error.code !== 'already_resolved') {
          say($('conflict-result'), errorMessage(reply.error));
          input.focus();
          return;
        }
        conflict.status = 'resolved';
      }
      conflictNotes.delete(group.saleId);
      say($('conflict-result'), { tone: 'ok', key: 'conflicts.resolved', params: { id: group.saleId } });
      renderConflicts();
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      markOffline();
      say($('conflict-result'), errorMessage(error));
    } finally {
      setBusy(button, false);
    }
  }

  // Paper logs: sales written down during an outage, entered afterwards at their own time.

  const pad2 = (n) => String(n).padStart(2, '0');

  /** '14:05' (today), '3-10 18:30' (this year) or '2020-03-10 18:30', in Korea time → RFC 3339. */
  function parsePaperTime(text) {
    const now = Rules.kst(serviceNow());
    const typed = text.trim().replace(/\s+/g, ' ');
    let match;
    let y = Number(now.date.slice(0, 4));
    let m = Number(now.date.slice(5, 7));
    let d = Number(now.date.slice(8, 10));
    let hh;
    let mm;
    if ((match = /^(\d{1,2}):?(\d{2})$/.exec(typed))) {
      [hh, mm] = [match[1], match[2]].map(Number);
    } else if ((match = /^(\d{1,2})[-/.](\d{1,2})\.? (\d{1,2}):(\d{2})$/.exec(typed))) {
      [m, d, hh, mm] = match.slice(1).map(Number);
    } else if ((match = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\.?[ T](\d{1,2}):(\d{2})$/.exec(typed))) {
      [y, m, d, hh, mm] = match.slice(1).map(Number);
    } else {
      return null;
    }
    const date = new Date(Date.UTC(y, m - 1, d));
    if (hh > 23 || mm > 59 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
    return `${y}-${pad2(m)}-${pad2(d)}T${pad2(hh)}:${pad2(mm)}:00+09:00`;
  }

  async function submitPaper() {
    const button = $('paper-submit');
    if (button.disabled) return;
    const result = $('paper-result');
    const idInput = $('paper-id');
    const quantityField = $('paper-quantity');
    const timeInput = $('paper-time');
    say(result, null); // the last line's outcome, until this one's is known
    const fail = (message, input) => {
      say(result, { tone: 'error', ...message });
      input.focus();
      input.select();
    };
    tidyId(idInput);
    const id = Rules.readId(idInput.value);
    if (id.state !== 'complete') return fail(errorMessage({ code: 'resident_id_format' }), idInput);
    const checked = Rules.checkId(id.digits, {
      today: Rules.kst(serviceNow()).date, accept1800s: policy ? policy.accept_1800s : true,
    });
    if (!checked.ok) return fail(errorMessage({ code: checked.code }), idInput);
    const quantity = Number(quantityField.value);
    if (!Number.isInteger(quantity) || quantity < 1) return fail({ key: 'error.invalid_quantity' }, quantityField);
    const soldAt = parsePaperTime(timeInput.value);
    if (!soldAt) return fail({ key: 'paper.bad_time' }, timeInput);
    // The server's limits on a backdated sale: not in the future, not older than 72 hours.
    if (Date.parse(soldAt) > serviceNow() + 2 * 60 * 1000) return fail({ key: 'paper.future' }, timeInput);
    if (Date.parse(soldAt) < serviceNow() - 72 * 3600 * 1000) return fail({ key: 'paper.too_old' }, timeInput);
    if (!Seal.available()) return fail(errorMessage({ code: 'offline_unavailable' }), idInput);
    if (!sealKey) return fail(errorMessage({ code: 'offline_not_ready' }), idInput);
    setBusy(button, true);
    try {
      const form = { buyer: { ...id, ...checked }, target: null, category: null };
      await enqueue({ form, quantity, clientKey: uuid(), soldAt, source: 'paper' });
    } catch {
      return fail(errorMessage({ code: 'offline_store_failed' }), idInput);
    } finally {
      setBusy(button, false);
    }
    idInput.value = '';
    quantityField.value = '';
    timeInput.value = '';
    say(result, { tone: 'ok', key: 'paper.queued', params: { year: checked.birthYear, quantity, when: when(soldAt) } });
    idInput.focus();
  }

  function registerServiceWorker() {
    // Needs a secure context, as WebCrypto does: https, or http on localhost.
    if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
    navigator.serviceWorker.register('/sw.js').catch(() => { /* the page works, but not offline */ });
  }

  // --- Buttons in flight ---------------------------------------------------------------------

  function setBusy(button, busy, labelKey) {
    button.disabled = busy;
    button.setAttribute('aria-busy', String(busy));
    if (labelKey) {
      button.dataset.i18n = labelKey;
      button.textContent = t(labelKey);
    }
  }

  // --- Language --------------------------------------------------------------------------------

  function applyLanguage() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll('[data-i18n-value]')) el.value = t(el.dataset.i18nValue);
    // Shown by CSS while the card is empty, so it is not announced after every sale.
    $('eligibility').dataset.placeholder = t('elig.placeholder');
    const toggle = $('lang-toggle');
    toggle.textContent = t('lang.other');
    toggle.lang = lang === 'ko' ? 'en' : 'ko';
    for (const el of messageEls) say(el, el.__message);
    renderEligibility();
    renderToday();
    tickClock();
    renderStock();
    renderSales();
    renderQueue();
    renderSyncReport();
    renderConflicts();
    renderConnection();
  }

  // --- Wiring ----------------------------------------------------------------------------------

  function wire() {
    $('sign-in-form').addEventListener('submit', (event) => { event.preventDefault(); signIn(false); });
    $('takeover').addEventListener('click', () => signIn(true));
    $('takeover-cancel').addEventListener('click', () => {
      $('device-limit').hidden = true;
      $('sign-in-form').hidden = false;
      $('username').focus();
    });
    $('sign-out').addEventListener('click', guarded(signOut));
    $('lang-toggle').addEventListener('click', () => {
      lang = lang === 'ko' ? 'en' : 'ko';
      storageSet(localStorage, STORE.lang, lang);
      applyLanguage();
    });

    for (const input of [residentInput, proxyInput]) input.addEventListener('input', whoChanged);
    for (const radio of document.querySelectorAll('input[name="proxy-category"]')) radio.addEventListener('change', whoChanged);
    proxyToggle.addEventListener('change', () => {
      $('proxy-fields').hidden = !proxyToggle.checked;
      if (proxyToggle.checked && idComplete(residentInput.value) && !proxyInput.value) proxyInput.focus();
      whoChanged();
    });
    quantityInput.addEventListener('input', () => {
      retireKey('sale');
      if (saleError) { saleError = null; renderEligibility(); }
    });
    $('sale-form').addEventListener('submit', (event) => { event.preventDefault(); guarded(submitSale)(); });
    $('sale-form').addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        resetSaleForm({ focus: true });
      } else if (event.key === 'Enter' && event.target instanceof HTMLInputElement) {
        // Handled here, not by implicit submission, which a disabled button would swallow.
        event.preventDefault();
        guarded(submitSale)();
      }
    });

    $('stock-in-form').addEventListener('submit', (event) => { event.preventDefault(); guarded(stockIn)(); });
    for (const id of ['stock-in-quantity', 'stock-in-reference']) $(id).addEventListener('input', () => retireKey('stockIn'));
    $('halt-toggle').addEventListener('click', guarded(toggleHalt));
    $('refresh').addEventListener('click', guarded(() => (online ? refreshAll() : poll())));

    $('void-form').addEventListener('submit', (event) => { event.preventDefault(); guarded(submitVoid)(); });
    $('void-reason').addEventListener('input', () => retireKey('void'));
    $('void-cancel').addEventListener('click', () => voidDialog.close());
    voidDialog.addEventListener('close', () => {
      const invoker = voiding && voiding.invoker;
      voiding = null;
      if (invoker && invoker.isConnected) invoker.focus();
    });

    // Paper logs: Enter moves field to field; in the last one it adds the line to the queue.
    const paperFields = ['paper-id', 'paper-quantity', 'paper-time'].map($);
    $('paper-form').addEventListener('submit', (event) => { event.preventDefault(); guarded(submitPaper)(); });
    $('paper-form').addEventListener('keydown', (event) => {
      const at = paperFields.indexOf(event.target);
      if (event.key === 'Escape') {
        event.preventDefault();
        for (const field of paperFields) field.value = '';
        say($('paper-result'), null);
        paperFields[0].focus();
      } else if (event.key === 'Enter' && at >= 0) {
        event.preventDefault();
        if (at === 0) tidyId(paperFields[0]);
        if (at < paperFields.length - 1) paperFields[at + 1].focus();
        else guarded(submitPaper)();
      }
    });
    $('paper-panel').addEventListener('toggle', () => { if ($('paper-panel').open) paperFields[0].focus(); });
    $('send-now').addEventListener('click', guarded(() => (online ? syncQueue() : poll())));

    // Catch up with other devices and the clock when the clerk comes back to this window.
    document.addEventListener('visibilitychange', () => { if (!document.hidden) guarded(() => refreshAll())(); });
    window.addEventListener('focus', guarded(() => refreshAll()));
    // The browser knows before any request does.
    window.addEventListener('offline', markOffline);
    window.addEventListener('online', () => schedulePoll(0));
    // Polling pauses when nobody has touched the page for a while (see QUIET_MS).
    for (const type of ['keydown', 'pointerdown', 'input']) document.addEventListener(type, () => { lastInputAt = Date.now(); }, true);
    // Leave no ID behind in a page kept in the back/forward cache.
    window.addEventListener('pagehide', () => {
      resetSaleForm({ focus: false });
      $('paper-id').value = '';
    });
  }

  async function start() {
    wire();
    applyLanguage();
    registerServiceWorker();
    // The service's date, for times shown before sign-in (the devices holding the site).
    loadToday().catch(() => {});
    setInterval(tickClock, 15_000);
    const saved = storageGet(sessionStorage, STORE.session);
    try { session = saved ? JSON.parse(saved) : null; } catch { session = null; }
    queueItems = await Store.queued().catch(() => []);
    if (session && session.token && session.site) {
      await guarded(openCounter)();
    } else {
      session = null;
      showSignIn(null);
    }
  }

  start();
})();
