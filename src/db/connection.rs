//! One connection type over SQLite and PostgreSQL, its pool, and write transactions.

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

use super::threads::DbThreads;
use super::DbError;

/// Either backend; every query in `db` is written once against this type.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgresql(PgConnection),
}

/// The connections, and the threads that use them (see [`super::threads`]).
#[derive(Clone)]
pub struct Pool {
    pub(super) connections: r2d2::Pool<ConnectionManager>,
    pub(super) threads: DbThreads,
}

impl Pool {
    /// A connection for work on the calling thread (commands and benchmarks, not handlers).
    pub fn get(&self) -> Result<r2d2::PooledConnection<ConnectionManager>, r2d2::Error> {
        self.connections.get()
    }

    pub fn state(&self) -> r2d2::State {
        self.connections.state()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed `DATABASE_URL`: a SQLite path (optionally `sqlite://path`) or a PostgreSQL URL.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, thiserror::Error)]
pub enum DatabaseUrlError {
    #[error("DATABASE_URL is empty")]
    Empty,
    #[error(
        "DATABASE_URL scheme `{0}` is not supported: use a SQLite path, sqlite://PATH, or postgres://..."
    )]
    UnsupportedScheme(String),
}

impl FromStr for DatabaseUrl {
    type Err = DatabaseUrlError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        match raw.split_once("://") {
            Some(("postgres" | "postgresql", _)) => Ok(Self::Postgres(raw.to_owned())),
            Some(("sqlite", path)) if !path.is_empty() => Ok(Self::Sqlite(PathBuf::from(path))),
            Some((scheme, _)) => Err(DatabaseUrlError::UnsupportedScheme(scheme.to_owned())),
            None => Ok(Self::Sqlite(PathBuf::from(raw.strip_prefix("sqlite:").unwrap_or(raw)))),
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    // A PostgreSQL URL may carry a password: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            Self::Postgres(url) => match url.rsplit_once('@') {
                Some((_, host)) => write!(f, "postgres://***@{host}"),
                None => f.write_str(url),
            },
        }
    }
}

impl DatabaseUrl {
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Opens connections for r2d2, preparing each SQLite connection for concurrent writers.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }
}

/// WAL lets readers run beside the writer; `synchronous=FULL` fsyncs every commit, because an
/// acknowledged sale must survive a power cut, not only a crash of this process.
/// The busy timeout comes first: setting WAL mode takes a lock too, and without the timeout a
/// second process opening the file while another writes (the CLI beside a running server) fails
/// at once with `database is locked` instead of waiting its turn.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";

/// Creates a missing SQLite database file with mode 0600 before SQLite opens it, because
/// SQLite creates a file readable by everyone (0644) and gives its `-wal` and `-shm` files the
/// database file's mode. The database holds fingerprints and birth years that, with the ID
/// key, give back full resident numbers. An existing file keeps the mode it has; an in-memory
/// database or a `file:` URI is left to SQLite.
fn create_private(path: &Path) -> std::io::Result<()> {
    let name = path.to_string_lossy();
    if name.is_empty() || name == ":memory:" || name.starts_with("file:") {
        return Ok(());
    }
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        use diesel::r2d2::Error;
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                create_private(path).map_err(|e| {
                    Error::ConnectionError(diesel::ConnectionError::BadConnection(format!(
                        "cannot create the SQLite file {}: {e}",
                        path.display()
                    )))
                })?;
                let mut conn =
                    SqliteConnection::establish(&path.to_string_lossy()).map_err(Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS).map_err(Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
            DatabaseUrl::Postgres(url) => {
                PgConnection::establish(url).map(DbConnection::Postgresql).map_err(Error::ConnectionError)
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        diesel::sql_query("SELECT 1").execute(conn).map(drop).map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Builds the pool and its database threads, one per connection, at the calling thread's
/// priority; fails fast (not after r2d2's 30 s) when the database cannot be reached.
pub fn build_pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, DbError> {
    let connections = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(5))
        .test_on_check_out(false)
        .build(ConnectionManager::new(url.clone()))?;
    let threads = DbThreads::start(usize::try_from(max_size).unwrap_or(1)).map_err(DbError::Threads)?;
    Ok(Pool { connections, threads })
}

/// Runs `work` in a write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock
/// up front: two deferred transactions that both read before writing would otherwise deadlock
/// into `database is locked`.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    E: From<diesel::result::Error>,
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgresql(_) => Manager::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            // The work's error is the one worth reporting; a failed rollback marks the
            // connection broken and r2d2 discards it.
            let _ = Manager::rollback_transaction(conn);
            Err(error)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_pick_the_backend_or_are_refused() {
        let sqlite = |s: &str| DatabaseUrl::Sqlite(PathBuf::from(s));
        assert_eq!("maskportal.db".parse::<DatabaseUrl>().ok(), Some(sqlite("maskportal.db")));
        assert_eq!("sqlite://data/m.db".parse::<DatabaseUrl>().ok(), Some(sqlite("data/m.db")));
        assert_eq!("sqlite:m.db".parse::<DatabaseUrl>().ok(), Some(sqlite("m.db")));
        for pg in ["postgres://u@h/db", "postgresql://u:p@h:5432/db"] {
            assert_eq!(pg.parse::<DatabaseUrl>().map(|u| u.backend()).ok(), Some(Backend::Postgres));
        }
        assert!(matches!(
            "mysql://root@h/db".parse::<DatabaseUrl>(),
            Err(DatabaseUrlError::UnsupportedScheme(s)) if s == "mysql"
        ));
        assert!(matches!("  ".parse::<DatabaseUrl>(), Err(DatabaseUrlError::Empty)));
    }

    #[test]
    fn postgres_passwords_never_reach_the_logs() {
        let url: DatabaseUrl = "postgres://app:hunter2@db.internal:5432/masks".parse().unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db.internal:5432/masks"));
    }
}
