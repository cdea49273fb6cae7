//! The contract and a browsable page for it: `/openapi.yaml` and Swagger UI at `/docs`, its
//! assets compiled into the binary (nothing is fetched at run time).

use std::sync::{Arc, LazyLock};

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use utoipa_swagger_ui::Config;

use super::error::ApiError;

const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

static SWAGGER: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| Arc::new(Config::new(["/openapi.yaml"])));

pub async fn openapi_yaml() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/yaml; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(OPENAPI_YAML)
}

/// `/docs` (the page) and `/docs/{file}` (its assets).
pub async fn swagger_ui(tail: Option<web::Path<String>>) -> Result<HttpResponse, ApiError> {
    let tail = tail.map(web::Path::into_inner).unwrap_or_default();
    let file = utoipa_swagger_ui::serve(&tail, SWAGGER.clone())
        .map_err(|error| {
            tracing::error!(%error, "swagger ui");
            ApiError::not_found("file")
        })?
        .ok_or_else(|| ApiError::not_found("file"))?;
    let mut bytes = file.bytes.into_owned();
    if tail.is_empty() {
        // The page is served at `/docs` (trailing slashes are trimmed), so its relative asset
        // links must point into `/docs/`.
        bytes = String::from_utf8_lossy(&bytes).replace("\"./", "\"/docs/").into_bytes();
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(bytes))
}
