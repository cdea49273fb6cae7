//! `GET /portal/v1/policy` and `GET /portal/v1/seal-key`: what a counter page keeps so that it
//! can check and queue sales while the server cannot be reached.

use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::calendar::kst_date;
use crate::domain::clock::ClockMode;
use crate::domain::policy::Period;
use crate::http::auth::Clerk;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::views::kst_rfc3339;

#[derive(Serialize)]
struct PeriodView<'a> {
    #[serde(flatten)]
    period: &'a Period,
    /// The next period's first day; `null` for the last.
    until: Option<NaiveDate>,
}

/// The policy in force today and every later period, with the service clock's reading (a
/// training clock may be shifted: the page sells and dates by it).
pub async fn policy(state: web::Data<AppState>, _: Clerk) -> Result<HttpResponse, ApiError> {
    let (policy, now, mode) = state.counter.rules();
    let today = kst_date(now);
    let periods = policy.periods();
    let views: Vec<PeriodView<'_>> = periods
        .iter()
        .enumerate()
        .map(|(i, period)| PeriodView { period, until: periods.get(i + 1).map(Period::starts_on) })
        .filter(|view| view.until.is_none_or(|until| until > today))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "name": policy.name(),
        "accept_1800s": policy.accept_1800s(),
        "now": kst_rfc3339(now),
        "today": today,
        "clock_shifted": mode == ClockMode::Shifted,
        "periods": views,
    })))
}

/// The public key offline sales are sealed to.
pub async fn seal_key(state: web::Data<AppState>, _: Clerk) -> Result<HttpResponse, ApiError> {
    let key = &state.sealing_key;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "kid": key.kid(),
        "alg": "ECDH-P256+HKDF-SHA256+A256GCM",
        "public_key": URL_SAFE_NO_PAD.encode(key.public_key()),
    })))
}
