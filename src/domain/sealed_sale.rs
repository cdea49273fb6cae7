//! Sales a device queues while offline travel sealed: the page encrypts each to the server's
//! public key (ephemeral ECDH on P-256, HKDF-SHA256, AES-256-GCM: what WebCrypto offers
//! natively, in HPKE's shape), so no resident number is at rest in the browser and only the
//! server can open what it stored.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use sha2::{Digest, Sha256};

use super::resident_id::IdKey;

/// The HKDF `info`: binds the derived key to this use.
const INFO: &[u8] = b"maskportal offline sale v1";
/// Length of an uncompressed SEC1 P-256 point.
pub const POINT_LEN: usize = 65;
pub const IV_LEN: usize = 12;

/// The server's key pair for sealed sales.
#[derive(Clone)]
pub struct SealingKey {
    secret: SecretKey,
    public: [u8; POINT_LEN],
    kid: String,
}

/// A sealed item as the device sends it, its fields decoded from base64url.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub kid: String,
    /// The device's ephemeral public key, uncompressed SEC1.
    pub epk: Vec<u8>,
    pub iv: Vec<u8>,
    /// AES-GCM output: the ciphertext followed by its 16-byte tag.
    pub ciphertext: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealed with another key (kid does not match this server's)")]
    UnknownKey,
    #[error("epk is not a P-256 public key (65-byte uncompressed point)")]
    BadPublicKey,
    #[error("iv must be 12 bytes")]
    BadIv,
    #[error("the sealed sale does not open: altered, or sealed for another client_key")]
    DoesNotOpen,
}

impl SealingKey {
    /// Derived from the ID key, so every node that may fingerprint a number (the key check
    /// makes them all hold the same ID key) can open every device's sealed sales.
    pub fn derive(id_key: &IdKey) -> Self {
        let mut counter = 0u8;
        loop {
            // A 32-byte value is a valid scalar except with probability ~2^-32; try the next.
            let label = [b"maskportal offline sale sealing key v1 ".as_slice(), &[counter]].concat();
            if let Ok(secret) = SecretKey::from_bytes(&id_key.derive(&label).into()) {
                return Self::from_secret(secret);
            }
            counter = counter.wrapping_add(1);
        }
    }

    fn from_secret(secret: SecretKey) -> Self {
        let public = uncompressed(&secret.public_key());
        let kid = hex::encode(&Sha256::digest(public)[..8]);
        Self { secret, public, kid }
    }

    /// The public key, uncompressed SEC1 (what WebCrypto imports as `raw`).
    pub fn public_key(&self) -> &[u8; POINT_LEN] {
        &self.public
    }

    /// Names the key, so a device holding an old one is told so.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The plaintext of `sealed`, if it was sealed to this key with `aad` (the sale's
    /// client key, so a sealed number cannot be moved to another queued item).
    pub fn open(&self, sealed: &Sealed, aad: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.kid != self.kid {
            return Err(SealError::UnknownKey);
        }
        let epk = PublicKey::from_sec1_bytes(&sealed.epk)
            .ok()
            .filter(|_| sealed.epk.len() == POINT_LEN)
            .ok_or(SealError::BadPublicKey)?;
        let iv: [u8; IV_LEN] = sealed.iv.as_slice().try_into().map_err(|_| SealError::BadIv)?;
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), epk.as_affine());
        let cipher = cipher(shared.raw_secret_bytes(), &sealed.epk, &self.public);
        cipher
            .decrypt(&Nonce::from(iv), Payload { msg: &sealed.ciphertext, aad })
            .map_err(|_| SealError::DoesNotOpen)
    }
}

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealingKey({})", self.kid)
    }
}

/// Seals `plaintext` to the server key `public` as the counter page does: for test clients
/// and the load generator, which must send what a device sends.
pub fn seal(public: &[u8], kid: &str, aad: &[u8], plaintext: &[u8]) -> Result<Sealed, SealError> {
    let server = PublicKey::from_sec1_bytes(public).map_err(|_| SealError::BadPublicKey)?;
    let ephemeral = random_secret();
    let epk = uncompressed(&ephemeral.public_key());
    let shared = p256::ecdh::diffie_hellman(ephemeral.to_nonzero_scalar(), server.as_affine());
    let iv: [u8; IV_LEN] = rand::random();
    let cipher = cipher(shared.raw_secret_bytes(), &epk, &uncompressed(&server));
    let ciphertext = cipher
        .encrypt(&Nonce::from(iv), Payload { msg: plaintext, aad })
        .map_err(|_| SealError::DoesNotOpen)?;
    Ok(Sealed { kid: kid.to_owned(), epk: epk.to_vec(), iv: iv.to_vec(), ciphertext })
}

