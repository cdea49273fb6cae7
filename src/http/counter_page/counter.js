// The counter page: sign-in, stock, the sale queue and today's sales, over /portal/v1.
//
// Privacy: a resident ID lives only in its input field. It is sent in the request that needs
// it and never copied into a variable that outlives that request, into storage, or into the
// sales list (which shows birth years only).
//
// Exactly-once writes: every write carries a client_key made once per clerk action. A retry
// (automatic, or the clerk pressing the button again after a network failure without editing
// the form) re-sends the same key, so the server answers with the first result instead of
// selling twice.
'use strict';

(() => {
  // --- Strings: every word the page shows, in one dictionary ---------------------------------

  const WEEKDAYS = {
    ko: ['일요일', '월요일', '화요일', '수요일', '목요일', '금요일', '토요일'],
    en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  };
  const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
    'September', 'October', 'November', 'December'];

  const I18N = {
    ko: {
      'page.title': '공적 마스크 판매 입력',
      'lang.other': 'English',
      'session.sign_out': '로그아웃',
      'today': (p) => `${p.date} (${p.weekday})`,
      'date.long': (p) => `${p.y}년 ${p.m}월 ${p.d}일`,
      'date.short': (p) => `${p.m}월 ${p.d}일`,
      'day': (p) => `${p.weekday} (${p.date})`,
      'unit.masks': '개',
      'count': (p) => `${p.n}개`,

      'sign_in.title': '판매처 로그인',
      'sign_in.username': '아이디',
      'sign_in.password': '비밀번호',
      'sign_in.device_name': '이 기기 이름',
      'sign_in.device_name_hint': '같은 판매처의 다른 기기에 표시됩니다 (예: 1번 계산대)',
      'sign_in.submit': '로그인',
      'sign_in.busy': '로그인 중…',
      'sign_in.missing': '아이디와 비밀번호를 입력하세요.',
      'sign_in.not_a_clerk': '판매처 직원 계정으로만 사용할 수 있습니다.',
      'sign_in.default_device': (p) => `계산대 ${p.tag}`,

      'devices.title': (p) => `이 판매처에서 동시에 로그인할 수 있는 기기 ${p.max}대가 모두 사용 중입니다`,
      'devices.signed_in': '지금 로그인한 기기:',
      'devices.unnamed': '이름 없는 기기',
      'devices.line': (p) => `${p.name || t('devices.unnamed')} — ${p.since} 로그인, 마지막 사용 ${p.seen}`,
      'devices.takeover_explained': '이 기기에서 계속하면 가장 오래 사용하지 않은 기기가 로그아웃됩니다.',
      'devices.takeover': '이 기기에서 계속하기',
      'devices.cancel': '취소',

      'ended.signed_in_elsewhere': '다른 기기에서 이 판매처로 로그인해 이 기기는 로그아웃되었습니다. 계속하려면 다시 로그인하세요.',
      'ended.signed_in_again': '이 기기에서 다시 로그인해 이전 화면의 로그인이 끝났습니다.',
      'ended.logged_out': '로그아웃되었습니다.',
      'ended.idle_timeout': '오랫동안 사용하지 않아 자동으로 로그아웃되었습니다. 다시 로그인하세요.',
      'ended.revoked_by_admin': '관리자가 이 기기의 로그인을 끝냈습니다. 다시 로그인하세요.',
      'ended.token_expired': '로그인 유효 시간이 지났습니다. 다시 로그인하세요.',
      'ended.generic': '로그인이 끝났습니다. 다시 로그인하세요.',

      'sale.title': '판매 입력',
      'sale.halted_banner': '판매 중지 상태입니다 — 판매를 기록하려면 먼저 판매를 재개하세요.',
      'sale.resident_id': '구매자 주민등록번호',
      'sale.keys_hint': '13자리를 입력하거나 붙여넣으면 바로 확인합니다 · Enter 판매 기록 · Esc 지우기',
      'sale.proxy': '대리 구매',
      'sale.proxy_legend': '대리 구매 대상자 (같은 세대, 증빙 확인)',
      'sale.proxy_id': '대상자 주민등록번호',
      'sale.proxy_category': '대상 구분',
      'sale.category_age': '어린이(2010년 이후 출생)·어르신(1940년 이전 출생)',
      'sale.category_care': '장기요양 수급자',
      'sale.category_disabled': '장애인',
      'sale.quantity': '수량',
      'sale.submit': '판매 기록',
      'sale.busy': '기록 중…',
      'sale.sold': (p) => `판매 기록됨: ${p.year}년생 ${p.quantity}개${p.proxy ? ' (대리 구매)' : ''} · 남은 재고 ${p.onHand}개 — 다음 분 번호를 입력하세요.`,

      'elig.placeholder': '번호를 입력하면 구매 가능 여부가 여기에 나옵니다.',
      'elig.checking': '확인 중…',
      'elig.ok': '구매 가능',
      'elig.refused': '구매 불가',
      'elig.birth_year': '출생연도',
      'elig.birth_year_value': (p) => `${p.year}년생${p.proxy ? ' (대상자)' : ''}`,
      'elig.day': '구매일',
      'elig.day_today': (p) => `오늘 (${p.weekday})`,
      'elig.next_day': '다음 구매 가능일',
      'elig.day_none': '없음',
      'elig.bought': '이번 주 구매',
      'elig.bought_value': (p) => (p.quota == null ? `${p.bought}개` : `${p.bought} / ${p.quota}개`),
      'elig.remaining': '남은 수량',
      'elig.unlimited': '제한 없음',
      'elig.need_proxy_id': '대리 구매: 대상자 주민등록번호 13자리를 입력하세요.',

      'refusal.not_rotation_day': (p) => {
        const today = p.digits.length === 0
          ? '오늘은 판매일이 아닙니다'
          : p.keyedOn === 'id_last_digit'
            ? `오늘은 주민등록번호 끝자리 ${p.digits.join('·')} 구매일입니다`
            : `오늘은 ${p.digits.join('·')}년생 구매일입니다`;
        return p.next ? `${today} — 다음 구매 가능일: ${dayName(p.next)}` : `${today} — 이후 구매 가능일이 없습니다`;
      },
      'refusal.weekly_quota_exceeded': (p) => {
        const done = p.bought >= p.quota
          ? `이번 주 구매 한도 ${p.quota}개를 모두 구매했습니다`
          : `이번 주 한도 ${p.quota}개 중 ${p.bought}개를 이미 구매해 ${p.quota - p.bought}개까지만 살 수 있습니다`;
        return p.next ? `${done} — 다음 구매 가능일: ${dayName(p.next)}` : done;
      },
      'refusal.proxy_not_eligible': '대리 구매 대상이 아닙니다 — 2010년 이후 출생 어린이, 1940년 이전 출생 어르신, 장기요양 수급자·장애인만 대신 살 수 있습니다',
      'refusal.no_policy_in_force': '오늘은 공적 마스크 판매 기간이 아닙니다',
      'refusal.insufficient_stock': (p) => `재고가 부족합니다 — 남은 재고 ${p.onHand}개`,
      'refusal.sales_halted': '판매 중지 상태입니다 — 재고 패널에서 판매를 재개한 뒤 기록하세요',
      'refusal.void_window_passed': '취소할 수 있는 기간(판매 당일)이 지났습니다',

      'error.network': '서버에 연결하지 못했습니다. 다시 누르면 같은 요청을 안전하게 다시 보냅니다 (중복 기록 없음).',
      'error.unavailable': '서버가 잠시 응답하지 않습니다. 잠시 후 다시 시도하세요.',
      'error.invalid_credentials': '아이디 또는 비밀번호가 맞지 않습니다.',
      'error.account_disabled': '사용이 중지된 계정입니다. 관리자에게 문의하세요.',
      'error.account_locked': (p) => `로그인에 여러 번 실패해 잠겼습니다. ${p.minutes}분 뒤에 다시 시도하세요.`,
      'error.resident_id_format': '주민등록번호는 13자리 숫자입니다 (가운데 - 는 있어도 됩니다).',
      'error.resident_id_date': '주민등록번호의 생년월일이 올바르지 않습니다 (없는 날짜, 오늘 이후, 또는 1800년대).',
      'error.resident_id_checksum': '주민등록번호의 마지막 숫자(검증 번호)가 맞지 않습니다. 다시 확인해 주세요.',
      'error.proxy_prefix': '대상자 번호: ',
      'error.with_prefix': (p) => t(p.prefix) + t(p.inner.key, p.inner.params),
      'error.invalid_quantity': '수량은 1 이상의 정수로 입력하세요.',
      'error.invalid_reference': '납품서 번호가 올바르지 않습니다 (200자 이내).',
      'error.invalid_reason': '취소 사유가 올바르지 않습니다 (200자 이내).',
      'error.resident_id_in_text': '주민등록번호는 적지 마세요: 이 칸은 그대로 보관됩니다.',
      'error.forbidden': '이 작업을 할 권한이 없습니다.',
      'error.not_found': '찾을 수 없습니다. 목록을 새로 고쳐 주세요.',
      'error.other': (p) => `처리하지 못했습니다 (${p.code}): ${p.message}`,

      'stock.title': '재고',
      'stock.latest_delivery': '최근 입고',
      'stock.sold_today': '오늘 판매',
      'stock.none_yet': '아직 없음',
      'stock.in_title': '입고 기록',
      'stock.in_quantity': '입고 수량',
      'stock.in_reference': '납품서 번호 (선택)',
      'stock.in_submit': '입고 기록',
      'stock.in_busy': '기록 중…',
      'stock.received': (p) => `입고 기록됨: ${p.quantity}개 · 재고 ${p.onHand}개`,
      'stock.halt': '판매 중지',
      'stock.resume': '판매 재개',
      'stock.halt_hint': "판매를 중지하면 지도 앱에 '판매 중지'로 표시됩니다.",
      'stock.halted': '판매를 중지했습니다. 지도 앱에 판매 중지로 표시됩니다.',
      'stock.resumed': '판매를 재개했습니다.',
      'stat.plenty': '충분 · 100개 이상',
      'stat.some': '보통 · 30~99개',
      'stat.few': '부족 · 2~29개',
      'stat.empty': '없음 · 0~1개',
      'stat.break': '판매 중지',

      'sales.title': '오늘 판매 내역',
      'sales.refresh': '새로 고침',
      'sales.empty': '아직 오늘 판매가 없습니다.',
      'sales.number': '번호',
      'sales.time': '시각',
      'sales.quantity': '수량',
      'sales.birth_year': '출생연도',
      'sales.kind': '구분',
      'sales.status': '상태',
      'sales.actions': '작업',
      'sales.self': '본인',
      'sales.proxy': '대리',
      'sales.completed': '완료',
      'sales.voided': '취소됨',
      'sales.void': '취소',
      'sales.void_label': (p) => `판매 ${p.id}번 취소`,
      'sales.year': (p) => `${p.year}년생`,

      'void.title': '판매 취소',
      'void.summary': (p) => `${p.time}에 기록한 판매 ${p.id}번 (${p.year}년생 ${p.quantity}개)을 취소합니다. 재고와 구매 한도가 되돌아갑니다.`,
      'void.reason': '취소 사유',
      'void.reason_typo': '번호 입력 실수',
      'void.reason_quantity': '수량 입력 실수',
      'void.reason_returned': '구매자가 반품함',
      'void.close': '닫기',
      'void.submit': '판매 취소 기록',
      'void.busy': '기록 중…',
      'void.need_reason': '취소 사유를 입력하세요.',
      'void.done': (p) => `판매 ${p.id}번을 취소했습니다 · 재고 ${p.onHand}개`,
    },

    en: {
      'page.title': 'Public mask sales',
      'lang.other': '한국어',
      'session.sign_out': 'Sign out',
      'today': (p) => `${p.weekday}, ${p.date}`,
      'date.long': (p) => `${p.d} ${MONTHS_EN[p.m - 1]} ${p.y}`,
      'date.short': (p) => `${p.d} ${MONTHS_EN[p.m - 1]}`,
      'day': (p) => `${p.weekday} (${p.date})`,
      'unit.masks': 'masks',
      'count': (p) => `${p.n}`,

      'sign_in.title': 'Sign in to your site',
      'sign_in.username': 'Username',
      'sign_in.password': 'Password',
      'sign_in.device_name': 'Name of this device',
      'sign_in.device_name_hint': "Shown to your site's other devices (e.g. Counter 1)",
      'sign_in.submit': 'Sign in',
      'sign_in.busy': 'Signing in…',
      'sign_in.missing': 'Enter your username and password.',
      'sign_in.not_a_clerk': 'Only accounts of a selling site can use the counter.',
      'sign_in.default_device': (p) => `Counter ${p.tag}`,

      'devices.title': (p) => `All ${p.max} device${p.max === 1 ? '' : 's'} this site may sign in at once are in use`,
      'devices.signed_in': 'Signed in now:',
      'devices.unnamed': 'Unnamed device',
      'devices.line': (p) => `${p.name || t('devices.unnamed')} — signed in ${p.since}, last used ${p.seen}`,
      'devices.takeover_explained': 'If you continue here, the device unused for longest is signed out.',
      'devices.takeover': 'Continue on this device',
      'devices.cancel': 'Cancel',

      'ended.signed_in_elsewhere': 'Another device signed in to this site, so this one was signed out. Sign in again to continue.',
      'ended.signed_in_again': 'This device signed in again, which ended the earlier sign-in.',
      'ended.logged_out': 'You have signed out.',
      'ended.idle_timeout': 'You were signed out after a while without use. Sign in again.',
      'ended.revoked_by_admin': 'An administrator ended this sign-in. Sign in again.',
      'ended.token_expired': 'Your sign-in has expired. Sign in again.',
      'ended.generic': 'Your sign-in has ended. Sign in again.',

      'sale.title': 'Record a sale',
      'sale.halted_banner': 'Sales are halted — resume sales before recording one.',
      'sale.resident_id': "Buyer's resident registration number",
      'sale.keys_hint': 'Type or paste the 13 digits to check at once · Enter records · Esc clears',
      'sale.proxy': 'Buying for someone else',
      'sale.proxy_legend': 'Person bought for (same household, document checked)',
      'sale.proxy_id': "Their resident registration number",
      'sale.proxy_category': 'Category',
      'sale.category_age': 'Child (born 2010 or later) or elderly (born 1940 or earlier)',
      'sale.category_care': 'Long-term care recipient',
      'sale.category_disabled': 'Person with a disability',
      'sale.quantity': 'Quantity',
      'sale.submit': 'Record sale',
      'sale.busy': 'Recording…',
      'sale.sold': (p) => `Sold: ${p.quantity} to a buyer born ${p.year}${p.proxy ? ' (proxy purchase)' : ''} · ${p.onHand} left in stock — enter the next number.`,

      'elig.placeholder': 'Whether the buyer may buy shows here as soon as the number is in.',
      'elig.checking': 'Checking…',
      'elig.ok': 'May buy',
      'elig.refused': 'May not buy',
      'elig.birth_year': 'Birth year',
      'elig.birth_year_value': (p) => `${p.year}${p.proxy ? ' (person bought for)' : ''}`,
      'elig.day': 'Buying day',
      'elig.day_today': (p) => `Today (${p.weekday})`,
      'elig.next_day': 'Next day to buy',
      'elig.day_none': 'None',
      'elig.bought': 'Bought this week',
      'elig.bought_value': (p) => (p.quota == null ? `${p.bought}` : `${p.bought} of ${p.quota}`),
      'elig.remaining': 'Remaining',
      'elig.unlimited': 'No limit',
      'elig.need_proxy_id': "Buying for someone else: enter their 13-digit number.",

      'refusal.not_rotation_day': (p) => {
        const list = englishList(p.digits);
        const today = p.digits.length === 0
          ? 'There are no sales today'
          : p.keyedOn === 'id_last_digit'
            ? `Today is for ID numbers ending in ${list}`
            : `Today is for birth years ending in ${list}`;
        return p.next ? `${today} — next day to buy: ${dayName(p.next)}` : `${today} — there is no later day to buy`;
      },
      'refusal.weekly_quota_exceeded': (p) => {
        const done = p.bought >= p.quota
          ? `This week's quota of ${p.quota} has been bought`
          : `${p.bought} of this week's ${p.quota} already bought: at most ${p.quota - p.bought} more`;
        return p.next ? `${done} — next day to buy: ${dayName(p.next)}` : done;
      },
      'refusal.proxy_not_eligible': 'This person may not be bought for — only children born 2010 or later, people born 1940 or earlier, care recipients and people with a disability',
      'refusal.no_policy_in_force': 'Public masks are not on sale today',
      'refusal.insufficient_stock': (p) => `Not enough stock — ${p.onHand} left`,
      'refusal.sales_halted': 'Sales are halted — resume sales in the stock panel first',
      'refusal.void_window_passed': 'Too late to void: sales can be voided on the day they were made',

      'error.network': 'Could not reach the server. Press again to resend the same request safely (it is never recorded twice).',
      'error.unavailable': 'The server is briefly unavailable. Try again in a moment.',
      'error.invalid_credentials': 'Wrong username or password.',
      'error.account_disabled': 'This account is disabled. Ask your administrator.',
      'error.account_locked': (p) => `Too many failed sign-ins. Try again in ${p.minutes} min.`,
      'error.resident_id_format': 'A resident registration number has 13 digits (the hyphen is optional).',
      'error.resident_id_date': 'The date of birth in this number is not possible (not a real date, after today, or in the 1800s).',
      'error.resident_id_checksum': 'The last digit (check digit) of this number is wrong. Please check it.',
      'error.proxy_prefix': 'Person bought for: ',
      'error.with_prefix': (p) => t(p.prefix) + t(p.inner.key, p.inner.params),
      'error.invalid_quantity': 'Enter a quantity of 1 or more.',
      'error.invalid_reference': 'The delivery note number is not valid (200 characters at most).',
      'error.invalid_reason': 'The reason is not valid (200 characters at most).',
      'error.resident_id_in_text': 'Leave resident registration numbers out: this text is kept as written.',
      'error.forbidden': 'You may not do this.',
      'error.not_found': 'Not found. Refresh the list.',
      'error.other': (p) => `Could not do this (${p.code}): ${p.message}`,

      'stock.title': 'Stock',
      'stock.latest_delivery': 'Latest delivery',
      'stock.sold_today': 'Sold today',
      'stock.none_yet': 'None yet',
      'stock.in_title': 'Record a delivery',
      'stock.in_quantity': 'Quantity received',
      'stock.in_reference': 'Delivery note no. (optional)',
      'stock.in_submit': 'Record delivery',
      'stock.in_busy': 'Recording…',
      'stock.received': (p) => `Delivery recorded: ${p.quantity} · ${p.onHand} in stock`,
      'stock.halt': 'Halt sales',
      'stock.resume': 'Resume sales',
      'stock.halt_hint': 'While halted, map apps show this site as not selling.',
      'stock.halted': 'Sales halted. Map apps show this site as not selling.',
      'stock.resumed': 'Sales resumed.',
      'stat.plenty': 'Plenty · 100 or more',
      'stat.some': 'Some · 30–99',
      'stat.few': 'Few · 2–29',
      'stat.empty': 'Empty · 0–1',
      'stat.break': 'Not selling',

      'sales.title': "Today's sales",
      'sales.refresh': 'Refresh',
      'sales.empty': 'No sales yet today.',
      'sales.number': 'No.',
      'sales.time': 'Time',
      'sales.quantity': 'Qty',
      'sales.birth_year': 'Born',
      'sales.kind': 'Type',
      'sales.status': 'Status',
      'sales.actions': 'Actions',
      'sales.self': 'Self',
      'sales.proxy': 'Proxy',
      'sales.completed': 'Completed',
      'sales.voided': 'Voided',
      'sales.void': 'Void',
      'sales.void_label': (p) => `Void sale ${p.id}`,
      'sales.year': (p) => `${p.year}`,

      'void.title': 'Void a sale',
      'void.summary': (p) => `Void sale ${p.id} made at ${p.time} (${p.quantity} to a buyer born ${p.year}). The masks return to stock and the quota to the buyer.`,
      'void.reason': 'Reason',
      'void.reason_typo': 'Wrong number typed',
      'void.reason_quantity': 'Wrong quantity',
      'void.reason_returned': 'Returned by the buyer',
      'void.close': 'Close',
      'void.submit': 'Void sale',
      'void.busy': 'Recording…',
      'void.need_reason': 'Enter a reason.',
      'void.done': (p) => `Sale ${p.id} voided · ${p.onHand} in stock`,
    },
  };

  function englishList(items) {
    if (items.length <= 1) return items.join('');
    return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
  }

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

  /** Digits only, for ID inputs (hyphens and spaces are allowed as typed). */
  const idDigits = (value) => value.replace(/[\s-]/g, '');
  const idComplete = (value) => /^\d{13}$/.test(idDigits(value));

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

  // --- The API --------------------------------------------------------------------------------

  class NetworkError extends Error {}
  /** Thrown after a 401: the page has already gone back to sign-in. */
  class SessionEnded extends Error {}

  let session = null; // { token, site, max_devices }

  async function request(method, path, body, { auth = true } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && session) headers.Authorization = `Bearer ${session.token}`;
    let response;
    let text;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'omit',
      });
      text = await response.text();
    } catch (error) {
      throw new NetworkError(String(error));
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
   * A write, retried while no answer arrives (or the service says it is briefly unavailable).
   * The body, and so its client_key, is re-sent unchanged: the service answers a retry with
   * the first result, never a second sale.
   */
  async function write(method, path, body) {
    let last = null;
    for (const delay of [0, 300, 1000]) {
      if (delay) await sleep(delay);
      try {
        const reply = await request(method, path, body);
        if (reply.status !== 503) return reply;
        last = reply;
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        last = error;
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
      case 'insufficient_stock':
        return { key: 'refusal.insufficient_stock', params: { onHand: stock ? stock.on_hand : 0 } };
      case 'proxy_not_eligible': case 'no_policy_in_force': case 'sales_halted': case 'void_window_passed':
        return { key: `refusal.${code}` };
      case 'resident_id_format': case 'resident_id_date': case 'resident_id_checksum': {
        const message = { key: `error.${code}` };
        return facts.field && facts.field.startsWith('proxy_for') ? { key: 'error.with_prefix', params: { prefix: 'error.proxy_prefix', inner: message } } : message;
      }
      case 'invalid_credentials': case 'account_disabled': case 'invalid_quantity': case 'invalid_reference':
      case 'invalid_reason': case 'resident_id_in_text': case 'forbidden': case 'not_found':
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
      }, { auth: false });
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
    showCounter();
    await refreshAll();
  }

  /** Back to sign-in, forgetting everything the session showed (IDs first). */
  function endSession(error) {
    session = null;
    storageSet(sessionStorage, STORE.session, null);
    resetSaleForm({ focus: false });
    say($('sale-result'), null);
    say($('stock-result'), null);
    stock = null;
    sales = [];
    renderStock();
    renderSales();
    if ($('void-dialog').open) $('void-dialog').close();
    const reason = error && (error.code === 'session_revoked' ? error.reason : error.code);
    const known = ['signed_in_elsewhere', 'signed_in_again', 'logged_out', 'idle_timeout', 'revoked_by_admin', 'token_expired'];
    showSignIn({ key: known.includes(reason) ? `ended.${reason}` : 'ended.generic' });
  }

  async function signOut() {
    try {
      await request('DELETE', '/portal/v1/sessions/current');
    } catch (error) {
      if (error instanceof SessionEnded) return; // already back at sign-in
      // Offline: forget the token here; the session ends on the server when it idles out.
    }
    endSession({ code: 'session_revoked', reason: 'logged_out' });
  }

  // --- Today, stock and the day's sales ------------------------------------------------------

  let today = null; // { date: 'YYYY-MM-DD' } in Korea, by the service's clock
  let stock = null;
  let sales = [];

  async function loadToday() {
    const reply = await request('GET', '/healthz', undefined, { auth: false });
    if (!reply.ok) return;
    // The service's clock (which a training run may have shifted), in Korea time (UTC+9).
    const kst = new Date(Date.parse(reply.data.clock.now) + 9 * 3600 * 1000);
    today = { date: kst.toISOString().slice(0, 10) };
    renderToday();
  }

  function renderToday() {
    const el = $('today');
    if (!today || !session) { el.hidden = true; return; }
    const parts = dateParts(today.date);
    el.textContent = t('today', { date: t('date.long', parts), weekday: WEEKDAYS[lang][parts.weekday] });
    el.hidden = false;
  }

  // Reads may overlap (a write's refresh, a window regaining focus): only the answer to the
  // latest request is shown, so an older answer never overwrites a newer one.
  let stockRead = 0;
  let salesRead = 0;

  async function loadStock() {
    const read = ++stockRead;
    const reply = await request('GET', '/portal/v1/stock');
    if (reply.ok && read === stockRead) { stock = reply.data; renderStock(); }
  }

  function renderStock() {
    const stat = $('remain-stat');
    $('on-hand').textContent = stock ? String(stock.on_hand) : '–';
    stat.className = stock ? `stat stat-${stock.remain_stat}` : 'stat';
    stat.textContent = stock ? t(`stat.${stock.remain_stat}`) : '';
    $('stock-at').textContent = stock ? (stock.stock_at ? when(stock.stock_at) : t('stock.none_yet')) : '–';
    $('sold-today').textContent = stock ? t('count', { n: stock.sold_today }) : '–';
    const halted = Boolean(stock && stock.sales_halted);
    $('halt-toggle').textContent = t(halted ? 'stock.resume' : 'stock.halt');
    $('halt-toggle').classList.toggle('btn-warn', !halted);
    $('halted-banner').hidden = !halted;
  }

  async function loadSales() {
    const read = ++salesRead;
    const reply = await request('GET', '/portal/v1/sales');
    if (reply.ok && read === salesRead) { sales = reply.data.sales; renderSales(); }
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
      if (sale.status === 'completed') {
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

  /** Stock, sales and the date, read afresh (after every write, and when the clerk comes back). */
  async function refreshAll() {
    if (!session) return;
    try {
      await Promise.all([loadToday(), loadStock(), loadSales()]);
    } catch (error) {
      // Offline for a moment: the panels keep what they showed; the next write says so.
      if (!(error instanceof NetworkError) && !(error instanceof SessionEnded)) throw error;
    }
  }

  // --- Stock-in and halt/resume --------------------------------------------------------------

  async function stockIn() {
    const button = $('stock-in-submit');
    if (button.disabled) return;
    const quantityInput = $('stock-in-quantity');
    const quantity = Number(quantityInput.value);
    if (!Number.isInteger(quantity) || quantity < 1) {
      say($('stock-result'), { tone: 'error', key: 'error.invalid_quantity' });
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
        say($('stock-result'), { tone: 'ok', key: 'stock.received', params: { quantity, onHand: reply.data.on_hand } });
      } else {
        say($('stock-result'), errorMessage(reply.error));
      }
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      say($('stock-result'), errorMessage(error));
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
        stock = reply.data;
        renderStock();
        if (saleError && saleError.code === 'sales_halted') { saleError = null; renderEligibility(); }
        say($('stock-result'), { tone: 'ok', key: halt ? 'stock.halted' : 'stock.resumed' });
      } else {
        say($('stock-result'), errorMessage(reply.error));
      }
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      say($('stock-result'), errorMessage(error));
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
  /** The eligibility answer for `formVersion`: { version, data } or { version, error }. */
  let eligibility = null;
  /** A refusal at the moment of sale (stock, halt, quota used elsewhere meanwhile). */
  let saleError = null;
  /** What the card shows while there is no answer yet: { checking } or { need: key }. */
  let pendingCard = null;
  let checkTimer = 0;
  let selling = false;

  const mayBuy = () => Boolean(eligibility && eligibility.version === formVersion && eligibility.data && eligibility.data.eligible);

  function updateSellButton() {
    sellButton.disabled = selling || !mayBuy();
  }

  function proxyBody() {
    if (!proxyToggle.checked) return undefined;
    const body = { resident_id: proxyInput.value.trim() };
    const category = $('proxy-category').value;
    if (category) body.category = category;
    return body;
  }

  /** Fills in the hyphen once 13 digits are there, so the number reads as on the ID card. */
  function tidyId(input) {
    const digits = idDigits(input.value);
    if (/^\d{13}$/.test(digits) && input.value !== `${digits.slice(0, 6)}-${digits.slice(6)}`) {
      input.value = `${digits.slice(0, 6)}-${digits.slice(6)}`;
    }
  }

  /** The buyer (or the person bought for) changed: forget the old answer, check the new one. */
  function whoChanged() {
    formVersion += 1;
    eligibility = null;
    saleError = null;
    pendingCard = null;
    retireKey('sale');
    clearTimeout(checkTimer);
    tidyId(residentInput);
    if (proxyToggle.checked) tidyId(proxyInput);
    quantityInput.value = '';
    if (idComplete(residentInput.value)) {
      if (!proxyToggle.checked || idComplete(proxyInput.value)) {
        pendingCard = { checking: true };
        const version = formVersion;
        checkTimer = setTimeout(guarded(() => check(version)), 120);
      } else {
        pendingCard = { need: 'elig.need_proxy_id' };
      }
    }
    renderEligibility();
  }

  async function check(version) {
    clearTimeout(checkTimer);
    if (version !== formVersion) return;
    const body = { resident_id: residentInput.value.trim() };
    const proxy = proxyBody();
    if (proxy) body.proxy_for = proxy;
    pendingCard = { checking: true };
    renderEligibility();
    let answer;
    try {
      const reply = await request('POST', '/portal/v1/eligibility', body);
      answer = reply.ok ? { data: reply.data } : { error: reply.error };
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      answer = { error };
    }
    if (version !== formVersion) return; // the clerk has moved on to someone else
    eligibility = { version, ...answer };
    pendingCard = null;
    const data = answer.data;
    if (data && data.eligible) {
      // Default: everything the week allows, but no more than is on the shelf.
      let quantity = data.remaining == null ? 1 : data.remaining;
      if (stock && stock.on_hand >= 1) quantity = Math.min(quantity, stock.on_hand);
      quantityInput.value = String(Math.max(1, quantity));
    }
    renderEligibility();
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

  /** The eligibility card: verdict, a refusal in words, birth year, day, week, remaining. */
  function renderEligibility() {
    const card = $('eligibility');
    card.replaceChildren();
    card.className = 'eligibility';
    updateSellButton();
    const current = eligibility && eligibility.version === formVersion ? eligibility : null;
    if (!current) {
      if (pendingCard && pendingCard.checking) card.append(verdictLine('wait', null, t('elig.checking')));
      else if (pendingCard && pendingCard.need) card.append(verdictLine('info', null, t(pendingCard.need)));
      return;
    }
    if (current.error) {
      card.classList.add('is-refused');
      card.append(verdictLine('no', 'elig.refused', messageText(errorMessage(current.error))));
      return;
    }
    const data = current.data;
    card.classList.add(data.eligible && !saleError ? 'is-eligible' : 'is-refused');
    if (saleError) {
      card.append(verdictLine('no', 'elig.refused', messageText(errorMessage(saleError))));
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
      ['elig.bought', t('elig.bought_value', { bought: data.bought_this_week, quota: data.quota })],
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
  }

  const messageText = (message) => t(message.key, message.params);

  /** Enter (or the button): show the check first if it is not in yet, then record the sale. */
  async function submitSale() {
    if (selling) return;
    if (!residentInput.value.trim()) { residentInput.focus(); return; }
    const current = eligibility && eligibility.version === formVersion ? eligibility : null;
    if (!current || current.error instanceof NetworkError || (current.error && current.error.code === 'database_unavailable')) {
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
      say($('sale-result'), { tone: 'error', key: 'error.invalid_quantity' });
      quantityInput.focus();
      return;
    }
    const body = { resident_id: residentInput.value.trim(), quantity, client_key: keyFor('sale') };
    const proxy = proxyBody();
    if (proxy) body.proxy_for = proxy;
    const version = formVersion;
    const birthYear = current.data.birth_year;
    selling = true;
    setBusy(sellButton, true, 'sale.busy');
    try {
      const reply = await write('POST', '/portal/v1/sales', body);
      retireKey('sale');
      if (reply.status === 201) {
        if (stock) { stockRead += 1; stock.on_hand = reply.data.on_hand; }
        say($('sale-result'), {
          tone: 'ok',
          key: 'sale.sold',
          params: { year: birthYear, quantity: reply.data.quantity, onHand: reply.data.on_hand, proxy: Boolean(proxy) },
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
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      // The key is kept: pressing Enter again re-sends this same sale, never a second one.
      say($('sale-result'), errorMessage(error));
    } finally {
      selling = false;
      setBusy(sellButton, false, 'sale.submit');
      updateSellButton();
    }
  }

  function resetSaleForm({ focus }) {
    clearTimeout(checkTimer);
    residentInput.value = '';
    proxyInput.value = '';
    proxyToggle.checked = false;
    $('proxy-fields').hidden = true;
    $('proxy-category').value = '';
    quantityInput.value = '';
    formVersion += 1;
    eligibility = null;
    saleError = null;
    pendingCard = null;
    retireKey('sale');
    renderEligibility();
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
        say($('sale-result'), { tone: 'ok', key: 'void.done', params: { id: sale.sale_id, onHand: reply.data.on_hand } });
        residentInput.focus();
        await refreshAll();
      } else {
        say($('void-error'), errorMessage(reply.error));
      }
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      say($('void-error'), errorMessage(error));
    } finally {
      setBusy(button, false, 'void.submit');
    }
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
    renderStock();
    renderSales();
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
    $('proxy-category').addEventListener('change', whoChanged);
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
    $('refresh').addEventListener('click', guarded(refreshAll));

    $('void-form').addEventListener('submit', (event) => { event.preventDefault(); guarded(submitVoid)(); });
    $('void-reason').addEventListener('input', () => retireKey('void'));
    $('void-cancel').addEventListener('click', () => voidDialog.close());
    voidDialog.addEventListener('close', () => {
      const invoker = voiding && voiding.invoker;
      voiding = null;
      if (invoker && invoker.isConnected) invoker.focus();
    });

    // Catch up with other devices and the clock when the clerk comes back to this window.
    document.addEventListener('visibilitychange', () => { if (!document.hidden) guarded(refreshAll)(); });
    window.addEventListener('focus', guarded(refreshAll));
    // Leave no ID behind in a page kept in the back/forward cache.
    window.addEventListener('pagehide', () => resetSaleForm({ focus: false }));
  }

  function start() {
    wire();
    applyLanguage();
    // The service's date, for times shown before sign-in (the devices holding the site).
    loadToday().catch(() => {});
    const saved = storageGet(sessionStorage, STORE.session);
    try { session = saved ? JSON.parse(saved) : null; } catch { session = null; }
    if (session && session.token && session.site) {
      showCounter();
      guarded(refreshAll)();
    } else {
      session = null;
      showSignIn(null);
    }
  }

  start();
})();
