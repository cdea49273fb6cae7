//! The weekly count per person fingerprint, changed only by conditional atomic updates.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Date, Text, Timestamp};

use super::schema::weekly_quota;
use super::DbConnection;

/// What the person has bought in the week starting `week_start` (0 if nothing).
pub fn bought(conn: &mut DbConnection, fingerprint: &str, week_start: NaiveDate) -> QueryResult<i32> {
    weekly_quota::table
        .find((fingerprint, week_start))
        .select(weekly_quota::bought)
        .first(conn)
        .optional()
        .map(Option::unwrap_or_default)
}

/// Adds `quantity` to the person's week only if the total stays within `limit` (no limit when
/// `None`); returns the new total, or `None` when it would exceed the limit. Concurrent
/// purchases for one person serialise on the row, and each re-checks the limit.
pub fn add(
    conn: &mut DbConnection,
    fingerprint: &str,
    week_start: NaiveDate,
    quantity: i32,
    limit: Option<i32>,
    at: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    let Some(limit) = limit else {
        return add_regardless(conn, fingerprint, week_start, quantity, at).map(Some);
    };
    ensure_row(conn, fingerprint, week_start, at)?;
    diesel::update(
        weekly_quota::table
            .find((fingerprint, week_start))
            .filter((weekly_quota::bought + quantity).le(limit)),
    )
    .set((weekly_quota::bought.eq(weekly_quota::bought + quantity), weekly_quota::updated_at.eq(at)))
    .returning(weekly_quota::bought)
    .get_result(conn)
    .optional()
}

/// Adds `quantity` to the person's week whatever the total comes to (masks that have already
/// left a counter); returns the new total.
pub fn add_regardless(
    conn: &mut DbConnection,
    fingerprint: &str,
    week_start: NaiveDate,
    quantity: i32,
    at: NaiveDateTime,
) -> QueryResult<i32> {
    ensure_row(conn, fingerprint, week_start, at)?;
    diesel::update(weekly_quota::table.find((fingerprint, week_start)))
        .set((weekly_quota::bought.eq(weekly_quota::bought + quantity), weekly_quota::updated_at.eq(at)))
        .returning(weekly_quota::bought)
        .get_result(conn)
}

/// The person's row for the week, made at 0 if it is not there yet.
fn ensure_row(
    conn: &mut DbConnection,
    fingerprint: &str,
    week_start: NaiveDate,
    at: NaiveDateTime,
) -> QueryResult<()> {
    // The same statement works on SQLite (3.24+) and PostgreSQL; diesel's `on_conflict`
    // does not compile for the multi-backend connection.
    diesel::sql_query(
        "INSERT INTO weekly_quota (fingerprint, week_start, bought, updated_at) VALUES ($1, $2, 0, $3) \
         ON CONFLICT (fingerprint, week_start) DO NOTHING",
    )
    .bind::<Text, _>(fingerprint)
    .bind::<Date, _>(week_start)
    .bind::<Timestamp, _>(at)
    .execute(conn)
    .map(drop)
}

/// Gives back a voided purchase.
pub fn subtract(
    conn: &mut DbConnection,
    fingerprint: &str,
    week_start: NaiveDate,
    quantity: i32,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        weekly_quota::table.find((fingerprint, week_start)).filter(weekly_quota::bought.ge(quantity)),
    )
    .set((weekly_quota::bought.eq(weekly_quota::bought - quantity), weekly_quota::updated_at.eq(at)))
    .execute(conn)
}

/// How many person-weeks exceed `limit` (an audit: the conditional update should make it 0).
pub fn over_limit(conn: &mut DbConnection, limit: i32) -> QueryResult<i64> {
    weekly_quota::table.filter(weekly_quota::bought.gt(limit)).count().get_result(conn)
}
