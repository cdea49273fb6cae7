//! Stored first answers to client keys, replayed when a terminal retries.

use chrono::NaiveDateTime;
use diesel::prelude::*;

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

pub fn store(
    conn: &mut DbConnection,
    site_id: i64,
    client_key: &str,
    answer: &StoredAnswer,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::site_id.eq(site_id),
            idempotency_keys::client_key.eq(client_key),
            idempotency_keys::request_hash.eq(&answer.request_hash),
            idempotency_keys::response.eq(&answer.response),
            idempotency_keys::created_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}
