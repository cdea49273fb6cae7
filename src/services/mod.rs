//! The use-cases: each owns its transaction and speaks in domain types.

pub mod api_keys;
pub mod conflicts;
pub mod counter;
pub mod idempotency;
pub mod integrity;
pub mod key_checks;
pub mod login_throttle;
pub mod lookups;
pub mod operations;
pub mod passwords;
pub mod publishing;
pub mod sales;
pub mod scratch;
pub mod sessions;
pub mod sites;
pub mod stock;
pub mod tokens;
pub mod users;

use crate::db::DbError;
use crate::domain::backdating::SoldAtRefusal;
use crate::domain::quota::Refusal;
use crate::domain::resident_id::ResidentIdError;

use self::sales::Party;
use self::sessions::{ActiveDevice, AuthError};

/// What in the current state refuses a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictCode {
    SalesHalted,
    InsufficientStock,
    VoidWindowPassed,
    SiteCodeTaken,
    UsernameTaken,
    AlreadyResolved,
}

/// Why a use-case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// Refused because of the current state (a taken name, a halted site).
    #[error("{message}")]
    Conflict { code: ConflictCode, message: String },
    /// The rationing rules refuse the purchase (rotation day, quota, proxy).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A well-formed resident number that cannot be this party's today (born after today, or
    /// in a century the policy refuses).
    #[error("{error}")]
    ResidentId { party: Party, error: ResidentIdError },
    /// A sale dated where no sale may be entered.
    #[error(transparent)]
    SoldAt(#[from] SoldAtRefusal),
    /// A client key came back with a different request.
    #[error("this client_key was already used for a different request")]
    IdempotencyKeyReused,
    /// Not signed in, or not any more.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Signed in, but not allowed to do this.
    #[error("{message}")]
    Forbidden { message: String },
    /// The site already has as many devices signed in as it may.
    #[error("this site already has {max_devices} device(s) signed in")]
    DeviceLimitReached { max_devices: i32, devices: Vec<ActiveDevice> },
    #[error(transparent)]
    Db(#[from] DbError),
    /// A failure that is ours, not the client's (logged, answered opaquely).
    #[error("{0}")]
    Internal(String),
}

impl From<diesel::result::Error> for ServiceError {
    fn from(error: diesel::result::Error) -> Self {
        ServiceError::Db(DbError::Query(error))
    }
}

impl ServiceError {
    pub fn conflict(code: ConflictCode, message: impl Into<String>) -> Self {
        ServiceError::Conflict { code, message: message.into() }
    }

    /// Maps a unique-constraint failure to a conflict with a clear message.
    pub(crate) fn on_unique_violation(code: ConflictCode, message: String) -> impl FnOnce(Self) -> Self {
        move |error| match error {
            ServiceError::Db(db) if db.is_unique_violation() => ServiceError::Conflict { code, message },
            other => other,
        }
    }
}
