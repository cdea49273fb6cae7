//! Conflicts flagged on offline sales: a site's list, resolving one with a note (audited and
//! exactly once), and the national list for operators.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::audit::{self, AuditEntry};
use crate::db::conflicts::{self as conflict_rows, ConflictRow};
use crate::db::{self, DbConnection};
use crate::domain::client_key::ClientKey;
use crate::domain::site::Note;

use super::counter::{Actor, Counter};
use super::idempotency::{self, Idempotent};
use super::{ConflictCode, ServiceError};

/// The most conflicts one list returns.
const LIST_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictStatus {
    Open,
    Resolved,
}

/// A flagged offline sale, as the clerk and the operator see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Conflict {
    pub id: i64,
    pub site_code: String,
    pub sale_id: i64,
    pub code: String,
    pub sold_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl Conflict {
    fn of(row: ConflictRow, site_code: String) -> Self {
        Self {
            id: row.id,
            site_code,
            sale_id: row.sale_id,
            code: row.code,
            sold_at: row.sold_at.and_utc(),
            recorded_at: row.recorded_at.and_utc(),
            resolved_at: row.resolved_at.map(|at| at.and_utc()),
            note: row.note,
        }
    }

    pub fn status(&self) -> ConflictStatus {
        if self.resolved_at.is_some() {
            ConflictStatus::Resolved
        } else {
            ConflictStatus::Open
        }
    }
}

#[derive(Debug)]
pub struct Resolution {
    pub conflict_id: i64,
    pub note: Note,
    pub client_key: ClientKey,
}

/// Conflicts of one site (or every site), oldest first, up to a thousand.
pub fn list(
    conn: &mut DbConnection,
    site_id: Option<i64>,
    status: ConflictStatus,
) -> Result<Vec<Conflict>, ServiceError> {
    let rows = conflict_rows::list(conn, site_id, status == ConflictStatus::Resolved, LIST_LIMIT)?;
    Ok(rows.into_iter().map(|(row, code)| Conflict::of(row, code)).collect())
}

impl Counter {
    pub async fn conflicts(
        &self,
        site_id: i64,
        status: ConflictStatus,
    ) -> Result<Vec<Conflict>, ServiceError> {
        db::run(&self.pool, move |conn| list(conn, Some(site_id), status)).await
    }

    /// Resolves a conflict of the caller's site with the clerk's note. A retry answers as the
    /// first attempt did; another attempt on a resolved conflict is refused.
    pub async fn resolve_conflict(
        &self,
        actor: &Actor,
        resolution: Resolution,
    ) -> Result<Conflict, ServiceError> {
        let at = self.clock.now().naive_utc();
        let scope = Idempotent::new(
            actor.site_id,
            resolution.client_key,
            &["resolve_conflict", &resolution.conflict_id.to_string(), resolution.note.as_str()],
        );
        let writer = actor.clone();
        db::run(&self.pool, move |conn| {
            idempotency::once(conn, &scope, at, |conn| {
                let conflict = conflict_rows::find(conn, resolution.conflict_id)?
                    .ok_or(ServiceError::NotFound { what: "conflict" })?;
                if conflict.site_id != writer.site_id {
                    return Err(ServiceError::Forbidden {
                        message: "this conflict belongs to another site".into(),
                    });
                }
                let note = resolution.note.as_str();
                let resolved = conflict_rows::resolve(conn, conflict.id, writer.user_id, note, at)?
                    .ok_or_else(|| {
                        ServiceError::conflict(
                            ConflictCode::AlreadyResolved,
                            "this conflict is already resolved",
                        )
                    })?;
                audit::record(
                    conn,
                    &AuditEntry {
                        at,
                        action: "conflict_resolved",
                        actor_user_id: Some(writer.user_id),
                        site_id: Some(writer.site_id),
                        session_id: Some(&writer.session_id),
                        detail: json!({
                            "conflict_id": resolved.id,
                            "sale_id": resolved.sale_id,
                            "code": resolved.code,
                            "note": note,
                            "device_id": writer.device_id,
                        }),
                    },
                )?;
                let site_code = crate::db::sites::find(conn, writer.site_id)?.code;
                Ok(Conflict::of(resolved, site_code))
            })
            .map(|answered| answered.value)
        })
        .await
    }
}
