//! PostgreSQL's LISTEN/NOTIFY on the change log: each write notifies in its transaction, and
//! every node's publisher listens on a connection of its own.

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};

use super::{DbConnection, DbError};

/// The channel every change-log append notifies. The payload is empty: PostgreSQL folds
/// identical notifications of one transaction into one, and the listener reads the log anyway.
pub const CHANNEL: &str = "maskportal_changes";

/// Tells the listeners that this transaction changed the log; PostgreSQL delivers it at commit
/// (never for a rollback). SQLite has no such thing: its other processes poll the log.
pub fn notify(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Postgresql(pg) => pg.batch_execute(&format!("NOTIFY {CHANNEL}")),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// The application name the listening connection shows in `pg_stat_activity`.
pub const LISTENER_NAME: &str = "maskportal listener";

/// A connection LISTENing on [`CHANNEL`].
pub struct Listener {
    conn: PgConnection,
}

impl Listener {
    /// Connects to `url` and starts listening.
    pub fn connect(url: &str) -> Result<Self, DbError> {
        let mut conn = PgConnection::establish(url)?;
        conn.batch_execute(&format!("SET application_name = '{LISTENER_NAME}'; LISTEN {CHANNEL}"))?;
        Ok(Self { conn })
    }

    /// Takes every notification libpq has received without waiting; returns how many. An error
    /// means the connection is gone.
    pub fn take(&mut self) -> Result<usize, DbError> {
        let mut count = 0;
        for notification in self.conn.notifications_iter() {
            notification?;
            count += 1;
        }
        Ok(count)
    }

    /// A round trip, so a connection dropped without a word (a dead peer) is noticed too.
    pub fn ping(&mut self) -> Result<(), DbError> {
        diesel::sql_query("SELECT 1").execute(&mut self.conn)?;
        Ok(())
    }
}
