//! Schema migrations for each backend, embedded in the binary.

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

/// Applies every pending migration; returns how many ran.
pub fn apply(conn: &mut DbConnection) -> Result<usize, DbError> {
    let migrations = for_backend(conn);
    conn.run_pending_migrations(migrations)
        .map(|applied| applied.len())
        .map_err(|e| DbError::Migration(e.to_string()))
}

/// True when the database schema is behind this binary.
pub fn pending(conn: &mut DbConnection) -> Result<bool, DbError> {
    let migrations = for_backend(conn);
    conn.has_pending_migration(migrations).map_err(|e| DbError::Migration(e.to_string()))
}
