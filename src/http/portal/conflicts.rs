//! `GET /portal/v1/conflicts?status=`, `POST /portal/v1/conflicts/{id}/resolve`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::http::auth::Clerk;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::http::views::kst_rfc3339;
use crate::services::conflicts::{Conflict, ConflictStatus, Resolution};

use super::{client_key, note};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ConflictView {
    id: i64,
    sale_id: i64,
    code: String,
    sold_at: String,
    recorded_at: String,
    status: &'static str,
    note: Option<String>,
}

impl From<Conflict> for ConflictView {
    fn from(conflict: Conflict) -> Self {
        Self {
            id: conflict.id,
            sale_id: conflict.sale_id,
            status: match conflict.status() {
                ConflictStatus::Open => "open",
                ConflictStatus::Resolved => "resolved",
            },
            code: conflict.code,
            sold_at: kst_rfc3339(conflict.sold_at),
            recorded_at: kst_rfc3339(conflict.recorded_at),
            note: conflict.note,
        }
    }
}

pub async fn list(
    state: web::Data<AppState>,
    clerk: Clerk,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = match query.status.as_deref() {
        None | Some("open") => ConflictStatus::Open,
        Some("resolved") => ConflictStatus::Resolved,
        Some(_) => return Err(ApiError::invalid_query("status", "status must be open or resolved")),
    };
    let conflicts = state.counter.conflicts(clerk.site.id, status).await?;
    let conflicts: Vec<ConflictView> = conflicts.into_iter().map(ConflictView::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "conflicts": conflicts })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    note: String,
    client_key: String,
}

pub async fn resolve(
    state: web::Data<AppState>,
    clerk: Clerk,
    id: web::Path<i64>,
    body: web::Json<ResolveBody>,
) -> Result<HttpResponse, ApiError> {
    let resolution = Resolution {
        conflict_id: id.into_inner(),
        note: note(&body.note, "note", ErrorCode::InvalidNote)?,
        client_key: client_key(&body.client_key)?,
    };
    let resolved = state.counter.resolve_conflict(&clerk.actor(), resolution).await?;
    Ok(HttpResponse::Ok().json(ConflictView::from(resolved)))
}
