//! Accounts that sign in to the portal.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{sites, users};
use super::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub site_id: Option<i64>,
    pub disabled: bool,
    pub failed_logins: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// When the first failed sign-in counted in `failed_logins` was.
    pub first_failed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: &'a str,
    pub site_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<UserRow> {
    diesel::insert_into(users::table).values(user).returning(users::all_columns).get_result(conn)
}

pub fn find_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::username.eq(username)).select(UserRow::as_select()).first(conn).optional()
}

/// Every account by username, with the code of its site (`None` for admins).
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<(UserRow, Option<String>)>> {
    users::table
        .left_join(sites::table)
        .order(users::username)
        .select((UserRow::as_select(), sites::code.nullable()))
        .load(conn)
}

pub fn set_disabled(conn: &mut DbConnection, id: i64, disabled: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id)).set(users::disabled.eq(disabled)).execute(conn)
}

pub fn set_password_hash(conn: &mut DbConnection, id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::password_hash.eq(hash),
            users::failed_logins.eq(0),
            users::first_failed_at.eq(None::<NaiveDateTime>),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Takes the account's row lock for the rest of the transaction, so concurrent failures count
/// one after another, and reads the failed sign-ins counted so far and when the first was.
pub fn lock_failed_logins(
    conn: &mut DbConnection,
    user_id: i64,
) -> QueryResult<(i32, Option<NaiveDateTime>)> {
    diesel::update(users::table.find(user_id))
        .set(users::failed_logins.eq(users::failed_logins))
        .returning((users::failed_logins, users::first_failed_at))
        .get_result(conn)
}

/// Stores the failed sign-ins counted in the current window, which opened at `since`.
pub fn count_failed_logins(
    conn: &mut DbConnection,
    user_id: i64,
    count: i32,
    since: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::failed_logins.eq(count), users::first_failed_at.eq(since)))
        .execute(conn)
        .map(drop)
}

/// Locks the account until `until`; the count starts afresh.
pub fn lock(conn: &mut DbConnection, user_id: i64, until: NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::locked_until.eq(until),
            users::failed_logins.eq(0),
            users::first_failed_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}

pub fn clear_failed_logins(conn: &mut DbConnection, user_id: i64) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::failed_logins.eq(0),
            users::first_failed_at.eq(None::<NaiveDateTime>),
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(drop)
}
