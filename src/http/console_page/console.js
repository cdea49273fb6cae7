// The operator's console: national figures, the directory, accounts, keys, sessions and the
// audit log, over the admin API of this origin only. Korean by default, English on request.
'use strict';

(() => {
  const I18N = {
    ko: {
      'page.title': '공적 마스크 운영 콘솔', 'lang.other': 'English',
      'tab.now': '현황', 'tab.sites': '판매처', 'tab.users': '계정', 'tab.keys': 'API 키', 'tab.sessions': '세션', 'tab.audit': '감사 기록',
      'session.sign_out': '로그아웃', 'sign_in.title': '운영자 로그인', 'sign_in.username': '아이디', 'sign_in.password': '비밀번호', 'sign_in.submit': '로그인',
      'sign_in.not_admin': '운영자 계정이 아닙니다. 판매원은 판매 입력 화면을 쓰세요.', 'sign_in.failed': '아이디 또는 비밀번호가 맞지 않습니다.',
      'now.on_hand': '전국 재고', 'now.sold_today': '오늘 판매', 'now.sites': '판매처', 'now.open_conflicts': '미해결 충돌',
      'now.by_hour': '오늘 시간대별 판매', 'now.by_sido': '시/도별', 'now.stale': '재고가 있으나 입력이 없는 판매처', 'now.hours': '시간 이상',
      'now.conflicts': '미해결 충돌', 'now.updated': '갱신',
      'status.plenty': '충분', 'status.some': '보통', 'status.few': '부족', 'status.empty': '없음', 'status.break': '판매중지',
      'col.sido': '시/도', 'col.sites': '판매처', 'col.on_hand': '재고', 'col.code': '코드', 'col.name': '이름', 'col.updated': '마지막 변동',
      'col.site': '판매처', 'col.conflict': '규칙', 'col.sold_at': '판매 시각', 'col.status': '상태', 'col.addr': '주소', 'col.lat': '위도',
      'col.lng': '경도', 'col.devices': '기기 수', 'col.role': '역할', 'col.device': '기기', 'col.last_seen': '최근 사용', 'col.at': '시각', 'col.detail': '내용',
      'any': '전체', 'search': '검색', 'save': '저장', 'type.pharmacy': '약국', 'type.post_office': '우체국', 'type.nonghyup': '농협',
      'sites.q': '코드, 이름, 주소', 'sites.sido': '시/도', 'sites.ledger': '최근 재고 기록', 'sites.total': '{n}곳',
      'sites.halt': '판매 중지', 'sites.resume': '판매 재개', 'sites.confirm_halt': '{name}의 판매를 중지할까요? 지도 앱에 판매중지로 표시됩니다.',
      'sites.confirm_resume': '{name}의 판매를 재개할까요?', 'sites.saved': '저장했습니다.',
      'import.title': '판매처 목록 가져오기 (CSV)', 'import.help': '열: code,name,addr,type,lat,lng · type 01 약국, 02 우체국, 03 농협 · UTF-8 또는 CP949',
      'import.submit': '가져오기', 'import.done': '추가 {added} · 변경 {updated} · 그대로 {unchanged}',
      'import.bad': '잘못된 행 {n}개: 아무것도 반영하지 않았습니다.', 'import.line': '행', 'import.field': '열', 'import.reason': '이유',
      'filter.site': '판매처 코드', 'filter.user': '아이디', 'filter.action': '동작', 'filter.from': '부터', 'filter.to': '까지',
      'role.clerk': '판매원', 'role.admin': '운영자', 'users.add': '계정 만들기', 'users.disable': '사용 중지', 'users.unlock': '잠금 해제', 'users.reset': '비밀번호 재설정',
      'users.password': '{user}의 일회용 비밀번호 (지금만 표시): {password}', 'users.confirm_disable': '{user} 계정을 사용 중지할까요?',
      'users.confirm_reset': '{user}의 비밀번호를 새로 만들까요? 기존 비밀번호는 쓸 수 없게 됩니다.', 'users.confirm_unlock': '{user}의 잠금을 해제할까요?',
      'users.active': '사용 중', 'users.disabled': '중지됨', 'users.locked': '잠김',
      'keys.name': '이름 (앱)', 'keys.issue': '키 발급', 'keys.rate': '초당', 'keys.last_used': '최근 사용', 'keys.revoke': '폐기',
      'keys.shown_once': '새 API 키 (지금만 표시): {key}', 'keys.confirm_revoke': '키 {id} ({name})를 폐기할까요? 이 키의 요청은 거부됩니다.',
      'keys.active': '사용 중', 'keys.revoked': '폐기됨',
      'sessions.revoke': '종료', 'sessions.confirm_revoke': '{user}의 세션({device})을 종료할까요?',
      'audit.csv': 'CSV 내려받기', 'audit.more': '더 보기', 'done': '처리했습니다.', 'error': '오류: {message}',
    },
    en: {
      'page.title': 'Mask rationing operator console', 'lang.other': '한국어',
      'tab.now': 'Now', 'tab.sites': 'Sites', 'tab.users': 'Users', 'tab.keys': 'API keys', 'tab.sessions': 'Sessions', 'tab.audit': 'Audit',
      'session.sign_out': 'Sign out', 'sign_in.title': 'Operator sign-in', 'sign_in.username': 'Username', 'sign_in.password': 'Password', 'sign_in.submit': 'Sign in',
      'sign_in.not_admin': 'This is not an operator account. Clerks use the counter page.', 'sign_in.failed': 'Wrong username or password.',
      'now.on_hand': 'On hand nationally', 'now.sold_today': 'Sold today', 'now.sites': 'Sites', 'now.open_conflicts': 'Open conflicts',
      'now.by_hour': 'Sales per hour today', 'now.by_sido': 'By province', 'now.stale': 'Sites holding stock with nothing entered for', 'now.hours': 'hours or more',
      'now.conflicts': 'Open conflicts', 'now.updated': 'Updated',
      'status.plenty': 'plenty', 'status.some': 'some', 'status.few': 'few', 'status.empty': 'empty', 'status.break': 'halted',
      'col.sido': 'Province', 'col.sites': 'Sites', 'col.on_hand': 'On hand', 'col.code': 'Code', 'col.name': 'Name', 'col.updated': 'Last change',
      'col.site': 'Site', 'col.conflict': 'Rule', 'col.sold_at': 'Sold at', 'col.status': 'Status', 'col.addr': 'Address', 'col.lat': 'Latitude',
      'col.lng': 'Longitude', 'col.devices': 'Devices', 'col.role': 'Role', 'col.device': 'Device', 'col.last_seen': 'Last seen', 'col.at': 'At', 'col.detail': 'Detail',
      'any': 'Any', 'search': 'Search', 'save': 'Save', 'type.pharmacy': 'Pharmacy', 'type.post_office': 'Post office', 'type.nonghyup': 'Nonghyup',
      'sites.q': 'Code, name, address', 'sites.sido': 'Province', 'sites.ledger': 'Recent stock ledger', 'sites.total': '{n} sites',
      'sites.halt': 'Halt sales', 'sites.resume': 'Resume sales', 'sites.confirm_halt': 'Halt sales at {name}? Map apps will show it as halted.',
      'sites.confirm_resume': 'Resume sales at {name}?', 'sites.saved': 'Saved.',
      'import.title': 'Import the store directory (CSV)', 'import.help': 'Columns: code,name,addr,type,lat,lng · type 01 pharmacy, 02 post office, 03 Nonghyup · UTF-8 or CP949',
      'import.submit': 'Import', 'import.done': 'Added {added} · updated {updated} · unchanged {unchanged}',
      'import.bad': '{n} bad row(s): nothing was applied.', 'import.line': 'Line', 'import.field': 'Column', 'import.reason': 'Reason',
      'filter.site': 'Site code', 'filter.user': 'Username', 'filter.action': 'Action', 'filter.from': 'From', 'filter.to': 'To',
      'role.clerk': 'Clerk', 'role.admin': 'Operator', 'users.add': 'Create account', 'users.disable': 'Disable', 'users.unlock': 'Unlock', 'users.reset': 'Reset password',
      'users.password': 'One-time password for {user} (shown only now): {password}', 'users.confirm_disable': 'Disable the account {user}?',
      'users.confirm_reset': 'Make a new password for {user}? The old one stops working.', 'users.confirm_unlock': 'Unlock {user}?',
      'users.active': 'active', 'users.disabled': 'disabled', 'users.locked': 'locked',
      'keys.name': 'Name (app)', 'keys.issue': 'Issue key', 'keys.rate': 'Per second', 'keys.last_used': 'Last used', 'keys.revoke': 'Revoke',
      'keys.shown_once': 'New API key (shown only now): {key}', 'keys.confirm_revoke': 'Revoke key {id} ({name})? Its requests will be refused.',
      'keys.active': 'active', 'keys.revoked': 'revoked',
      'sessions.revoke': 'End', 'sessions.confirm_revoke': 'End the session of {user} ({device})?',
      'audit.csv': 'Download CSV', 'audit.more': 'More', 'done': 'Done.', 'error': 'Error: {message}',
    },
  };

  const $ = (id) => document.getElementById(id);
  const STORE = { token: 'maskportal.console.token', lang: 'maskportal.lang', device: 'maskportal.console.device' };
  const get = (store, key) => { try { return store.getItem(key); } catch { return null; } };
  const set = (store, key, value) => { try { if (value === null) store.removeItem(key); else store.setItem(key, value); } catch { /* private mode */ } };

  let lang = get(localStorage, STORE.lang) === 'en' ? 'en' : 'ko';
  let token = get(sessionStorage, STORE.token);
  let view = 'now';
  let poll = null;
  let chart = null;
  let openSite = null;
  let auditCursor = null;

  const t = (key, params = {}) => (I18N[lang][key] ?? I18N.ko[key] ?? key).replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
  const number = (n) => Number(n).toLocaleString(lang === 'ko' ? 'ko-KR' : 'en-US');
  const time = (iso) => (iso ? iso.replace('T', ' ').slice(0, 16) : '–');

  function translate() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    $('lang-toggle').textContent = t('lang.other');
    $('lang-toggle').lang = lang === 'ko' ? 'en' : 'ko';
    document.title = t('page.title');
  }

  function say(text, error = false) {
    const box = $('message');
    box.textContent = text;
    box.classList.toggle('error', error);
    box.hidden = !text;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super(body?.error?.message ?? `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, { json, body, contentType, accept } = {}) {
    const headers = { Authorization: `Bearer ${token}` };
    if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
    if (contentType) headers['Content-Type'] = contentType;
    if (accept) headers.Accept = accept;
    const reply = await fetch(path, { method, headers, body, cache: 'no-store' });
    if (reply.status === 401) { signedOut(); throw new ApiError(401, await reply.json().catch(() => null)); }
    if (reply.status === 204) return null;
    if (accept === 'text/csv' && reply.ok) return reply.blob();
    const parsed = await reply.json().catch(() => null);
    if (!reply.ok) throw new ApiError(reply.status, parsed);
    return parsed;
  }

  const failed = (error) => say(t('error', { message: error.message }), true);

  /** Runs an action after the operator confirms it; reports and refreshes. */
  async function confirmed(question, action) {
    if (!window.confirm(question)) return;
    try { await action(); say(t('done')); await refresh(); } catch (error) { failed(error); }
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.append(td);
    return td;
  }

  function button(label, onClick, className = 'btn small quiet') {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = className;
    b.textContent = label;
    b.addEventListener('click', onClick);
    return b;
  }

  function badge(status) {
    const span = document.createElement('span');
    span.className = `badge ${status}`;
    span.dataset.status = status;
    span.textContent = t(`status.${status}`);
    return span;
  }

  // --- sign-in -------------------------------------------------------------------------------
  function deviceId() {
    let id = get(localStorage, STORE.device);
    if (!id) { id = `console-${crypto.randomUUID()}`; set(localStorage, STORE.device, id); }
    return id;
  }

  function signedOut() {
    token = null;
    set(sessionStorage, STORE.token, null);
    clearInterval(poll);
    show('sign-in');
  }

  async function signIn(event) {
    event.preventDefault();
    say('');
    const reply = await fetch('/portal/v1/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: $('username').value.trim(), password: $('password').value, device_id: deviceId(), device_name: 'console' }),
    });
    const body = await reply.json().catch(() => null);
    if (!reply.ok) { say(reply.status === 401 ? t('sign_in.failed') : t('error', { message: body?.error?.message }), true); return; }
    token = body.token;
    if (body.site !== null) {
      await fetch('/portal/v1/sessions/current', { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
      token = null;
      say(t('sign_in.not_admin'), true);
      return;
    }
    set(sessionStorage, STORE.token, token);
    $('password').value = '';
    $('who').textContent = $('username').value.trim();
    show(view === 'sign-in' ? 'now' : view);
  }

  async function signOut() {
    await fetch('/portal/v1/sessions/current', { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
    signedOut();
  }

  // --- views ---------------------------------------------------------------------------------
  const VIEWS = ['now', 'sites', 'users', 'keys', 'sessions', 'audit'];

  function show(name) {
    view = name;
    const signedIn = Boolean(token);
    $('view-sign-in').hidden = signedIn;
    $('tabs').hidden = !signedIn;
    $('sign-out').hidden = !signedIn;
    for (const v of VIEWS) $(`view-${v}`).hidden = !signedIn || v !== name;
    document.querySelectorAll('.tab').forEach((tab) => {
      if (tab.dataset.view === name) tab.setAttribute('aria-current', 'page'); else tab.removeAttribute('aria-current');
    });
    clearInterval(poll);
    if (!signedIn) { $('username').focus(); return; }
    refresh();
    if (name === 'now') poll = setInterval(() => { if (!document.hidden) refresh(); }, 5000);
  }

  async function refresh() {
    try {
      if (view === 'now') await loadNow();
      else if (view === 'sites') await loadSites();
      else if (view === 'users') await loadUsers();
      else if (view === 'keys') await loadKeys();
      else if (view === 'sessions') await loadSessions();
      else if (view === 'audit') await loadAudit(false);
    } catch (error) {
      if (error.status !== 401) failed(error);
    }
  }

  // --- now -----------------------------------------------------------------------------------
  async function loadNow() {
    const hours = Math.min(168, Math.max(1, Number($('stale-hours').value) || 3));
    const [d, conflicts] = await Promise.all([
      api('GET', `/admin/v1/dashboard?stale_hours=${hours}`),
      api('GET', '/admin/v1/conflicts'),
    ]);
    $('fig-on-hand').textContent = number(d.on_hand);
    $('fig-sold-today').textContent = number(d.sold_today);
    $('fig-sites').textContent = number(d.sites);
    $('fig-conflicts').textContent = number(d.open_conflicts);
    $('fig-stale').textContent = number(d.stale_count);
    $('fig-now').textContent = time(d.now);
    for (const [status, count] of Object.entries(d.by_status)) {
      $('fig-status').querySelector(`[data-status="${status}"]`).textContent = number(count);
    }
    const most = Math.max(1, ...d.by_sido.map((line) => line.on_hand));
    const rows = d.by_sido.map((line) => {
      const tr = document.createElement('tr');
      cell(tr, line.sido);
      cell(tr, number(line.sites), 'num');
      cell(tr, number(line.on_hand), 'num');
      const bar = document.createElement('div');
      bar.className = 'bar';
      bar.style.width = `${Math.round((100 * Math.max(0, line.on_hand)) / most)}%`;
      cell(tr, '', 'barcell').append(bar);
      return tr;
    });
    $('sido-rows').replaceChildren(...rows);
    $('stale-rows').replaceChildren(...d.stale.map((site) => {
      const tr = document.createElement('tr');
      cell(tr, site.code);
      cell(tr, site.name);
      cell(tr, number(site.on_hand), 'num');
      cell(tr, time(site.updated_at));
      return tr;
    }));
    $('conflict-rows').replaceChildren(...conflicts.conflicts.slice(0, 20).map((c) => {
      const tr = document.createElement('tr');
      cell(tr, c.site);
      cell(tr, c.code);
      cell(tr, time(c.sold_at));
      return tr;
    }));
    drawChart(d.sold_by_hour);
  }

  function drawChart(perHour) {
    const hours = perHour.map((_, h) => h);
    const data = [hours, perHour];
    const width = Math.max(280, $('chart').clientWidth || 480);
    if (chart) { chart.setData(data); chart.setSize({ width, height: 240 }); return; }
    if (typeof uPlot !== 'function') return;
    chart = new uPlot({
      width,
      height: 240,
      scales: { x: { time: false, range: [-0.5, 23.5] } },
      // Whole hours and whole masks only.
      axes: [
        { incrs: [1, 2, 3, 4, 6], values: (_, ticks) => ticks.map((h) => (lang === 'ko' ? `${h}시` : `${h}:00`)) },
        { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000] },
      ],
      legend: { show: false },
      series: [{}, { label: 'sold', fill: 'rgba(29,95,191,0.35)', stroke: '#1d5fbf', paths: uPlot.paths.bars({ size: [0.7] }), points: { show: false } }],
    }, data, $('chart'));
  }

  // --- sites ---------------------------------------------------------------------------------
  async function loadSites() {
    const params = new URLSearchParams({ limit: '200' });
    for (const [name, id] of [['q', 'site-q'], ['sido', 'site-sido'], ['type', 'site-type'], ['status', 'site-status']]) {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    }
    const found = await api('GET', `/admin/v1/sites?${params}`);
    $('site-total').textContent = t('sites.total', { n: number(found.total) });
    $('site-rows').replaceChildren(...found.sites.map((site) => {
      const tr = document.createElement('tr');
      tr.dataset.code = site.code;
      if (site.code === openSite) tr.className = 'selected';
      cell(tr, '').append(button(site.code, () => openDetail(site.code), 'rowlink'));
      cell(tr, site.name);
      cell(tr, site.sido ?? '–');
      cell(tr, number(site.on_hand), 'num');
      cell(tr, '').append(badge(site.remain_stat));
      return tr;
    }));
    if (openSite) await openDetail(openSite);
  }

  async function openDetail(code) {
    openSite = code;
    const d = await api('GET', `/admin/v1/sites/${encodeURIComponent(code)}`);
    const site = d.site;
    $('site-detail').hidden = false;
    $('detail-title').textContent = `${site.name} (${site.code})`;
    $('detail-on-hand').textContent = number(site.on_hand);
    $('detail-sold').textContent = number(d.sold_today);
    $('detail-status').replaceWith(Object.assign(badge(site.remain_stat), { id: 'detail-status' }));
    const halt = $('detail-halt');
    halt.textContent = site.sales_halted ? t('sites.resume') : t('sites.halt');
    halt.className = site.sales_halted ? 'btn' : 'btn danger';
    halt.onclick = () => confirmed(t(site.sales_halted ? 'sites.confirm_resume' : 'sites.confirm_halt', { name: site.name }),
      () => api('PUT', `/admin/v1/sites/${site.code}/status`, { json: { sales_halted: !site.sales_halted } }));
    $('edit-name').value = site.name;
    $('edit-addr').value = site.addr;
    $('edit-lat').value = site.lat;
    $('edit-lng').value = site.lng;
    $('edit-devices').value = site.max_devices;
    $('detail-ledger').replaceChildren(...d.ledger.map((entry) => {
      const tr = document.createElement('tr');
      cell(tr, time(entry.occurred_at));
      cell(tr, entry.entry);
      cell(tr, entry.delta > 0 ? `+${entry.delta}` : String(entry.delta), 'num');
      cell(tr, number(entry.on_hand_after), 'num');
      return tr;
    }));
    $('detail-sessions').replaceChildren(...d.sessions.map((s) => {
      const tr = document.createElement('tr');
      cell(tr, s.username);
      cell(tr, s.device_name ?? s.device_id);
      cell(tr, time(s.last_seen_at));
      return tr;
    }));
    document.querySelectorAll('#site-rows tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.code === code));
  }

  async function saveSite(event) {
    event.preventDefault();
    const json = {
      name: $('edit-name').value, addr: $('edit-addr').value,
      lat: Number($('edit-lat').value), lng: Number($('edit-lng').value), max_devices: Number($('edit-devices').value),
    };
    try { await api('PATCH', `/admin/v1/sites/${openSite}`, { json }); say(t('sites.saved')); await loadSites(); } catch (error) { failed(error); }
  }

  async function importFile(event) {
    event.preventDefault();
    const file = $('import-file').files[0];
    if (!file) return;
    const report = $('import-report');
    report.replaceChildren();
    try {
      const done = await api('POST', '/admin/v1/sites/import', { body: await file.arrayBuffer(), contentType: 'text/csv' });
      const p = document.createElement('p');
      p.id = 'import-done';
      p.textContent = t('import.done', done);
      report.append(p);
      await loadSites();
    } catch (error) {
      const rows = error.body?.error?.rows;
      if (!rows) { failed(error); return; }
      const p = document.createElement('p');
      p.className = 'message error';
      p.textContent = t('import.bad', { n: rows.length });
      const table = document.createElement('table');
      table.className = 'table';
      table.id = 'import-rows';
      const head = table.createTHead().insertRow();
      for (const key of ['import.line', 'import.field', 'import.reason']) {
        const th = document.createElement('th');
        th.textContent = t(key);
        head.append(th);
      }
      const body = table.createTBody();
      for (const row of rows.slice(0, 500)) {
        const tr = body.insertRow();
        cell(tr, String(row.line), 'num');
        cell(tr, row.field);
        cell(tr, row.reason);
      }
      report.append(p, table);
    }
  }

  // --- users, keys, sessions -----------------------------------------------------------------
  async function loadUsers() {
    const site = $('user-site').value.trim();
    const found = await api('GET', `/admin/v1/users${site ? `?site=${encodeURIComponent(site)}` : ''}`);
    $('user-rows').replaceChildren(...found.users.map((user) => {
      const tr = document.createElement('tr');
      tr.dataset.username = user.username;
      cell(tr, user.username);
      cell(tr, t(`role.${user.role}`));
      cell(tr, user.site ?? '–');
      cell(tr, user.disabled ? t('users.disabled') : user.locked_until ? t('users.locked') : t('users.active'));
      const actions = cell(tr, '');
      const name = encodeURIComponent(user.username);
      if (!user.disabled) {
        actions.append(button(t('users.disable'), () => confirmed(t('users.confirm_disable', { user: user.username }),
          () => api('POST', `/admin/v1/users/${name}/disable`))));
      }
      if (user.locked_until) {
        actions.append(button(t('users.unlock'), () => confirmed(t('users.confirm_unlock', { user: user.username }),
          () => api('POST', `/admin/v1/users/${name}/unlock`))));
      }
      actions.append(button(t('users.reset'), () => confirmed(t('users.confirm_reset', { user: user.username }), async () => {
        const reset = await api('POST', `/admin/v1/users/${name}/password`);
        showSecret('one-time', t('users.password', { user: user.username, password: reset.password }));
      })));
      return tr;
    }));
  }

  function showSecret(id, text) {
    $(id).textContent = text;
    $(id).hidden = false;
  }

  async function addUser(event) {
    event.preventDefault();
    const json = { username: $('new-username').value.trim(), role: $('new-role').value };
    if ($('new-site').value.trim()) json.site = $('new-site').value.trim();
    try {
      const made = await api('POST', '/admin/v1/users', { json });
      showSecret('one-time', t('users.password', { user: made.user.username, password: made.password }));
      await loadUsers();
    } catch (error) { failed(error); }
  }

  async function loadKeys() {
    const found = await api('GET', '/admin/v1/api-keys');
    $('key-rows').replaceChildren(...found.api_keys.map((key) => {
      const tr = document.createElement('tr');
      tr.dataset.id = key.id;
      cell(tr, String(key.id));
      cell(tr, key.name);
      cell(tr, number(key.per_second), 'num');
      cell(tr, time(key.last_used_at));
      cell(tr, key.revoked_at ? t('keys.revoked') : t('keys.active'));
      const actions = cell(tr, '');
      if (!key.revoked_at) {
        actions.append(button(t('keys.revoke'), () => confirmed(t('keys.confirm_revoke', { id: key.id, name: key.name }),
          () => api('DELETE', `/admin/v1/api-keys/${key.id}`))));
      }
      return tr;
    }));
  }

  async function issueKey(event) {
    event.preventDefault();
    try {
      const issued = await api('POST', '/admin/v1/api-keys', { json: { name: $('key-name').value, per_second: Number($('key-rate').value) } });
      showSecret('new-key', t('keys.shown_once', { key: issued.key }));
      await loadKeys();
    } catch (error) { failed(error); }
  }

  async function loadSessions() {
    const site = $('session-site').value.trim();
    const found = await api('GET', `/admin/v1/sessions${site ? `?site=${encodeURIComponent(site)}` : ''}`);
    $('session-rows').replaceChildren(...found.sessions.map((s) => {
      const tr = document.createElement('tr');
      cell(tr, s.username);
      cell(tr, s.site ?? '–');
      cell(tr, s.device_name ?? s.device_id);
      cell(tr, time(s.last_seen_at));
      cell(tr, '').append(button(t('sessions.revoke'), () => confirmed(
        t('sessions.confirm_revoke', { user: s.username, device: s.device_name ?? s.device_id }),
        () => api('DELETE', `/admin/v1/sessions/${encodeURIComponent(s.session_id)}`))));
      return tr;
    }));
  }

  // --- audit ---------------------------------------------------------------------------------
  function auditQuery() {
    const params = new URLSearchParams();
    for (const [name, id] of [['site', 'audit-site'], ['user', 'audit-user'], ['action', 'audit-action']]) {
      const value = $(id).value.trim();
      if (value) params.set(name, value);
    }
    // datetime-local is Korea time as the operator reads it.
    for (const [name, id] of [['from', 'audit-from'], ['to', 'audit-to']]) {
      if ($(id).value) params.set(name, `${$(id).value}:00+09:00`);
    }
    return params;
  }

  async function loadAudit(more) {
    const params = auditQuery();
    params.set('limit', '100');
    if (more && auditCursor) params.set('before', String(auditCursor));
    const page = await api('GET', `/admin/v1/audit?${params}`);
    const rows = page.entries.map((entry) => {
      const tr = document.createElement('tr');
      cell(tr, time(entry.at));
      cell(tr, entry.action);
      cell(tr, entry.username ?? '–');
      cell(tr, entry.site ?? '–');
      cell(tr, JSON.stringify(entry.detail), 'detail');
      return tr;
    });
    if (more) $('audit-rows').append(...rows); else $('audit-rows').replaceChildren(...rows);
    auditCursor = page.next_before;
    $('audit-more').hidden = auditCursor === null;
  }

  async function downloadCsv() {
    try {
      const blob = await api('GET', `/admin/v1/audit?${auditQuery()}`, { accept: 'text/csv' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = 'audit.csv';
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (error) { failed(error); }
  }

  // --- wiring --------------------------------------------------------------------------------
  document.addEventListener('DOMContentLoaded', () => {
    translate();
    $('sign-in-form').addEventListener('submit', signIn);
    $('sign-out').addEventListener('click', signOut);
    $('lang-toggle').addEventListener('click', () => {
      lang = lang === 'ko' ? 'en' : 'ko';
      set(localStorage, STORE.lang, lang);
      translate();
      if (token) refresh();
    });
    document.querySelectorAll('.tab').forEach((tab) => tab.addEventListener('click', () => show(tab.dataset.view)));
    document.addEventListener('keydown', (event) => {
      const index = Number(event.key) - 1;
      if (event.altKey && token && index >= 0 && index < VIEWS.length) { event.preventDefault(); show(VIEWS[index]); }
    });
    $('stale-hours').addEventListener('change', refresh);
    $('site-search').addEventListener('submit', (event) => { event.preventDefault(); refresh(); });
    $('site-edit').addEventListener('submit', saveSite);
    $('import-form').addEventListener('submit', importFile);
    $('user-filter').addEventListener('submit', (event) => { event.preventDefault(); refresh(); });
    $('user-add').addEventListener('submit', addUser);
    $('key-issue').addEventListener('submit', issueKey);
    $('session-filter').addEventListener('submit', (event) => { event.preventDefault(); refresh(); });
    $('audit-filter').addEventListener('submit', (event) => { event.preventDefault(); refresh(); });
    $('audit-more').addEventListener('click', () => loadAudit(true).catch(failed));
    $('audit-csv').addEventListener('click', downloadCsv);
    show(token ? 'now' : 'sign-in');
  });
})();
