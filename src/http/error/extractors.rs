//! Turns actix's own extractor failures (bad JSON, bad query, wrong content type, oversized
//! bodies) into the same JSON shape.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, HttpRequest};

use super::{ApiError, ErrorCode};
use crate::http::slow_clients::is_body_timeout;

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(json_error)
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(query_error)
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(path_error)
}

fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let api = match &error {
        JsonPayloadError::OverflowKnownLength { limit, .. } | JsonPayloadError::Overflow { limit } => {
            ApiError::new(ErrorCode::BodyTooLarge, format!("the request body exceeds {limit} bytes"))
        }
        JsonPayloadError::ContentType => ApiError::from(ErrorCode::UnsupportedMediaType),
        JsonPayloadError::Payload(payload) if is_body_timeout(payload) => ErrorCode::RequestTimeout.into(),
        JsonPayloadError::Deserialize(e) => invalid_body(e),
        _ => ErrorCode::InvalidBody.into(),
    };
    api.into()
}

fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(ErrorCode::InvalidQuery, format!("invalid query string: {error}")).into()
}

fn path_error(error: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::new(ErrorCode::InvalidPath, format!("invalid path parameter: {error}")).into()
}

/// A body (or a batch item) that does not fit its schema, naming the field when serde does.
pub fn invalid_body(error: &serde_json::Error) -> ApiError {
    let api = ApiError::new(ErrorCode::InvalidBody, body_message(error));
    match field_of(error) {
        Some(field) => api.with_field(field),
        None => api,
    }
}

fn body_message(error: &serde_json::Error) -> String {
    match error.classify() {
        serde_json::error::Category::Data => format!("the JSON body does not fit: {error}"),
        _ => format!("the body is not valid JSON: {error}"),
    }
}

/// serde names the field only when one is missing or unknown (`missing field `x``).
fn field_of(error: &serde_json::Error) -> Option<String> {
    let text = error.to_string();
    let rest = text.strip_prefix("missing field `").or_else(|| text.strip_prefix("unknown field `"))?;
    Some(rest[..rest.find('`')?].to_owned())
}
