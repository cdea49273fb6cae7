//! `/admin/v1/audit` (JSON pages or CSV), `/admin/v1/conflicts`, `/admin/v1/policy` and
//! `/admin/v1/dashboard`, the national figures the console polls.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::http::error::{ApiError, ErrorCode};
use crate::http::portal::conflicts::ConflictView;
use crate::http::portal::note;
use crate::http::state::AppState;
use crate::http::views::kst_rfc3339;
use crate::services::conflicts::ConflictStatus;
use crate::services::console::{AuditFilter, AuditRow};

/// The most audit entries one answer holds (a CSV export takes this many by default).
const MAX_AUDIT: i64 = 100_000;

use super::sites::SiteView;
use super::{limit, site_code, username, Admin};

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    site: Option<String>,
    user: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
    limit: Option<i64>,
    format: Option<String>,
}

#[derive(Debug, Serialize)]
struct AuditView {
    id: i64,
    at: String,
    action: String,
    username: Option<String>,
    site: Option<String>,
    session_id: Option<String>,
    detail: serde_json::Value,
}

impl From<(AuditRow, Option<String>, Option<String>)> for AuditView {
    fn from((row, username, site): (AuditRow, Option<String>, Option<String>)) -> Self {
        Self {
            id: row.id,
            at: kst_rfc3339(row.at.and_utc()),
            action: row.action,
            username,
            site,
            session_id: row.session_id,
            detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
        }
    }
}

fn instant(raw: &str, field: &str) -> Result<NaiveDateTime, ApiError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.naive_utc())
        .map_err(|_| ApiError::invalid_query(field, format!("{field} must be RFC 3339 with an offset")))
}

/// Whether the caller asked for CSV (`?format=csv` or `Accept: text/csv`).
fn wants_csv(req: &HttpRequest, format: Option<&str>) -> Result<bool, ApiError> {
    match format {
        Some("csv") => return Ok(true),
        Some("json") => return Ok(false),
        Some(_) => return Err(ApiError::invalid_query("format", "format must be json or csv")),
        None => {}
    }
    let accept = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    Ok(accept.split(',').any(|media| media.split(';').next().is_some_and(|m| m.trim() == "text/csv")))
}

pub async fn audit(
    state: web::Data<AppState>,
    _: Admin,
    req: HttpRequest,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let csv = wants_csv(&req, query.format.as_deref())?;
    let site = query.site.as_deref().map(|raw| site_code(raw, "site")).transpose()?;
    let user = query.user.as_deref().map(|raw| username(raw, "user")).transpose()?;
    let filter = AuditFilter {
        action: query.action.clone().filter(|a| !a.is_empty()),
        from: query.from.as_deref().map(|raw| instant(raw, "from")).transpose()?,
        to: query.to.as_deref().map(|raw| instant(raw, "to")).transpose()?,
        before: query.before,
        // A CSV export takes up to 100,000 entries at once.
        limit: limit(query.limit, if csv { MAX_AUDIT } else { 100 }, MAX_AUDIT)?,
        ..AuditFilter::default()
    };
    let page = filter.limit;
    let entries: Vec<AuditView> =
        state.console.audit(site, user, filter).await?.into_iter().map(AuditView::from).collect();
    if csv {
        return csv_of(&entries);
    }
    let next_before =
        (i64::try_from(entries.len()).unwrap_or(0) == page).then(|| entries.last().map(|e| e.id)).flatten();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "entries": entries, "next_before": next_before })))
}

fn csv_of(entries: &[AuditView]) -> Result<HttpResponse, ApiError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| ApiError::new(ErrorCode::Internal, e.to_string());
    writer
        .write_record(["id", "at", "action", "username", "site", "session_id", "detail"])
        .map_err(failed)?;
    for entry in entries {
        writer
            .write_record([
                entry.id.to_string(),
                entry.at.clone(),
                entry.action.clone(),
                entry.username.clone().unwrap_or_default(),
                entry.site.clone().unwrap_or_default(),
                entry.session_id.clone().unwrap_or_default(),
                entry.detail.to_string(),
            ])
            .map_err(failed)?;
    }
    let body = writer.into_inner().map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""))
        .body(body))
}

#[derive(Debug, Deserialize)]
pub struct ConflictsQuery {
    status: Option<String>,
    site: Option<String>,
}

#[derive(Debug, Serialize)]
struct SiteConflictView {
    site: String,
    #[serde(flatten)]
    conflict: ConflictView,
}

pub async fn conflicts(
    state: web::Data<AppState>,
    _: Admin,
    query: web::Query<ConflictsQuery>,
) -> Result<HttpResponse, ApiError> {
    let status = match query.status.as_deref() {
        None | Some("open") => ConflictStatus::Open,
        Some("resolved") => ConflictStatus::Resolved,
        Some(_) => return Err(ApiError::invalid_query("status", "status must be open or resolved")),
    };
    let site = query.site.as_deref().map(|raw| site_code(raw, "site")).transpose()?;
    let conflicts: Vec<SiteConflictView> = state
        .console
        .conflicts(site, status)
        .await?
        .into_iter()
        .map(|c| SiteConflictView { site: c.site_code.clone(), conflict: ConflictView::from(c) })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "conflicts": conflicts })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    note: String,
}

pub async fn resolve(
    state: web::Data<AppState>,
    admin: Admin,
    id: web::Path<i64>,
    body: web::Json<ResolveBody>,
) -> Result<HttpResponse, ApiError> {
    let note = note(&body.note, "note", ErrorCode::InvalidNote)?;
    let resolved = state
        .console
        .resolve_conflict(&admin.operator(), admin.session.user_id, id.into_inner(), note)
        .await?;
    Ok(HttpResponse::Ok()
        .json(SiteConflictView { site: resolved.site_code.clone(), conflict: ConflictView::from(resolved) }))
}

pub async fn policy(state: web::Data<AppState>, _: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(crate::http::portal::policy::published(&state)))
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    stale_hours: Option<u32>,
}

pub async fn dashboard(
    state: web::Data<AppState>,
    _: Admin,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let stale_hours = match query.stale_hours {
        None => 3,
        Some(h) if (1..=168).contains(&h) => h,
        Some(_) => return Err(ApiError::invalid_query("stale_hours", "stale_hours must be 1 to 168")),
    };
    let d = state.console.dashboard(stale_hours).await?;
    let stale: Vec<SiteView> = d.stale.into_iter().map(|(site, stock)| SiteView::new(site, &stock)).collect();
    let selling = d.status.plenty + d.status.some + d.status.few + d.status.empty;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "now": kst_rfc3339(d.now),
        "on_hand": d.status.on_hand,
        "sold_today": d.sold_today,
        "sites": selling + d.status.halted,
        "by_status": {
            "plenty": d.status.plenty,
            "some": d.status.some,
            "few": d.status.few,
            "empty": d.status.empty,
            "break": d.status.halted,
        },
        "by_sido": d.by_sido,
        "sold_by_hour": d.sold_by_hour,
        "stale_hours": d.stale_hours,
        "stale_count": d.stale_count,
        "stale": stale,
        "open_conflicts": d.open_conflicts,
    })))
}
