//! `POST /portal/v1/eligibility`, `POST /portal/v1/sales`, `POST /portal/v1/sales/{id}/void`,
//! `GET /portal/v1/sales?date=`.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::policy::ProxyCategory;
use crate::domain::resident_id::ResidentId;
use crate::http::auth::Clerk;
use crate::http::error::{refusal_details, ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::services::sales::{ProxyFor, SaleReceipt, SaleRequest, VoidRequest};

use super::{client_key, note, quantity};
use crate::http::views::kst_rfc3339;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyBody {
    resident_id: String,
    category: Option<String>,
}

fn resident_id(raw: &str, field: &str) -> Result<ResidentId, ApiError> {
    ResidentId::parse(raw).map_err(|e| ApiError::resident_id(field, e))
}

fn proxy_for(body: Option<&ProxyBody>) -> Result<Option<ProxyFor>, ApiError> {
    let Some(body) = body else { return Ok(None) };
    let category = match body.category.as_deref() {
        None => None,
        Some("care_recipient") => Some(ProxyCategory::CareRecipient),
        Some("disabled") => Some(ProxyCategory::Disabled),
        Some(_) => {
            return Err(ApiError::invalid(
                "proxy_for.category",
                ErrorCode::InvalidProxyCategory,
                "category must be care_recipient or disabled",
            ))
        }
    };
    Ok(Some(ProxyFor { target: resident_id(&body.resident_id, "proxy_for.resident_id")?, category }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityBody {
    resident_id: String,
    proxy_for: Option<ProxyBody>,
}

#[derive(Debug, Serialize)]
struct EligibilityView {
    eligible: bool,
    refusal: Option<serde_json::Map<String, serde_json::Value>>,
    birth_year: u16,
    bought_this_week: u32,
    quota: Option<u32>,
    remaining: Option<u32>,
    next_allowed_day: Option<NaiveDate>,
}

pub async fn eligibility(
    state: web::Data<AppState>,
    clerk: Clerk,
    body: web::Json<EligibilityBody>,
) -> Result<HttpResponse, ApiError> {
    state.lookup_limits.check(&clerk.session.session_id)?;
    let buyer = resident_id(&body.resident_id, "resident_id")?;
    let proxy = proxy_for(body.proxy_for.as_ref())?;
    let checked = state.counter.eligibility(&clerk.actor(), &buyer, proxy.as_ref()).await?;
    let refusal = checked.outcome.as_ref().err().map(|refusal| {
        let mut fields = refusal_details(refusal);
        fields.insert("code".into(), refusal.code().into());
        fields.insert("message".into(), refusal.to_string().into());
        fields
    });
    Ok(HttpResponse::Ok().json(EligibilityView {
        eligible: checked.outcome.is_ok(),
        refusal,
        birth_year: checked.birth_year.get(),
        bought_this_week: checked.bought_this_week,
        remaining: checked.quota.map(|q| q.saturating_sub(checked.bought_this_week)),
        quota: checked.quota,
        next_allowed_day: checked.next_allowed_day,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SaleBody {
    resident_id: String,
    #[serde(deserialize_with = "super::whole_number")]
    quantity: i64,
    proxy_for: Option<ProxyBody>,
    client_key: String,
}

pub async fn create(
    state: web::Data<AppState>,
    clerk: Clerk,
    body: web::Json<SaleBody>,
) -> Result<HttpResponse, ApiError> {
    let request = SaleRequest {
        buyer: resident_id(&body.resident_id, "resident_id")?,
        proxy_for: proxy_for(body.proxy_for.as_ref())?,
        quantity: quantity(body.quantity)?,
        client_key: client_key(&body.client_key)?,
    };
    let receipt: SaleReceipt = match state.counter.sell(&clerk.actor(), request).await {
        Ok(receipt) => receipt,
        Err(error) => {
            let error = ApiError::from(error);
            if error.status().as_u16() == 409 {
                metrics::counter!("maskportal_sale_refusals_total", "code" => error.code().as_str())
                    .increment(1);
            }
            return Err(error);
        }
    };
    metrics::counter!("maskportal_sales_total").increment(1);
    metrics::counter!("maskportal_masks_sold_total").increment(u64::from(receipt.quantity));
    Ok(HttpResponse::Created().json(receipt))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidBody {
    reason: String,
    client_key: String,
}

#[derive(Debug, Serialize)]
struct VoidedView {
    sale_id: i64,
    status: &'static str,
    quantity: u32,
    on_hand: i64,
    voided_at: String,
}

pub async fn void(
    state: web::Data<AppState>,
    clerk: Clerk,
    sale_id: web::Path<i64>,
    body: web::Json<VoidBody>,
) -> Result<HttpResponse, ApiError> {
    let request = VoidRequest {
        sale_id: sale_id.into_inner(),
        reason: note(&body.reason, "reason", ErrorCode::InvalidReason)?,
        client_key: client_key(&body.client_key)?,
    };
    let voided = state.counter.void(&clerk.actor(), request).await?;
    Ok(HttpResponse::Ok().json(VoidedView {
        sale_id: voided.sale_id,
        status: "voided",
        quantity: voided.quantity,
        on_hand: voided.on_hand,
        voided_at: kst_rfc3339(voided.voided_at),
    }))
}

#[derive(Debug, Deserialize)]
pub struct DayQuery {
    date: Option<String>,
}

#[derive(Debug, Serialize)]
struct DayView {
    date: NaiveDate,
    sales: Vec<SaleLineView>,
}

#[derive(Debug, Serialize)]
struct SaleLineView {
    sale_id: i64,
    sold_at: String,
    quantity: i32,
    birth_year: i32,
    proxy: bool,
    status: &'static str,
}

pub async fn list(
    state: web::Data<AppState>,
    clerk: Clerk,
    query: web::Query<DayQuery>,
) -> Result<HttpResponse, ApiError> {
    let date = match query.date.as_deref() {
        None => state.counter.today(),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("date", ErrorCode::InvalidDate, "date must be YYYY-MM-DD"))?,
    };
    let lines = state.counter.sales_on(clerk.site.id, date).await?;
    Ok(HttpResponse::Ok().json(DayView {
        date,
        sales: lines
            .into_iter()
            .map(|line| SaleLineView {
                sale_id: line.sale_id,
                sold_at: kst_rfc3339(line.sold_at),
                quantity: line.quantity,
                birth_year: line.birth_year,
                proxy: line.proxy,
                status: if line.voided { "voided" } else { "completed" },
            })
            .collect(),
    }))
}
