//! Storage: the only module that speaks SQL, over SQLite or PostgreSQL with one code path.

pub mod api_keys;
pub mod audit;
pub mod changes;
pub mod conflicts;
pub mod connection;
pub mod console;
pub mod idempotency;
pub mod key_checks;
pub mod migrations;
pub mod notifications;
pub mod quota;
pub mod sales;
pub mod schema;
pub mod scratch;
pub mod sessions;
pub mod sites;
pub mod stock;
pub mod threads;
pub mod users;

pub use connection::{Backend, DatabaseUrl, DbConnection, Pool};

/// What can go wrong below the services.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time: the database is down or saturated.
    #[error("database unavailable: {0}")]
    Unavailable(#[from] r2d2::Error),
    /// A single connection (not from the pool) could not be opened.
    #[error(transparent)]
    Connect(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("the database work panicked")]
    Panicked,
    #[error("cannot start the database threads: {0}")]
    Threads(std::io::Error),
}

impl DbError {
    /// True when no connection could be had: the database is down or saturated.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, DbError::Unavailable(_))
    }

    /// True when a unique constraint refused the write (a name or code already taken).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// Runs blocking database work off the async workers, on the pool's database threads and one
/// of its connections. Waiting for a thread counts towards the connection timeout, so a
/// saturated database answers "unavailable" in bounded time.
pub async fn run<T, E, F>(pool: &Pool, work: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
{
    let connections = pool.connections.clone();
    let queued = std::time::Instant::now();
    let run = pool.threads.run(move || {
        let wait = connections.connection_timeout().saturating_sub(queued.elapsed());
        let mut conn = connections.get_timeout(wait).map_err(DbError::from)?;
        work(&mut conn)
    });
    run.await.ok_or(DbError::Panicked)?
}
