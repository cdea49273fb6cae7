//! The clerk-facing portal API under `/portal/v1`.

pub mod sales;
pub mod sessions;
pub mod stock;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::calendar::KST;
use crate::domain::client_key::ClientKey;
use crate::domain::quantity::Quantity;
use crate::http::error::ApiError;

/// Portal times are shown in Korea time, with their offset.
pub fn kst_rfc3339(instant: DateTime<Utc>) -> String {
    instant.with_timezone(&KST).to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Parses a write's `client_key`.
pub fn client_key(raw: &str) -> Result<ClientKey, ApiError> {
    ClientKey::parse(raw).map_err(|e| ApiError::invalid("client_key", "invalid_client_key", e.to_string()))
}

/// Parses a number of masks.
pub fn quantity(raw: i64) -> Result<Quantity, ApiError> {
    Quantity::new(raw).map_err(|e| ApiError::invalid("quantity", "invalid_quantity", e.to_string()))
}
