//! Session tokens: HS256 JWTs whose claims point at a session row the server can revoke.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{
    decode, encode, Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::secrets::JwtSecret;

/// What a token says; the session row it names decides whether it is still good.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The session id.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and checks tokens with one pinned algorithm.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed, altered, or signed with another key")]
    Invalid,
    #[error("the token has expired")]
    Expired,
}

/// jsonwebtoken's cryptography, cut down to the one algorithm the service uses. Its built-in
/// backends also carry RSA (the `rsa` crate, whose Marvin timing flaw RUSTSEC-2023-0071 has no
/// fixed release) and EC; with neither compiled in, no RSA or EC key can be loaded, and a
/// token naming any other algorithm is refused before a key is looked at.
static HS256_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: |algorithm, key| Ok(Box::new(Hs256::new(*algorithm, key.family(), key.as_bytes())?)),
    verifier_factory: |algorithm, key| {
        Ok(Box::new(Hs256::new(*algorithm, key.family(), key.try_get_as_bytes()?)?))
    },
    key_utils: KeyUtils::new_unimplemented(),
};

/// HMAC-SHA256 under the session-token secret.
struct Hs256(Hmac<Sha256>);

impl Hs256 {
    fn new(algorithm: Algorithm, family: AlgorithmFamily, key: &[u8]) -> jsonwebtoken::errors::Result<Self> {
        if algorithm != Algorithm::HS256 || family != AlgorithmFamily::Hmac {
            return Err(ErrorKind::InvalidAlgorithm.into());
        }
        Hmac::new_from_slice(key).map(Self).map_err(|_| ErrorKind::InvalidKeyFormat.into())
    }
}

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(self.0.clone().chain_update(message).finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        // `verify_slice` compares in constant time.
        self.0.clone().chain_update(message).verify_slice(signature).map_err(|_| signature::Error::new())
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl TokenKeys {
    pub fn new(secret: &JwtSecret) -> Self {
        // The first call in the process installs it; later calls find it in place.
        let _ = HS256_ONLY.install_default();
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the service clock (which may be shifted), not the system's.
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Verifies the signature and algorithm, then expiry against `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn encode_segment(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn keys(secret: &str) -> TokenKeys {
        TokenKeys::new(&JwtSecret::from_bytes(secret.as_bytes().to_vec()))
    }

    fn claims(now: DateTime<Utc>) -> Claims {
        Claims { sub: "7".into(), sid: "s-1".into(), iat: now.timestamp(), exp: now.timestamp() + 3600 }
    }

    #[test]
    fn a_signed_token_verifies_until_it_expires() {
        let now = Utc::now();
        let keys = keys("k".repeat(32).as_str());
        let token = keys.sign(&claims(now)).unwrap();
        assert_eq!(keys.verify(&token, now).unwrap().sid, "s-1");
        assert_eq!(keys.verify(&token, now + chrono::Duration::hours(1)).unwrap_err(), TokenError::Expired);
    }

    #[test]
    fn another_key_an_altered_payload_or_alg_none_is_refused() {
        let now = Utc::now();
        let keys = keys("k".repeat(32).as_str());
        let token = keys.sign(&claims(now)).unwrap();
        assert_eq!(self::keys(&"x".repeat(32)).verify(&token, now).unwrap_err(), TokenError::Invalid);

        let parts: Vec<&str> = token.split('.').collect();
        let mut forged = claims(now);
        forged.sub = "1".into();
        let payload = encode_segment(serde_json::to_string(&forged).unwrap().as_bytes());
        let altered = format!("{}.{}.{}", parts[0], payload, parts[2]);
        assert_eq!(keys.verify(&altered, now).unwrap_err(), TokenError::Invalid);

        let none_header = encode_segment(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        assert_eq!(keys.verify(&unsigned, now).unwrap_err(), TokenError::Invalid);
        assert_eq!(keys.verify("not a token", now).unwrap_err(), TokenError::Invalid);
    }

    #[test]
    fn a_token_naming_rs256_is_refused_and_no_rsa_or_ec_key_can_be_used() {
        let now = Utc::now();
        let keys = keys("k".repeat(32).as_str());
        let token = keys.sign(&claims(now)).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let rs256 =
            format!("{}.{}.{}", encode_segment(br#"{"alg":"RS256","typ":"JWT"}"#), parts[1], parts[2]);
        assert_eq!(keys.verify(&rs256, now).unwrap_err(), TokenError::Invalid);

        // The installed provider itself builds nothing but HS256 over a secret.
        let secret = DecodingKey::from_secret(&[7; 32]);
        for algorithm in
            [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256, Algorithm::EdDSA, Algorithm::HS512]
        {
            assert!((HS256_ONLY.verifier_factory)(&algorithm, &secret).is_err(), "{algorithm:?}");
        }
        let rsa_components = DecodingKey::from_rsa_raw_components(&[1; 256], &[1, 0, 1]);
        assert!((HS256_ONLY.verifier_factory)(&Algorithm::HS256, &rsa_components).is_err());
        let ec_der = DecodingKey::from_ec_der(&[4; 65]);
        assert!((HS256_ONLY.verifier_factory)(&Algorithm::HS256, &ec_der).is_err());
        assert!((HS256_ONLY.signer_factory)(&Algorithm::RS256, &EncodingKey::from_secret(&[7; 32])).is_err());
    }
}
