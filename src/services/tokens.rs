//! Session tokens: HS256 JWTs whose claims point at a session row the server can revoke.

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

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

impl TokenKeys {
    pub fn new(secret: &JwtSecret) -> Self {
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
}
