//! The one table of error codes: each code's wire name, HTTP status and default message.
//! Errors are raised by these names, never by string; openapi.yaml lists the same codes (a test
//! checks both ways).

use actix_web::http::StatusCode;

use crate::domain::quota::Refusal;
use crate::domain::resident_id::ResidentIdError;
use crate::services::ConflictCode;

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $status:ident, $message:literal;)+) => {
        /// A stable snake_case code, as clients match on it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)+
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }

            pub const fn status(self) -> StatusCode {
                match self {
                    $(ErrorCode::$variant => StatusCode::$status,)+
                }
            }

            /// What the answer says when the raiser has nothing more specific to say.
            pub const fn message(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $message,)+
                }
            }
        }
    };
}

error_codes! {
    // 400: the request cannot be read as asked.
    InvalidBody = "invalid_body", BAD_REQUEST, "the request body could not be read";
    InvalidQuery = "invalid_query", BAD_REQUEST, "the query string could not be read";
    InvalidPath = "invalid_path", BAD_REQUEST, "a path parameter could not be read";
    InvalidPassword = "invalid_password", BAD_REQUEST, "the password is not acceptable";
    InvalidDeviceId = "invalid_device_id", BAD_REQUEST, "the device id is not acceptable";
    InvalidDeviceName = "invalid_device_name", BAD_REQUEST, "the device name is not acceptable";
    InvalidQuantity = "invalid_quantity", BAD_REQUEST, "the quantity is not acceptable";
    InvalidClientKey = "invalid_client_key", BAD_REQUEST, "client_key must be a UUID";
    InvalidReference = "invalid_reference", BAD_REQUEST, "the reference is not acceptable";
    InvalidReason = "invalid_reason", BAD_REQUEST, "the reason is not acceptable";
    InvalidDate = "invalid_date", BAD_REQUEST, "date must be YYYY-MM-DD";
    InvalidProxyCategory = "invalid_proxy_category", BAD_REQUEST, "category must be care_recipient or disabled";
    InvalidSoldAt = "invalid_sold_at", BAD_REQUEST, "sold_at must be RFC 3339 with an offset, at most 2 minutes ahead and within the back-dating window";
    InvalidSealed = "invalid_sealed", BAD_REQUEST, "the sealed sale could not be opened";
    InvalidBatch = "invalid_batch", BAD_REQUEST, "sales must hold 1 to 500 sales";
    InvalidNote = "invalid_note", BAD_REQUEST, "the note is not acceptable";
    ResidentIdFormat = "resident_id_format", BAD_REQUEST, "the resident registration number is malformed";
    ResidentIdDate = "resident_id_date", BAD_REQUEST, "the resident registration number's birth date is impossible, after today, or in a century the policy refuses";
    ResidentIdChecksum = "resident_id_checksum", BAD_REQUEST, "the resident registration number's check digit does not match";
    ResidentIdInText = "resident_id_in_text", BAD_REQUEST, "free text must not hold a resident registration number";
    // 401: not signed in, or not any more.
    NotSignedIn = "not_signed_in", UNAUTHORIZED, "sign in first: send Authorization: Bearer <token>";
    InvalidToken = "invalid_token", UNAUTHORIZED, "the token is malformed, altered, or signed with another key";
    TokenExpired = "token_expired", UNAUTHORIZED, "the session has expired; sign in again";
    SessionRevoked = "session_revoked", UNAUTHORIZED, "the session has ended";
    InvalidCredentials = "invalid_credentials", UNAUTHORIZED, "wrong username or password";
    AccountDisabled = "account_disabled", UNAUTHORIZED, "this account is disabled";
    InvalidApiKey = "invalid_api_key", UNAUTHORIZED, "this API key is unknown or revoked";
    // 403, 404, 405
    Forbidden = "forbidden", FORBIDDEN, "this is not yours to see or change";
    NotFound = "not_found", NOT_FOUND, "not found";
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED, "this path does not answer that method";
    // 409: refused by a rule or by the current state.
    DeviceLimitReached = "device_limit_reached", CONFLICT, "this site already has as many devices signed in as it may";
    NotRotationDay = "not_rotation_day", CONFLICT, "today is not this person's day to buy";
    WeeklyQuotaExceeded = "weekly_quota_exceeded", CONFLICT, "this person's weekly quota is used up";
    ProxyNotEligible = "proxy_not_eligible", CONFLICT, "this person may not be bought for by someone else";
    NoPolicyInForce = "no_policy_in_force", CONFLICT, "no rationing policy is in force on this date";
    InsufficientStock = "insufficient_stock", CONFLICT, "not enough masks on hand";
    SalesHalted = "sales_halted", CONFLICT, "this site has halted sales";
    VoidWindowPassed = "void_window_passed", CONFLICT, "this sale can no longer be voided";
    SiteCodeTaken = "site_code_taken", CONFLICT, "a site with this code exists";
    UsernameTaken = "username_taken", CONFLICT, "this username is taken";
    AlreadyResolved = "already_resolved", CONFLICT, "this conflict is already resolved";
    // 408, 413, 415, 422, 429
    RequestTimeout = "request_timeout", REQUEST_TIMEOUT, "the request body did not arrive in time";
    BodyTooLarge = "body_too_large", PAYLOAD_TOO_LARGE, "the request body is too large";
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "send the body as Content-Type: application/json";
    IdempotencyKeyReused = "idempotency_key_reused", UNPROCESSABLE_ENTITY, "this client_key was already used for a different request; generate a new one";
    AccountLocked = "account_locked", TOO_MANY_REQUESTS, "too many failed sign-ins; try again later";
    RateLimited = "rate_limited", TOO_MANY_REQUESTS, "too many requests: slow down, or ask for an API key with a higher limit";
    // 5xx: ours, never the client's.
    NotReady = "not_ready", SERVICE_UNAVAILABLE, "the service is not ready";
    DatabaseUnavailable = "database_unavailable", SERVICE_UNAVAILABLE, "the database is unavailable; retry shortly";
    Internal = "internal", INTERNAL_SERVER_ERROR, "an internal error occurred; it has been logged";
}

