//! Schema migrations for each backend, embedded in the binary.

use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::{DbConnection, DbError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

fn for_backend(conn: &DbConnection) -> EmbeddedMigrations {
    match conn {
        DbConnection::Sqlite(_) => SQLITE,
        DbConnection::Postgresql(_) => POSTGRES,
    }
}

/// The PostgreSQL advisory lock nodes hold while migrating (any fixed number; "mask").
const MIGRATION_LOCK: i64 = 0x6d61_736b;

/// Applies every pending migration; returns how many ran. On PostgreSQL, nodes starting at once
/// take turns under an advisory lock, so the second finds the schema current instead of failing
/// on tables the first just made (SQLite's write lock already serialises them).
pub fn apply(conn: &mut DbConnection) -> Result<usize, DbError> {
    let migrations = for_backend(conn);
    let locked = matches!(conn, DbConnection::Postgresql(_));
    if locked {
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(conn)?;
    }
    let applied = conn
        .run_pending_migrations(migrations)
        .map(|applied| applied.len())
        .map_err(|e| DbError::Migration(e.to_string()));
    if locked {
        // Also released when the connection closes, should this fail.
        diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(conn)?;
    }
    applied
}

/// True when the database schema is behind this binary.
pub fn pending(conn: &mut DbConnection) -> Result<bool, DbError> {
    let migrations = for_backend(conn);
    conn.has_pending_migration(migrations).map_err(|e| DbError::Migration(e.to_string()))
}
