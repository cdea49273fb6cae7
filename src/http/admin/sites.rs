//! `/admin/v1/sites`: the directory, one site, registering and editing sites, halting sales,
//! and importing a store directory as CSV.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::domain::address::{canonical_sido, sido_of};
use crate::domain::site::{DisplayText, GeoPoint, SiteKind};
use crate::domain::stock_status::RemainStat;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::portal::stock::StatusBody;
use crate::http::slow_clients::is_body_timeout;
use crate::http::state::AppState;
use crate::http::views::kst_rfc3339;
use crate::services::console::{device_limit, SiteFilter, SiteRow, StockRow, MAX_PAGE};
use crate::services::sites::{SiteEdit, SiteRegistration};

use super::{limit, site_code, Admin};

/// An imported directory may be this large: 30,000 rows of the 2020 columns take about 4 MiB.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Serialize)]
pub struct SiteView {
    code: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    addr: String,
    sido: Option<&'static str>,
    lat: f64,
    lng: f64,
    max_devices: i32,
    on_hand: i64,
    stock_at: Option<String>,
    remain_stat: &'static str,
    sales_halted: bool,
    updated_at: String,
}

impl SiteView {
    pub fn new(site: SiteRow, stock: &StockRow) -> Self {
        Self {
            sido: sido_of(&site.addr),
            code: site.code,
            name: site.name,
            kind: site.kind,
            addr: site.addr,
            lat: site.lat,
            lng: site.lng,
            max_devices: site.max_devices,
            on_hand: stock.on_hand,
            stock_at: stock.stock_at.map(|t| kst_rfc3339(t.and_utc())),
            remain_stat: RemainStat::of(stock.on_hand, stock.sales_halted).as_str(),
            sales_halted: stock.sales_halted,
            updated_at: kst_rfc3339(stock.updated_at.and_utc()),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sido: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    status: Option<String>,
    limit: Option<i64>,
    offset: Option<u64>,
}

fn status(raw: &str) -> Option<RemainStat> {
    [RemainStat::Plenty, RemainStat::Some, RemainStat::Few, RemainStat::Empty, RemainStat::Break]
        .into_iter()
        .find(|s| s.as_str() == raw)
}

pub async fn list(
    state: web::Data<AppState>,
    _: Admin,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let sido = match query.sido.as_deref() {
        None => None,
        Some(raw) => Some(sido_of(canonical_sido(raw.trim())).ok_or_else(|| {
            ApiError::invalid_query("sido", "sido must name a 시/도, e.g. 서울특별시 or 서울")
        })?),
    };
    let kind = query
        .kind
        .as_deref()
        .map(|raw| raw.parse::<SiteKind>().map_err(|e| ApiError::invalid_query("type", e.to_string())))
        .transpose()?;
    let status = query
        .status
        .as_deref()
        .map(|raw| {
            status(raw).ok_or_else(|| {
                ApiError::invalid_query("status", "status must be plenty, some, few, empty or break")
            })
        })
        .transpose()?;
    let filter = SiteFilter {
        q: query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_owned),
        sido,
        kind,
        status,
        limit: usize::try_from(limit(query.limit, 100, MAX_PAGE)?).unwrap_or(100),
        offset: usize::try_from(query.offset.unwrap_or(0)).unwrap_or(usize::MAX),
    };
    let (page, total) = state.console.sites(filter).await?;
    let sites: Vec<SiteView> = page.into_iter().map(|(site, stock)| SiteView::new(site, &stock)).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "total": total, "sites": sites })))
}

pub async fn show(
    state: web::Data<AppState>,
    _: Admin,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let detail = state.console.site(site_code(&code, "code")?).await?;
    let ledger: Vec<serde_json::Value> = detail
        .ledger
        .iter()
        .map(|entry| {
            serde_json::json!({
                "id": entry.id,
                "entry": entry.entry,
                "delta": entry.delta,
                "on_hand_after": entry.on_hand_after,
                "reference": entry.reference,
                "device_id": entry.device_id,
                "occurred_at": kst_rfc3339(entry.occurred_at.and_utc()),
            })
        })
        .collect();
    let sessions: Vec<super::accounts::SessionView> =
        detail.sessions.into_iter().map(super::accounts::SessionView::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "site": SiteView::new(detail.site, &detail.stock),
        "sold_today": detail.sold_today,
        "ledger": ledger,
        "sessions": sessions,
    })))
}

