//! The public, read-only open API: `/corona19-masks/v1` (drop-in for the 2020 public mask API)
//! and `/v2`. Every read is served from the in-memory board; none touches the database.

pub mod stream;
pub mod v1;
pub mod v2;

use std::collections::HashMap;
use std::hash::BuildHasher;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use super::error::ApiError;

/// Query parameters, tolerant like 2020: unknown names are ignored, `+` and `%20` are spaces.
pub type Params = HashMap<String, String>;

/// Fixed, so every node and every restart gives the same body the same tag.
const ETAG_HASHER: foldhash::quality::FixedState = foldhash::quality::FixedState::with_seed(0x2020_0311);

/// A JSON reply with an `ETag`, answered with 304 when the client already has it.
pub fn json_reply(req: &HttpRequest, body: String, max_age: u32) -> HttpResponse {
    // foldhash, not SipHash: a validator needs no keyed hash, and SipHash over a 70 KB
    // storesByGeo body cost ~15 µs, a tenth of the whole request.
    let etag = format!("\"{:016x}\"", ETAG_HASHER.hash_one(body.as_bytes()));
    let cache_control = format!("public, max-age={max_age}");
    if client_has(req, &etag) {
        return HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .finish();
    }
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8")))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .body(body)
}

fn client_has(req: &HttpRequest, etag: &str) -> bool {
    req.headers().get_all(header::IF_NONE_MATCH).filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').map(|tag| tag.trim().trim_start_matches("W/")).any(|tag| tag == etag || tag == "*")
    })
}

/// Serialises a reply body; plain data cannot fail to serialise.
pub fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// An optional number parameter; an empty value counts as absent.
pub fn number<T: std::str::FromStr>(params: &Params, name: &str) -> Result<Option<T>, ApiError> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|_| ApiError::invalid_query(name, format!("{name} must be a number"))),
    }
}

/// An optional whole-number parameter, read as generously as 2020 clients wrote them: `12`,
/// `12.0`, and numbers too large for 64 bits (saturated, so a huge `perPage` is simply "all").
#[expect(
    clippy::as_conversions,
    reason = "a whole float saturates into i64, as 2020 clients' huge numbers should"
)]
pub fn integer(params: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    let Some(raw) = params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) else { return Ok(None) };
    if let Ok(value) = raw.parse::<i64>() {
        return Ok(Some(value));
    }
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Some(if raw.starts_with('-') { i64::MIN } else { i64::MAX }));
    }
    match raw.parse::<f64>() {
        Ok(value) if value.is_finite() && value.fract() == 0.0 => Ok(Some(value as i64)),
        _ => Err(ApiError::invalid_query(name, format!("{name} must be a whole number"))),
    }
}

/// A required coordinate within Korea's bounds.
pub fn coordinate(params: &Params, name: &str, (min, max): (f64, f64)) -> Result<f64, ApiError> {
    let value: f64 =
        number(params, name)?.ok_or_else(|| ApiError::invalid_query(name, format!("{name} is required")))?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::invalid_query(name, format!("{name} must be between {min} and {max}")))
    }
}
