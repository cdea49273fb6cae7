// The device's offline store, in IndexedDB (it outlives reloads, browser restarts and
// sign-out):
// - `queue`: sales waiting for the server, keyed by client_key. Each holds its numbers only
//   sealed to the server's key, the device's keyed hash of the quota holder, the birth year,
//   the quantity, when it was sold and at which site; never a number in clear.
// - `meta`: what the page needs to sell offline: the policy and service clock as last served,
//   the seal key, the site's stock and day's sales at last contact, and the device's
//   non-extractable HMAC key (a CryptoKey, stored as such).
'use strict';

window.MaskPortalStore = (() => {
  const NAME = 'maskportal-counter';
  const VERSION = 1;
  let opened = null;

  function open() {
    opened ||= new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains('queue')) db.createObjectStore('queue', { keyPath: 'client_key' });
        if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta');
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => { opened = null; reject(request.error); };
    });
    return opened;
  }

  /** Runs `work(store)` in one transaction; resolves with the last request's result once committed. */
  async function run(storeName, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      let result;
      const request = work(tx.objectStore(storeName));
      if (request) request.onsuccess = () => { result = request.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('aborted'));
    });
  }

  /** Every queued item, oldest sale first (the order the server is sent them in). */
  async function queued() {
    const items = (await run('queue', 'readonly', (store) => store.getAll())) || [];
    return items.sort((a, b) => Date.parse(a.sold_at) - Date.parse(b.sold_at) || a.seq - b.seq);
  }

  const put = (item) => run('queue', 'readwrite', (store) => store.put(item));
  const remove = (clientKeys) => run('queue', 'readwrite', (store) => {
    for (const key of clientKeys) store.delete(key);
  });
  const getMeta = (name) => run('meta', 'readonly', (store) => store.get(name));
  const setMeta = (name, value) => run('meta', 'readwrite', (store) => store.put(value, name));

  let personKey = null;
  /** The device's HMAC key, made on first use; another tab's key wins if it was first. */
  function devicePersonKey() {
    personKey ||= (async () => {
      const stored = await getMeta('person-key');
      if (stored) return stored;
      const fresh = await window.MaskPortalSeal.newPersonKey();
      try {
        await run('meta', 'readwrite', (store) => store.add(fresh, 'person-key'));
        return fresh;
      } catch {
        return getMeta('person-key');
      }
    })().catch((error) => { personKey = null; throw error; });
    return personKey;
  }

  return { queued, put, remove, getMeta, setMeta, devicePersonKey };
})();
