//! Creating and disabling the accounts that sign in.

use crate::db::audit;
use crate::db::connection::write_transaction;
use crate::db::users::{self as user_rows, NewUser, UserRow};
use crate::db::DbConnection;
use crate::domain::account::{Role, Username};
use crate::domain::clock::Clock;
use crate::domain::site::SiteCode;

use super::{sites, ConflictCode, Operator, ServiceError};

/// Where an account belongs: a clerk to one site, the operator's admins to none.
#[derive(Debug, Clone)]
pub enum Membership {
    Clerk(SiteCode),
    Admin,
}

impl Membership {
    pub fn role(&self) -> Role {
        match self {
            Membership::Clerk(_) => Role::Clerk,
            Membership::Admin => Role::Admin,
        }
    }
}

/// Creates an account from an already computed password hash (hashing is slow and is done
/// before a connection is held).
pub fn create(
    conn: &mut DbConnection,
    clock: &Clock,
    by: &Operator,
    username: &Username,
    membership: &Membership,
    password_hash: &str,
) -> Result<UserRow, ServiceError> {
    let now = clock.now().naive_utc();
    write_transaction(conn, |conn| {
        let site_id = match membership {
            Membership::Clerk(code) => Some(sites::find(conn, code)?.id),
            Membership::Admin => None,
        };
        let user = user_rows::insert(
            conn,
            &NewUser {
                username: username.as_str(),
                password_hash,
                role: membership.role().as_str(),
                site_id,
                created_at: now,
            },
        )
        .map_err(ServiceError::from)?;
        audit::record(
            conn,
            &by.audit(
                now,
                "user_created",
                site_id,
                serde_json::json!({ "username": user.username, "role": user.role }),
            ),
        )?;
        Ok(user)
    })
    .map_err(ServiceError::on_unique_violation(
        ConflictCode::UsernameTaken,
        format!("the username {username} is taken"),
    ))
}

/// Every account by username, with its site's code (`None` for admins).
pub fn list(conn: &mut DbConnection) -> Result<Vec<(UserRow, Option<String>)>, ServiceError> {
    Ok(user_rows::list(conn)?)
}

pub fn find(conn: &mut DbConnection, username: &Username) -> Result<UserRow, ServiceError> {
    user_rows::find_by_username(conn, username.as_str())?.ok_or(ServiceError::NotFound { what: "user" })
}

/// Disables an account; its sign-ins are refused from then on.
pub fn disable(
    conn: &mut DbConnection,
    clock: &Clock,
    by: &Operator,
    username: &Username,
) -> Result<(), ServiceError> {
    change_account(conn, clock, by, username, "user_disabled", |conn, id| {
        user_rows::set_disabled(conn, id, true)
    })
}

/// Replaces a password (and clears any lockout), e.g. for the demo accounts on each start.
pub fn set_password_hash(
    conn: &mut DbConnection,
    clock: &Clock,
    by: &Operator,
    username: &Username,
    password_hash: &str,
) -> Result<(), ServiceError> {
    change_account(conn, clock, by, username, "user_password_set", |conn, id| {
        user_rows::set_password_hash(conn, id, password_hash)
    })
}

/// Lifts a lockout after failed sign-ins, so the account may sign in again at once.
pub fn unlock(
    conn: &mut DbConnection,
    clock: &Clock,
    by: &Operator,
    username: &Username,
) -> Result<(), ServiceError> {
    change_account(conn, clock, by, username, "user_unlocked", user_rows::clear_failed_logins)
}

/// Applies `change` to the account named `username` and audits it as `action`, in one
/// transaction.
fn change_account<T>(
    conn: &mut DbConnection,
    clock: &Clock,
    by: &Operator,
    username: &Username,
    action: &str,
    change: impl FnOnce(&mut DbConnection, i64) -> diesel::QueryResult<T>,
) -> Result<(), ServiceError> {
    write_transaction(conn, |conn| {
        let user = find(conn, username)?;
        change(conn, user.id)?;
        let detail = serde_json::json!({ "username": user.username });
        audit::record(conn, &by.audit(clock.now().naive_utc(), action, user.site_id, detail))?;
        Ok(())
    })
}
