//! The one HTTP error type: every failure leaves as `{"error": {"code", "message", "field"?}}`.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::db::DbError;
use crate::domain::quota::Refusal;
use crate::http::portal::sessions::DeviceView;
use crate::services::sessions::AuthError;
use crate::services::ServiceError;

/// An error as the client sees it: a status, a stable snake_case code, a sentence, and the
/// request field at fault when there is one.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    // Boxed: errors travel through every handler's `Result`, which should stay small.
    body: Box<ErrorBody>,
    retry_after_secs: Option<u64>,
    allow: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Extra facts for the client (e.g. the devices already signed in); flattened into `error`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody { code, message: message.into(), field: None, details: None }),
            retry_after_secs: None,
            allow: None,
        }
    }

    /// 405 naming the methods the path does answer.
    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut error = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("this path answers {allow} only"),
        );
        error.allow = Some(allow);
        error
    }

    /// Adds a fact for the client beside `code` and `message` (e.g. `reason`, `devices`).
    pub fn with_detail(mut self, key: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
        self.body.details.get_or_insert_with(Default::default).insert(key.to_owned(), value);
        self
    }

    /// Sets `Retry-After` and a matching `retry_after` field.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self.with_detail("retry_after", secs)
    }

    /// 400 for a request field that did not parse.
    pub fn invalid(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message).with_field(field)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("{what} not found"))
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
        self
    }

    pub fn code(&self) -> &'static str {
        self.body.code
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// 409 for a purchase the rationing rules refuse, with the rule's facts (allowed digits,
    /// next day, quota) beside the code.
    pub fn refused(refusal: &Refusal) -> Self {
        let mut error = Self::new(StatusCode::CONFLICT, refusal.code(), refusal.to_string());
        error.body.details = Some(refusal_details(refusal));
        error
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "an internal error occurred; it has been logged",
        )
    }

    fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is unavailable; retry shortly",
        )
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.body.code, self.body.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = self.allow {
            response.insert_header((header::ALLOW, allow));
        }
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({ "error": &self.body }))
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::Unavailable(e) => {
                tracing::warn!(error = %e, "database unavailable");
                Self::unavailable()
            }
            other => {
                tracing::error!(error = %other, "database error");
                Self::internal()
            }
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound { what } => Self::not_found(what),
            ServiceError::Conflict { code, message } => Self::new(StatusCode::CONFLICT, code, message),
            ServiceError::Refused(refusal) => Self::refused(&refusal),
            ServiceError::IdempotencyKeyReused => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "this client_key was already used for a different request; generate a new one",
            )
            .with_field("client_key"),
            ServiceError::Auth(auth) => auth.into(),
            ServiceError::Forbidden { message } => Self::forbidden(message),
            ServiceError::DeviceLimitReached { max_devices, ref devices } => {
                Self::new(StatusCode::CONFLICT, "device_limit_reached", error.to_string())
                    .with_detail("max_devices", max_devices)
                    .with_detail(
                        "devices",
                        devices.iter().map(|d| DeviceView::new(d, None)).collect::<Vec<_>>(),
                    )
            }
            ServiceError::Db(db) => db.into(),
            ServiceError::Internal(message) => {
                tracing::error!(%message, "internal error");
                Self::internal()
            }
        }
    }
}

/// A refusal's fields (without its `code` tag, which the error already carries).
pub fn refusal_details(refusal: &Refusal) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(refusal) {
        Ok(serde_json::Value::Object(mut fields)) => {
            fields.remove("code");
            fields
        }
        _ => serde_json::Map::new(),
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        let unauthorized = |code| Self::new(StatusCode::UNAUTHORIZED, code, error.to_string());
        match error {
            AuthError::NotSignedIn => unauthorized("not_signed_in"),
            AuthError::InvalidToken => unauthorized("invalid_token"),
            AuthError::TokenExpired => unauthorized("token_expired"),
            AuthError::SessionRevoked(reason) => {
                unauthorized("session_revoked").with_detail("reason", reason)
            }
            AuthError::InvalidCredentials => unauthorized("invalid_credentials"),
            AuthError::AccountDisabled => unauthorized("account_disabled"),
            AuthError::Locked { retry_after_secs } => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "account_locked", error.to_string())
                    .retry_after(retry_after_secs)
            }
        }
    }
}

/// Turns actix's own extractor failures (bad JSON, bad query, wrong content type, oversized
/// bodies) into the same JSON shape.
pub mod extractors {
    use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
    use actix_web::http::StatusCode;
    use actix_web::{web, HttpRequest};

    use super::ApiError;

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
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("the request body exceeds {limit} bytes"),
                )
            }
            JsonPayloadError::ContentType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as Content-Type: application/json",
            ),
            JsonPayloadError::Deserialize(e) => {
                let api = ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", body_message(e));
                match field_of(e) {
                    Some(field) => api.with_field(field),
                    None => api,
                }
            }
            _ => ApiError::new(StatusCode::BAD_REQUEST, "invalid_body", "the request body could not be read"),
        };
        api.into()
    }

    fn query_error(error: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", format!("invalid query string: {error}"))
            .into()
    }

    fn path_error(error: PathError, _: &HttpRequest) -> actix_web::Error {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_path", format!("invalid path parameter: {error}"))
            .into()
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
}
