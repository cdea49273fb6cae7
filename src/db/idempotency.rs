//! Stored first answers to client keys, replayed when a terminal retries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::schema::idempotency_keys;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct StoredAnswer {
    pub request_hash: String,
    pub response: String,
}

pub fn find(conn: &mut DbConnection, site_id: i64, client_key: &str) -> QueryResult<Option<StoredAnswer>> {
    idempotency_keys::table
        .find((site_id, client_key))
        .select(StoredAnswer::as_select())
        .first(conn)
        .optional()
}

/// Inserts the key's row, with no answer yet, unless the key has one; true when this
/// transaction now holds the key. On PostgreSQL an insert that meets an uncommitted twin's row
/// waits for that transaction to end, so a retry arriving mid-flight queues behind the first
/// attempt instead of running the rules beside it.
pub fn claim(
    conn: &mut DbConnection,
    site_id: i64,
    client_key: &str,
    request_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    // The same statement works on SQLite (3.24+) and PostgreSQL; diesel's `on_conflict`
    // does not compile for the multi-backend connection.
    let inserted = diesel::sql_query(
        "INSERT INTO idempotency_keys (site_id, client_key, request_hash, response, created_at) \
         VALUES ($1, $2, $3, '', $4) ON CONFLICT (site_id, client_key) DO NOTHING",
    )
    .bind::<BigInt, _>(site_id)
    .bind::<Text, _>(client_key)
    .bind::<Text, _>(request_hash)
    .bind::<Timestamp, _>(at)
    .execute(conn)?;
    Ok(inserted == 1)
}

/// Stores the answer of the key this transaction claimed.
pub fn answer(conn: &mut DbConnection, site_id: i64, client_key: &str, response: &str) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((site_id, client_key)))
        .set(idempotency_keys::response.eq(response))
        .execute(conn)
        .map(drop)
}
