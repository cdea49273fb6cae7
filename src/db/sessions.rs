//! Signed-in devices: one row per session, ended by revoking, never deleted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{sessions, sites, users};
use super::sites::SiteRow;
use super::users::UserRow;
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct SessionRow {
    pub id: String,
    pub user_id: i64,
    pub site_id: Option<i64>,
    pub device_id: String,
    pub device_name: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub revoke_reason: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub site_id: Option<i64>,
    pub device_id: &'a str,
    pub device_name: Option<&'a str>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, session: &NewSession<'_>) -> QueryResult<()> {
    diesel::insert_into(sessions::table).values(session).execute(conn).map(drop)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SessionRow>> {
    sessions::table.find(id).select(SessionRow::as_select()).first(conn).optional()
}

/// Takes the site's row lock for the rest of the transaction, so concurrent sign-ins at one
/// site count its devices one after another (SQLite's IMMEDIATE transaction already does).
pub fn lock_site(conn: &mut DbConnection, site_id: i64) -> QueryResult<()> {
    diesel::update(sites::table.find(site_id))
        .set(sites::max_devices.eq(sites::max_devices))
        .execute(conn)
        .map(drop)
}

/// Ends, with their reasons, a site's sessions that have expired or gone idle, so they stop
/// holding device slots.
pub fn close_stale(
    conn: &mut DbConnection,
    site_id: i64,
    now: NaiveDateTime,
    idle_since: NaiveDateTime,
) -> QueryResult<()> {
    let live_at_site = sessions::site_id.eq(site_id).and(sessions::revoked_at.is_null());
    diesel::update(sessions::table.filter(live_at_site).filter(sessions::expires_at.le(now)))
        .set((sessions::revoked_at.eq(now), sessions::revoke_reason.eq("token_expired")))
        .execute(conn)?;
    diesel::update(sessions::table.filter(live_at_site).filter(sessions::last_seen_at.le(idle_since)))
        .set((sessions::revoked_at.eq(now), sessions::revoke_reason.eq("idle_timeout")))
        .execute(conn)
        .map(drop)
}

/// A site's live sessions, least recently used first.
pub fn live_for_site(conn: &mut DbConnection, site_id: i64) -> QueryResult<Vec<SessionRow>> {
    sessions::table
        .filter(sessions::site_id.eq(site_id))
        .filter(sessions::revoked_at.is_null())
        .order((sessions::last_seen_at.asc(), sessions::created_at.asc()))
        .select(SessionRow::as_select())
        .load(conn)
}

/// Every live session, optionally of one site (admin listing).
pub fn live(conn: &mut DbConnection, site_id: Option<i64>) -> QueryResult<Vec<SessionRow>> {
    let mut query = sessions::table
        .filter(sessions::revoked_at.is_null())
        .order(sessions::created_at.asc())
        .select(SessionRow::as_select())
        .into_boxed();
    if let Some(site_id) = site_id {
        query = query.filter(sessions::site_id.eq(site_id));
    }
    query.load(conn)
}

/// Revokes a live session; false when it was already over.
pub fn revoke(conn: &mut DbConnection, id: &str, reason: &str, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set((sessions::revoked_at.eq(at), sessions::revoke_reason.eq(reason)))
        .execute(conn)
        .map(|n| n == 1)
}

/// Ends an account's live sessions on one device (an operator signing in again there).
pub fn revoke_device(
    conn: &mut DbConnection,
    user_id: i64,
    device_id: &str,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::device_id.eq(device_id))
            .filter(sessions::revoked_at.is_null()),
    )
    .set((sessions::revoked_at.eq(at), sessions::revoke_reason.eq(reason)))
    .execute(conn)
}

pub fn touch(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(id).filter(sessions::revoked_at.is_null()))
        .set(sessions::last_seen_at.eq(at))
        .execute(conn)
        .map(drop)
}

/// Sessions not ended and not past their expiry (idle ones are ended lazily).
pub fn count_live(conn: &mut DbConnection, now: NaiveDateTime) -> Result<i64, super::DbError> {
    Ok(sessions::table
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .count()
        .get_result(conn)?)
}

/// A session with its account and, for a clerk, the account's site: one query per request.
pub fn find_with_account(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(SessionRow, UserRow, Option<SiteRow>)>> {
    sessions::table
        .inner_join(users::table)
        .left_join(sites::table.on(sites::id.nullable().eq(sessions::site_id)))
        .filter(sessions::id.eq(id))
        .select((SessionRow::as_select(), UserRow::as_select(), Option::<SiteRow>::as_select()))
        .first(conn)
        .optional()
}
