//! Whole databases made and dropped on a PostgreSQL server through an admin URL (a scratch
//! database for one simulation).

use diesel::{Connection, PgConnection, RunQueryDsl};

use super::DbError;

/// Makes the database `name` on the server `admin_url` reaches.
pub fn create_database(admin_url: &str, name: &str) -> Result<(), DbError> {
    execute(admin_url, &format!("CREATE DATABASE {}", identifier(name)))
}

/// Drops the database `name`, ending any session still connected to it.
pub fn drop_database(admin_url: &str, name: &str) -> Result<(), DbError> {
    execute(admin_url, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", identifier(name)))
}

fn execute(admin_url: &str, statement: &str) -> Result<(), DbError> {
    let mut admin = PgConnection::establish(admin_url)?;
    diesel::sql_query(statement).execute(&mut admin)?;
    Ok(())
}

/// A quoted identifier: whatever the name holds, it cannot end the statement.
fn identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