fn text(raw: &str, field: &str) -> Result<DisplayText, ApiError> {
    DisplayText::parse(raw)
        .map_err(|e| ApiError::invalid(field, ErrorCode::InvalidSite, format!("{field} {e}")))
}

fn location(lat: f64, lng: f64) -> Result<GeoPoint, ApiError> {
    GeoPoint::new(lat, lng).map_err(|e| {
        let field = match e {
            crate::domain::site::GeoPointError::Latitude { .. } => "lat",
            crate::domain::site::GeoPointError::Longitude { .. } => "lng",
        };
        ApiError::invalid(field, ErrorCode::InvalidSite, e.to_string())
    })
}

fn max_devices(raw: i64) -> Result<std::num::NonZeroU16, ApiError> {
    device_limit(raw).ok_or_else(|| {
        ApiError::invalid("max_devices", ErrorCode::InvalidSite, "max_devices must be 1 to 65535")
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddBody {
    code: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
    addr: String,
    lat: f64,
    lng: f64,
    #[serde(default, deserialize_with = "super::optional_whole")]
    max_devices: Option<i64>,
}

pub async fn add(
    state: web::Data<AppState>,
    admin: Admin,
    body: web::Json<AddBody>,
) -> Result<HttpResponse, ApiError> {
    let site = SiteRegistration {
        code: site_code(&body.code, "code")?,
        name: text(&body.name, "name")?,
        kind: body.kind.parse().map_err(|e: crate::domain::site::SiteKindError| {
            ApiError::invalid("type", ErrorCode::InvalidSite, e.to_string())
        })?,
        addr: text(&body.addr, "addr")?,
        location: location(body.lat, body.lng)?,
        max_devices: body.max_devices.map(max_devices).transpose()?.unwrap_or(std::num::NonZeroU16::MIN),
    };
    let code = site.code.clone();
    state.console.add_site(&admin.operator(), site).await?;
    let detail = state.console.site(code).await?;
    Ok(HttpResponse::Created().json(SiteView::new(detail.site, &detail.stock)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    name: Option<String>,
    addr: Option<String>,
    lat: Option<f64>,
    lng: Option<f64>,
    #[serde(default, deserialize_with = "super::optional_whole")]
    max_devices: Option<i64>,
}

pub async fn edit(
    state: web::Data<AppState>,
    admin: Admin,
    code: web::Path<String>,
    body: web::Json<EditBody>,
) -> Result<HttpResponse, ApiError> {
    let code = site_code(&code, "code")?;
    let location = match (body.lat, body.lng) {
        (None, None) => None,
        (Some(lat), Some(lng)) => Some(location(lat, lng)?),
        // One coordinate moves the site along it; the other stays.
        (lat, lng) => {
            let site = state.console.site(code.clone()).await?.site;
            Some(location(lat.unwrap_or(site.lat), lng.unwrap_or(site.lng))?)
        }
    };
    let edit = SiteEdit {
        name: body.name.as_deref().map(|raw| text(raw, "name")).transpose()?,
        addr: body.addr.as_deref().map(|raw| text(raw, "addr")).transpose()?,
        location,
        max_devices: body.max_devices.map(max_devices).transpose()?,
    };
    state.console.edit_site(&admin.operator(), code.clone(), edit).await?;
    let detail = state.console.site(code).await?;
    Ok(HttpResponse::Ok().json(SiteView::new(detail.site, &detail.stock)))
}

pub async fn set_status(
    state: web::Data<AppState>,
    admin: Admin,
    code: web::Path<String>,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    let code = site_code(&code, "code")?;
    state.console.set_halted(&admin.operator(), code.clone(), body.sales_halted).await?;
    let detail = state.console.site(code).await?;
    Ok(HttpResponse::Ok().json(SiteView::new(detail.site, &detail.stock)))
}

/// `POST /admin/v1/sites/import` with `Content-Type: text/csv`.
pub async fn import(
    state: web::Data<AppState>,
    admin: Admin,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("text/csv") {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the file as Content-Type: text/csv",
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            if is_body_timeout(&e) {
                ApiError::from(ErrorCode::RequestTimeout)
            } else {
                ApiError::from(ErrorCode::InvalidBody)
            }
        })?;
        if body.len() + chunk.len() > MAX_IMPORT_BYTES {
            return Err(ApiError::new(
                ErrorCode::BodyTooLarge,
                format!("the file exceeds {MAX_IMPORT_BYTES} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let imported = state.console.import(&admin.operator(), body).await?;
    Ok(HttpResponse::Ok().json(imported))
}
