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
            users::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Counts a failed password; sets the lock once the count reaches `max`. Returns the new count.
pub fn record_failed_login(
    conn: &mut DbConnection,
    user_id: i64,
    max: i32,
    locked_until: NaiveDateTime,
) -> QueryResult<i32> {
    let count: i32 = diesel::update(users::table.find(user_id))
        .set(users::failed_logins.eq(users::failed_logins + 1))
        .returning(users::failed_logins)
        .get_result(conn)?;
    if count >= max {
        diesel::update(users::table.find(user_id))
            .set((users::locked_until.eq(locked_until), users::failed_logins.eq(0)))
            .execute(conn)?;
    }
    Ok(count)
}

pub fn clear_failed_logins(conn: &mut DbConnection, user_id: i64) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((users::failed_logins.eq(0), users::locked_until.eq(None::<NaiveDateTime>)))
        .execute(conn)
        .map(drop)
}
