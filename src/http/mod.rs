//! The HTTP surface: one route table, thin handlers, one error type.

pub mod error;
pub mod health;

use actix_web::web;

use self::error::{extractors, ApiError};

/// Request bodies on the portal are small JSON documents.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every route the service answers, in one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(extractors::json_config(MAX_BODY_BYTES))
        .app_data(extractors::query_config())
        .app_data(extractors::path_config())
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found("route"))
}
