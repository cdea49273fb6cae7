// Keeping resident numbers out of the browser's storage while sales wait offline.
//
// - seal(): each queued sale's numbers are encrypted to the server's public key
//   (GET /portal/v1/seal-key): ephemeral ECDH P-256, HKDF-SHA256, AES-256-GCM with the sale's
//   client_key as associated data. The ephemeral private key lives only in this call, so once
//   sealed, only the server can open it (src/domain/sealed_sale.rs is the other half).
// - personHash(): the device's own duplicate and quota check needs to recognise a person
//   again; it uses an HMAC-SHA-256 under a per-device key that is generated non-extractable
//   and kept as a CryptoKey, so the stored hash cannot be recomputed from a guessed number
//   anywhere else.
// WebCrypto needs a secure context (https, or http on localhost): without it, no offline sales.
'use strict';

window.MaskPortalSeal = (() => {
  const utf8 = new TextEncoder();
  const INFO = utf8.encode('maskportal offline sale v1');
  const ALG = 'ECDH-P256+HKDF-SHA256+A256GCM';

  const available = () => Boolean(window.isSecureContext && window.crypto && crypto.subtle);

  function toB64url(bytes) {
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function fromB64url(text) {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  }

  function concat(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  /** The server's key as served: `{ kid, alg, public_key }` → what seal() takes. */
  async function importServerKey(served) {
    if (!served || served.alg !== ALG) throw new Error(`unknown sealing algorithm ${served && served.alg}`);
    const raw = fromB64url(served.public_key);
    if (raw.length !== 65 || raw[0] !== 4) throw new Error('the seal key is not an uncompressed P-256 point');
    const key = await crypto.subtle.importKey('raw', raw, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    return { kid: served.kid, key, raw };
  }

  /** `plaintext` (an object, sent as JSON) sealed to `server` for the sale `clientKey`. */
  async function seal(server, clientKey, plaintext) {
    const ephemeral = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    const epk = new Uint8Array(await crypto.subtle.exportKey('raw', ephemeral.publicKey));
    const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: server.key }, ephemeral.privateKey, 256);
    const hkdf = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
    const aes = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: concat(epk, server.raw), info: INFO },
      hkdf, { name: 'AES-GCM', length: 256 }, false, ['encrypt'],
    );
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: utf8.encode(clientKey) },
      aes, utf8.encode(JSON.stringify(plaintext)),
    );
    return { kid: server.kid, epk: toB64url(epk), iv: toB64url(iv), ciphertext: toB64url(new Uint8Array(ciphertext)) };
  }

  /** A new per-device key for personHash(): usable here, never exportable. */
  const newPersonKey = () => crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);

  /** The device's keyed hash of a person (their 13 digits), as hex. */
  async function personHash(key, digits) {
    const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, utf8.encode(`person ${digits}`)));
    return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  return { available, importServerKey, seal, newPersonKey, personHash };
})();
