//! `POST /portal/v1/eligibility`, `POST /portal/v1/sales`, `POST /portal/v1/sales/batch`,
//! `POST /portal/v1/sales/{id}/void`, `GET /portal/v1/sales?date=`.

use actix_web::{web, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::policy::ProxyCategory;
use crate::domain::resident_id::ResidentId;
use crate::domain::sealed_sale::Sealed;
use crate::http::auth::Clerk;
use crate::http::error::extractors::invalid_body;
use crate::http::error::{refusal_details, ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::services::idempotency::Answered;
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
    resident_id: Option<String>,
    #[serde(deserialize_with = "super::whole_number")]
    quantity: i64,
    proxy_for: Option<ProxyBody>,
    /// The buyer (and proxy target) sealed by an offline counter page, instead of in clear.
    sealed: Option<SealedBody>,
    client_key: String,
    sold_at: Option<String>,
    #[serde(default)]
    offline: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedBody {
    kid: String,
    epk: String,
    iv: String,
    ciphertext: String,
}

/// What a sealed sale holds: the fields a clear sale carries in their place.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SealedParties {
    resident_id: String,
    proxy_for: Option<ProxyBody>,
}

/// At most this many sales in one batch: a day's queue of a busy counter.
const MAX_BATCH: usize = 500;

/// Batches are larger than any other body: 500 sealed sales run to about 300 KB.
pub const MAX_BATCH_BODY_BYTES: usize = 1024 * 1024;

impl SaleBody {
    /// The sale it asks for: every field parsed, a sealed one opened first.
    fn parse(self, state: &AppState) -> Result<SaleRequest, ApiError> {
        let client_key = client_key(&self.client_key)?;
        let (buyer, proxy) = match (self.resident_id, self.sealed) {
            (Some(resident_id), None) => (resident_id, self.proxy_for),
            (None, Some(sealed)) if self.proxy_for.is_none() => {
                let parties = open(state, &sealed, &self.client_key)?;
                (parties.resident_id, parties.proxy_for)
            }
            (None, None) => {
                return Err(ApiError::invalid(
                    "resident_id",
                    ErrorCode::InvalidBody,
                    "missing field `resident_id`",
                ))
            }
            _ => {
                return Err(ApiError::invalid(
                    "sealed",
                    ErrorCode::InvalidBody,
                    "send the parties either in clear (resident_id, proxy_for) or sealed, not both",
                ))
            }
        };
        let sold_at = self
            .sold_at
            .map(|raw| {
                DateTime::parse_from_rfc3339(&raw).map(|at| at.with_timezone(&Utc)).map_err(|_| {
                    ApiError::invalid(
                        "sold_at",
                        ErrorCode::InvalidSoldAt,
                        "sold_at must be RFC 3339 with an offset, e.g. 2020-03-11T09:30:00+09:00",
                    )
                })
            })
            .transpose()?;
        Ok(SaleRequest {
            buyer: resident_id(&buyer, "resident_id")?,
            proxy_for: proxy_for(proxy.as_ref())?,
            quantity: quantity(self.quantity)?,
            client_key,
            sold_at,
            offline: self.offline,
        })
    }
}

/// Opens a sealed sale; it must have been sealed for this very `client_key`.
fn open(state: &AppState, sealed: &SealedBody, client_key: &str) -> Result<SealedParties, ApiError> {
    let bytes = |field: &str, raw: &str| {
        URL_SAFE_NO_PAD.decode(raw).map_err(|_| {
            ApiError::invalid(
                format!("sealed.{field}"),
                ErrorCode::InvalidSealed,
                format!("{field} is not base64url"),
            )
        })
    };
    let sealed = Sealed {
        kid: sealed.kid.clone(),
        epk: bytes("epk", &sealed.epk)?,
        iv: bytes("iv", &sealed.iv)?,
        ciphertext: bytes("ciphertext", &sealed.ciphertext)?,
    };
    let plain = state
        .sealing_key
        .open(&sealed, client_key.as_bytes())
        .map_err(|e| ApiError::invalid("sealed", ErrorCode::InvalidSealed, e.to_string()))?;
    serde_json::from_slice(&plain).map_err(|e| {
        ApiError::invalid("sealed", ErrorCode::InvalidSealed, format!("the sealed sale holds no sale: {e}"))
    })
}

/// A receipt, times in KST.
#[derive(Debug, Serialize)]
struct ReceiptView {
    sale_id: i64,
    quantity: u32,
    on_hand: i64,
    remaining_quota: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sold_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded_at: Option<String>,
    conflicts: Vec<&'static str>,
}

impl From<&SaleReceipt> for ReceiptView {
    fn from(receipt: &SaleReceipt) -> Self {
        Self {
            sale_id: receipt.sale_id,
            quantity: receipt.quantity,
            on_hand: receipt.on_hand,
            remaining_quota: receipt.remaining_quota,
            sold_at: receipt.sold_at.map(kst_rfc3339),
            recorded_at: receipt.recorded_at.map(kst_rfc3339),
            conflicts: receipt.conflicts.iter().map(|c| c.code()).collect(),
        }
    }
}

/// Sells one parsed sale, counting what the metrics count.
async fn sell(
    state: &AppState,
    clerk: &Clerk,
    request: SaleRequest,
) -> Result<Answered<SaleReceipt>, ApiError> {
    let offline = request.offline;
    match state.counter.sell(&clerk.actor(), request).await {
        Ok(recorded) => {
            if !recorded.replayed {
                count_sale(&recorded.value, offline);
            }
            Ok(recorded)
        }
        Err(error) => {
            let error = ApiError::from(error);
            if error.status().as_u16() == 409 {
                metrics::counter!("maskportal_sale_refusals_total", "code" => error.code().as_str())
                    .increment(1);
            }
            Err(error)
        }
    }
}

fn count_sale(receipt: &SaleReceipt, offline: bool) {
    metrics::counter!("maskportal_sales_total").increment(1);
    metrics::counter!("maskportal_masks_sold_total").increment(u64::from(receipt.quantity));
    if offline {
        metrics::counter!("maskportal_offline_sales_total").increment(1);
        if let (Some(sold), Some(recorded)) = (receipt.sold_at, receipt.recorded_at) {
            let lag = (recorded - sold).to_std().unwrap_or_default();
            metrics::histogram!("maskportal_offline_sync_lag_seconds").record(lag.as_secs_f64());
        }
    }
    for conflict in &receipt.conflicts {
        metrics::counter!("maskportal_sale_conflicts_total", "code" => conflict.code()).increment(1);
    }
}

pub async fn create(
    state: web::Data<AppState>,
    clerk: Clerk,
    body: web::Json<SaleBody>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner().parse(&state)?;
    let recorded = sell(&state, &clerk, request).await?;
    // A retry gets the first answer, status and all.
    Ok(HttpResponse::Created().json(ReceiptView::from(&recorded.value)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    // Items stay raw so that one that does not parse is refused alone.
    sales: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct BatchItem {
    client_key: Option<String>,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sale: Option<ReceiptView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    conflicts: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<serde_json::Value>,
}

/// A device's queue, oldest first: each sale on its own, in order, and each exactly once.
pub async fn batch(
    state: web::Data<AppState>,
    clerk: Clerk,
    body: web::Json<BatchBody>,
) -> Result<HttpResponse, ApiError> {
    let items = body.into_inner().sales;
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "sales",
            ErrorCode::InvalidBatch,
            format!("sales must hold 1 to {MAX_BATCH} sales, not {}", items.len()),
        ));
    }
    let mut results = Vec::with_capacity(items.len());
    for item in items {
        let client_key = item.get("client_key").and_then(|key| key.as_str()).map(str::to_owned);
        let parsed = serde_json::from_value::<SaleBody>(item)
            .map_err(|e| invalid_body(&e))
            .and_then(|body| body.parse(&state));
        let answer = match parsed {
            Ok(request) => sell(&state, &clerk, request).await,
            Err(error) => Err(error),
        };
        results.push(match answer {
            Ok(recorded) => {
                let sale = ReceiptView::from(&recorded.value);
                BatchItem {
                    client_key,
                    outcome: if recorded.replayed { "replayed" } else { "recorded" },
                    conflicts: Some(sale.conflicts.clone()),
                    sale: Some(sale),
                    error: None,
                }
            }
            Err(error) => BatchItem {
                client_key,
                outcome: "refused",
                sale: None,
                conflicts: None,
                error: Some(error.as_item()),
            },
        });
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "results": results })))
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
