//! Liveness and readiness probes.

use actix_web::{web, HttpResponse};
use chrono::SecondsFormat;
use serde_json::json;

use crate::http::state::AppState;
use crate::services::operations::Readiness;

use super::error::{ApiError, ErrorCode};

/// Alive: the process answers. Also tells which clock the service runs on.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "clock": {
            "mode": state.clock.mode(),
            "now": state.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        },
    }))
}

/// Ready: the database answers and its schema is the one this binary expects.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let readiness = state.operations.readiness().await.map_err(|error| {
        tracing::warn!(%error, "not ready");
        ApiError::new(ErrorCode::NotReady, "the database is unreachable")
    })?;
    if readiness == Readiness::MigrationsPending {
        return Err(ApiError::new(
            ErrorCode::NotReady,
            "database migrations are pending; run `maskportal migrate`",
        ));
    }
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(json!({
        "status": "ready",
        "database": state.operations.backend(),
    })))
}
