//! The check value of each server key, recorded by the first node to start.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::key_checks;
use super::DbConnection;

/// Records `check_value` for `name` unless one is recorded; returns the recorded value (the
/// first node's, when several start at once).
pub fn record_or_get(
    conn: &mut DbConnection,
    name: &str,
    check_value: &str,
    at: NaiveDateTime,
) -> QueryResult<String> {
    // The same statement works on SQLite (3.24+) and PostgreSQL; diesel's `on_conflict` does
    // not compile for the multi-backend connection.
    diesel::sql_query(
        "INSERT INTO key_checks (name, check_value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind::<diesel::sql_types::Text, _>(name)
    .bind::<diesel::sql_types::Text, _>(check_value)
    .bind::<diesel::sql_types::Timestamp, _>(at)
    .execute(conn)?;
    key_checks::table.find(name).select(key_checks::check_value).first(conn)
}
