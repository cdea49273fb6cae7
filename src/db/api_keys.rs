//! Open-API keys, stored only as hashes.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::api_keys;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ApiKeyRow {
    pub id: i64,
    pub name: String,
    pub key_hash: String,
    pub per_second: i32,
    pub burst: i32,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey<'a> {
    pub name: &'a str,
    pub key_hash: &'a str,
    pub per_second: i32,
    pub burst: i32,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, key: &NewApiKey<'_>) -> QueryResult<ApiKeyRow> {
    diesel::insert_into(api_keys::table).values(key).returning(api_keys::all_columns).get_result(conn)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ApiKeyRow>> {
    api_keys::table.order(api_keys::id).select(ApiKeyRow::as_select()).load(conn)
}

/// Marks a key revoked; returns false when there was no live key with that id.
pub fn revoke(conn: &mut DbConnection, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(api_keys::table.find(id).filter(api_keys::revoked_at.is_null()))
        .set(api_keys::revoked_at.eq(at))
        .execute(conn)
        .map(|n| n == 1)
}
