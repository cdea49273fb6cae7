//! The contract and a browsable page for it: `/openapi.yaml` and Swagger UI at `/docs`, its
//! assets compiled into the binary (nothing is fetched at run time).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use utoipa_swagger_ui::Config;

use super::error::ApiError;

const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

static SWAGGER: LazyLock<Arc<Config<'static>>> = LazyLock::new(|| Arc::new(Config::new(["/openapi.yaml"])));

/// For each documented path template, the methods it answers (`GET, POST`), from the contract:
/// a request for a known path with another method gets 405 and this as `Allow`.
#[derive(Debug, Default)]
pub struct AllowedMethods(HashMap<String, String>);

impl AllowedMethods {
    /// Reads the embedded contract; a binary whose contract does not parse refuses to start.
    pub fn from_contract() -> Result<Self, serde_norway::Error> {
        let spec: serde_json::Value = serde_norway::from_str(OPENAPI_YAML)?;
        let paths = spec.get("paths").and_then(|p| p.as_object()).cloned().unwrap_or_default();
        Ok(Self(
            paths
                .into_iter()
                .map(|(path, item)| {
                    let methods = item.as_object().map_or_else(Vec::new, |ops| {
                        ops.keys()
                            .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
                            .map(|m| m.to_ascii_uppercase())
                            .collect()
                    });
                    (path, methods.join(", "))
                })
                .filter(|(_, methods)| !methods.is_empty())
                .collect(),
        ))
    }

    /// The `Allow` value for a route pattern (`/portal/v1/sales/{id}/void`), if it is documented.
    pub fn of(&self, pattern: &str) -> Option<&str> {
        self.0.get(pattern).map(String::as_str)
    }
}

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