impl From<&Refusal> for ErrorCode {
    fn from(refusal: &Refusal) -> Self {
        match refusal {
            Refusal::NotRotationDay { .. } => Self::NotRotationDay,
            Refusal::WeeklyQuotaExceeded { .. } => Self::WeeklyQuotaExceeded,
            Refusal::ProxyNotEligible => Self::ProxyNotEligible,
            Refusal::NoPolicyInForce => Self::NoPolicyInForce,
        }
    }
}

impl From<ResidentIdError> for ErrorCode {
    fn from(error: ResidentIdError) -> Self {
        match error {
            ResidentIdError::Format => Self::ResidentIdFormat,
            ResidentIdError::Date | ResidentIdError::BornAfterToday | ResidentIdError::Born1800s => {
                Self::ResidentIdDate
            }
            ResidentIdError::Checksum => Self::ResidentIdChecksum,
        }
    }
}

impl From<ConflictCode> for ErrorCode {
    fn from(code: ConflictCode) -> Self {
        match code {
            ConflictCode::SalesHalted => Self::SalesHalted,
            ConflictCode::InsufficientStock => Self::InsufficientStock,
            ConflictCode::VoidWindowPassed => Self::VoidWindowPassed,
            ConflictCode::SiteCodeTaken => Self::SiteCodeTaken,
            ConflictCode::UsernameTaken => Self::UsernameTaken,
            ConflictCode::AlreadyResolved => Self::AlreadyResolved,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_never_a_server_error_but_for_ours() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} repeats");
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{name}");
            assert!(!code.message().is_empty());
            if code.status().is_server_error() {
                assert!(matches!(
                    code,
                    ErrorCode::NotReady | ErrorCode::DatabaseUnavailable | ErrorCode::Internal
                ));
            }
        }
    }

    #[test]
    fn domain_codes_keep_their_names_over_http() {
        let refusals = [
            Refusal::NotRotationDay {
                keyed_on: crate::domain::policy::RotationKey::BirthYearLastDigit,
                allowed_digits: vec![1, 6],
                next_day: None,
            },
            Refusal::WeeklyQuotaExceeded { bought: 2, quota: 2 },
            Refusal::ProxyNotEligible,
            Refusal::NoPolicyInForce,
        ];
        for refusal in &refusals {
            assert_eq!(ErrorCode::from(refusal).as_str(), refusal.code());
        }
        for error in [
            ResidentIdError::Format,
            ResidentIdError::Date,
            ResidentIdError::Checksum,
            ResidentIdError::BornAfterToday,
            ResidentIdError::Born1800s,
        ] {
            assert_eq!(ErrorCode::from(error).as_str(), error.code());
        }
    }
}
