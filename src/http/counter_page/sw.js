// The counter page's service worker: keeps the page loadable while the server is down, so a
// reload during an outage keeps the page, the session and the offline queue.
//
// It caches the page and its versioned assets, nothing else: answers of /portal/v1 (and any
// other path) always go to the network and are never stored, so no buyer's data reaches the
// Cache Storage. The server fills in the page's version and the asset URLs.
'use strict';

const PAGE_VERSION = "__PAGE_VERSION__";
const ASSETS = [/* __ASSETS__ */];
const CACHE = `maskportal-counter-${PAGE_VERSION}`;
const PAGES = ['/', '/counter'];
/** How long a page load waits for the server before the cached page is shown. */
const PAGE_TIMEOUT_MS = 3000;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll([...PAGES, ...ASSETS]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('maskportal-counter-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PAGES.includes(url.pathname)) {
    event.respondWith(page(request, url.pathname));
  } else if (url.pathname.startsWith('/assets/') && url.searchParams.has('v')) {
    event.respondWith(asset(request));
  }
  // Everything else, the API first of all, is the browser's own business: not cached here.
});

/** Network first (a new build is picked up at once), the cached page when there is no answer. */
async function page(request, pathname) {
  const cache = await caches.open(CACHE);
  try {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), PAGE_TIMEOUT_MS);
    const response = await fetch(request, { signal: controller.signal, cache: 'no-cache' });
    clearTimeout(timer);
    if (response.ok) await cache.put(pathname, response.clone());
    return response;
  } catch {
    const cached = (await cache.match(pathname)) || (await cache.match('/'));
    if (cached) return cached;
    throw new Error('offline and the page is not cached');
  }
}

/** Cache first: a versioned asset never changes. */
async function asset(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}
