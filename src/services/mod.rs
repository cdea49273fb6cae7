//! The use-cases: each owns its transaction and speaks in domain types.

pub mod api_keys;
pub mod passwords;
pub mod sites;
pub mod users;

use crate::db::DbError;

/// Why a use-case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// Refused because of the current state (a taken name, a rule); `code` is stable.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ServiceError {
    fn from(error: diesel::result::Error) -> Self {
        ServiceError::Db(DbError::Query(error))
    }
}

impl ServiceError {
    /// Maps a unique-constraint failure to a conflict with a clear message.
    pub(crate) fn on_unique_violation(code: &'static str, message: String) -> impl FnOnce(Self) -> Self {
        move |error| match error {
            ServiceError::Db(db) if db.is_unique_violation() => ServiceError::Conflict { code, message },
            other => other,
        }
    }
}
