//! The one HTTP error type: every failure leaves as `{"error": {"code", "message", "field"?}}`,
//! its status taken from the code's row in [`codes`].

pub mod codes;
pub mod extractors;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::quota::Refusal;
use crate::domain::resident_id::ResidentIdError;
use crate::http::views::DeviceView;
use crate::services::sales::Party;
use crate::services::sessions::AuthError;
use crate::services::ServiceError;

pub use self::codes::ErrorCode;

/// An error as the client sees it: a code (and with it a status), a sentence, and the request
/// field at fault when there is one.
#[derive(Debug)]
pub struct ApiError {
    // Boxed: errors travel through every handler's `Result`, which should stay small.
    body: Box<ErrorBody>,
    retry_after_secs: Option<u64>,
    allow: Option<String>,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    #[serde(serialize_with = "code_name")]
    code: ErrorCode,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Extra facts for the client (e.g. the devices already signed in); flattened into `error`.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Map<String, serde_json::Value>>,
}

fn code_name<S: serde::Serializer>(code: &ErrorCode, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(code.as_str())
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code, code.message())
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            body: Box::new(ErrorBody { code, message: message.into(), field: None, details: None }),
            retry_after_secs: None,
            allow: None,
        }
    }

    /// A request field that did not parse.
    pub fn invalid(field: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(code, message).with_field(field)
    }

    /// A query parameter that did not parse.
    pub fn invalid_query(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid(name, ErrorCode::InvalidQuery, message)
    }

    /// A resident registration number that did not parse, in `field`.
    pub fn resident_id(field: &str, error: ResidentIdError) -> Self {
        Self::invalid(field, ErrorCode::from(error), error.to_string())
    }

    /// 405 naming the methods the path does answer.
    pub fn method_not_allowed(allow: &str) -> Self {
        let mut error = Self::new(ErrorCode::MethodNotAllowed, format!("this path answers {allow} only"));
        error.allow = Some(allow.to_owned());
        error
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// 409 for a purchase the rationing rules refuse, with the rule's facts (allowed digits,
    /// next day, quota) beside the code.
    pub fn refused(refusal: &Refusal) -> Self {
        let mut error = Self::new(ErrorCode::from(refusal), refusal.to_string());
        error.body.details = Some(refusal_details(refusal));
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

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.body.field = Some(field.into());
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.body.code
    }

    pub fn status(&self) -> StatusCode {
        self.body.code.status()
    }

    /// The error as one item of a batch answer: the `error` object with its `status` beside it.
    pub fn as_item(&self) -> serde_json::Value {
        let mut item = serde_json::to_value(&self.body).unwrap_or_default();
        if let Some(fields) = item.as_object_mut() {
            fields.insert("status".into(), self.status().as_u16().into());
        }
        item
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status().as_u16(), self.body.code.as_str(), self.body.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status());
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, allow.as_str()));
        }
        // The open API's successes declare their charset (2020 clients decode by it); so does
        // every error.
        let body = serde_json::to_string(&serde_json::json!({ "error": &self.body })).unwrap_or_default();
        response
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("application/json; charset=utf-8")
            .body(body)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound { what } => Self::not_found(what),
            ServiceError::Conflict { code, message } => Self::new(code.into(), message),
            ServiceError::Refused(refusal) => Self::refused(&refusal),
            ServiceError::ResidentId { party, error } => {
                let field = match party {
                    Party::Buyer => "resident_id",
                    Party::ProxyTarget => "proxy_for.resident_id",
                };
                Self::resident_id(field, error)
            }
            ServiceError::SoldAt(refusal) => {
                Self::invalid("sold_at", ErrorCode::InvalidSoldAt, refusal.to_string())
            }
            ServiceError::IdempotencyKeyReused => {
                Self::from(ErrorCode::IdempotencyKeyReused).with_field("client_key")
            }
            ServiceError::Auth(auth) => auth.into(),
            ServiceError::Forbidden { message } => Self::forbidden(message),
            ServiceError::DeviceLimitReached { max_devices, ref devices } => {
                Self::new(ErrorCode::DeviceLimitReached, error.to_string())
                    .with_detail("max_devices", max_devices)
                    .with_detail(
                        "devices",
                        devices.iter().map(|d| DeviceView::new(d, None)).collect::<Vec<_>>(),
                    )
            }
            ServiceError::Db(db) if db.is_unavailable() => {
                tracing::warn!(error = %db, "database unavailable");
                ErrorCode::DatabaseUnavailable.into()
            }
            ServiceError::Db(db) => {
                tracing::error!(error = %db, "database error");
                ErrorCode::Internal.into()
            }
            ServiceError::Internal(message) => {
                tracing::error!(%message, "internal error");
                ErrorCode::Internal.into()
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
        let code = match error {
            AuthError::NotSignedIn => ErrorCode::NotSignedIn,
            AuthError::InvalidToken => ErrorCode::InvalidToken,
            AuthError::TokenExpired => ErrorCode::TokenExpired,
            AuthError::SessionRevoked(_) => ErrorCode::SessionRevoked,
            AuthError::InvalidCredentials => ErrorCode::InvalidCredentials,
            AuthError::AccountDisabled => ErrorCode::AccountDisabled,
            AuthError::Locked { .. } => ErrorCode::AccountLocked,
        };
        let api = Self::new(code, error.to_string());
        match error {
            AuthError::SessionRevoked(reason) => api.with_detail("reason", reason),
            AuthError::Locked { retry_after_secs } => api.retry_after(retry_after_secs),
            _ => api,
        }
    }
}
