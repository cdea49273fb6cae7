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
                            // Every GET route answers HEAD too.
                            .flat_map(|m| if m == "get" { vec!["GET", "HEAD"] } else { vec![m.as_str()] })
                            .map(str::to_ascii_uppercase)
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

/// What the page and its assets may do: scripts and styles from here only (Swagger UI sets
/// inline styles, and shows inline SVG images), requests to this origin only, and never inside
/// another site's frame: the counter keeps its session token on this origin.
const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'self'; \
     form-action 'none'; frame-ancestors 'none'";

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
        // The page is served at `/docs` (trailing slashes are trimmed), where its relative links
        // (`./swagger-ui.css`, `index.css`) would resolve against `/`: they resolve in `/docs/`.
        bytes = String::from_utf8_lossy(&bytes)
            .replacen("<head>", "<head>\n    <base href=\"/docs/\">", 1)
            .into_bytes();
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.content_type))
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::CONTENT_SECURITY_POLICY, DOCS_CSP))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes))
}