fn random_secret() -> SecretKey {
    loop {
        let bytes: [u8; 32] = rand::random();
        if let Ok(secret) = SecretKey::from_bytes(&bytes.into()) {
            return secret;
        }
    }
}

/// AES-256-GCM under HKDF-SHA256 of the shared x-coordinate, salted with both public keys.
fn cipher(shared: &[u8], epk: &[u8], server: &[u8]) -> Aes256Gcm {
    let salt = [epk, server].concat();
    let mut key = [0u8; 32];
    // 32 bytes is far below HKDF-SHA256's 8,160-byte limit, and AES-256 takes 32-byte keys.
    Hkdf::<Sha256>::new(Some(&salt), shared)
        .expand(INFO, &mut key)
        .map_or_else(|_| unreachable!("32 bytes are a valid HKDF-SHA256 length"), |()| ());
    Aes256Gcm::new(&key.into())
}

fn uncompressed(public: &PublicKey) -> [u8; POINT_LEN] {
    let point = public.to_encoded_point(false);
    let mut raw = [0u8; POINT_LEN];
    raw.copy_from_slice(point.as_bytes());
    raw
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SealingKey {
        SealingKey::derive(&IdKey::from_bytes(vec![byte; 32]).unwrap())
    }

    #[test]
    fn a_sealed_sale_opens_with_its_client_key_and_only_with_it() {
        let key = key(7);
        let sealed = seal(key.public_key(), key.kid(), b"key-1", b"{\"resident_id\":\"x\"}").unwrap();
        assert_eq!(key.open(&sealed, b"key-1").unwrap(), b"{\"resident_id\":\"x\"}");
        assert_eq!(key.open(&sealed, b"key-2"), Err(SealError::DoesNotOpen));
    }

    #[test]
    fn any_altered_byte_keeps_a_sealed_sale_shut() {
        let key = key(7);
        let sealed = seal(key.public_key(), key.kid(), b"k", b"0123456789").unwrap();
        for i in 0..sealed.ciphertext.len() {
            let mut altered = sealed.clone();
            altered.ciphertext[i] ^= 1;
            assert_eq!(key.open(&altered, b"k"), Err(SealError::DoesNotOpen), "byte {i}");
        }
        let mut iv = sealed.clone();
        iv.iv[0] ^= 1;
        assert_eq!(key.open(&iv, b"k"), Err(SealError::DoesNotOpen));
        let mut short = sealed.clone();
        short.iv.pop();
        assert_eq!(key.open(&short, b"k"), Err(SealError::BadIv));
        let mut epk = sealed.clone();
        epk.epk[10] ^= 1;
        assert_eq!(key.open(&epk, b"k"), Err(SealError::BadPublicKey));
        let mut compressed = sealed;
        compressed.epk.truncate(33);
        assert_eq!(key.open(&compressed, b"k"), Err(SealError::BadPublicKey));
    }

    #[test]
    fn the_key_follows_the_id_key_so_every_node_with_it_opens_what_any_device_sealed() {
        assert_eq!(key(7).public_key(), key(7).public_key());
        assert_ne!(key(7).public_key(), key(8).public_key());
        let sealed = seal(key(7).public_key(), key(7).kid(), b"k", b"m").unwrap();
        assert_eq!(key(8).open(&sealed, b"k"), Err(SealError::UnknownKey));
        let forged = Sealed { kid: key(8).kid().to_owned(), ..sealed };
        assert_eq!(key(8).open(&forged, b"k"), Err(SealError::DoesNotOpen));
    }

    #[test]
    fn every_sealing_uses_a_fresh_ephemeral_key_and_iv() {
        let key = key(7);
        let a = seal(key.public_key(), key.kid(), b"k", b"same").unwrap();
        let b = seal(key.public_key(), key.kid(), b"k", b"same").unwrap();
        assert_ne!(a.epk, b.epk);
        assert_ne!(a.iv, b.iv);
        assert_ne!(a.ciphertext, b.ciphertext);
    }
}
