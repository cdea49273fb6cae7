//! The clerk-facing portal API under `/portal/v1`.

pub mod conflicts;
pub mod policy;
pub mod sales;
pub mod sessions;
pub mod stock;

use serde::Deserialize;

use crate::domain::client_key::ClientKey;
use crate::domain::quantity::Quantity;
use crate::domain::site::{Note, NoteError};
use crate::http::error::{ApiError, ErrorCode};

/// Parses a write's `client_key`.
pub fn client_key(raw: &str) -> Result<ClientKey, ApiError> {
    ClientKey::parse(raw)
        .map_err(|e| ApiError::invalid("client_key", ErrorCode::InvalidClientKey, e.to_string()))
}

/// Parses a number of masks.
pub fn quantity(raw: i64) -> Result<Quantity, ApiError> {
    Quantity::new(raw).map_err(|e| ApiError::invalid("quantity", ErrorCode::InvalidQuantity, e.to_string()))
}

/// Parses free text in `field`: `invalid` when it is not display text, `resident_id_in_text`
/// when it holds a resident number.
pub fn note(raw: &str, field: &str, invalid: ErrorCode) -> Result<Note, ApiError> {
    Note::parse(raw).map_err(|e| {
        let code = match e {
            NoteError::Text(_) => invalid,
            NoteError::ResidentNumber => ErrorCode::ResidentIdInText,
        };
        ApiError::invalid(field, code, format!("{field} {e}"))
    })
}

/// A JSON whole number, also when written as `5.0` (JSON Schema counts that as an integer).
#[expect(clippy::as_conversions, reason = "a whole float saturates into i64")]
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    use serde::de::Error;
    let number = serde_json::Number::deserialize(deserializer)?;
    if let Some(n) = number.as_i64() {
        return Ok(n);
    }
    if number.as_u64().is_some() {
        return Ok(i64::MAX);
    }
    match number.as_f64() {
        Some(f) if f.is_finite() && f.fract() == 0.0 => Ok(f.clamp(i64::MIN as f64, i64::MAX as f64) as i64),
        _ => Err(D::Error::custom(format!("expected a whole number, got {number}"))),
    }
}
