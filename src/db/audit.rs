//! The append-only audit log of who did what.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::DbConnection;

/// One audited action; `detail` is a small JSON object and never holds an ID number or token.
#[derive(Debug)]
pub struct AuditEntry<'a> {
    pub at: NaiveDateTime,
    pub action: &'a str,
    pub actor_user_id: Option<i64>,
    pub site_id: Option<i64>,
    pub session_id: Option<&'a str>,
    pub detail: serde_json::Value,
}

impl<'a> AuditEntry<'a> {
    /// An action taken by the operator through the admin CLI (no signed-in actor).
    pub fn by_operator(
        at: NaiveDateTime,
        action: &'a str,
        site_id: Option<i64>,
        detail: serde_json::Value,
    ) -> Self {
        Self { at, action, actor_user_id: None, site_id, session_id: None, detail }
    }
}

pub fn record(conn: &mut DbConnection, entry: &AuditEntry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(entry.at),
            audit_log::action.eq(entry.action),
            audit_log::actor_user_id.eq(entry.actor_user_id),
            audit_log::site_id.eq(entry.site_id),
            audit_log::session_id.eq(entry.session_id),
            audit_log::detail.eq(entry.detail.to_string()),
        ))
        .execute(conn)
        .map(drop)
}
