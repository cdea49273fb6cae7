//! `POST /portal/v1/stock-in`, `GET /portal/v1/stock`, `PUT /portal/v1/status`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::http::auth::Clerk;
use crate::http::error::{ApiError, ErrorCode};
use crate::http::state::AppState;
use crate::services::stock::{Delivery, StockView};

use super::{client_key, note, quantity};
use crate::http::views::kst_rfc3339;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockInBody {
    #[serde(deserialize_with = "super::whole_number")]
    quantity: i64,
    reference: Option<String>,
    client_key: String,
}

#[derive(Debug, Serialize)]
struct ReceivedView {
    on_hand: i64,
    stock_at: String,
}

pub async fn stock_in(
    state: web::Data<AppState>,
    clerk: Clerk,
    body: web::Json<StockInBody>,
) -> Result<HttpResponse, ApiError> {
    let delivery = Delivery {
        quantity: quantity(body.quantity)?,
        reference: body
            .reference
            .as_deref()
            .map(|raw| note(raw, "reference", ErrorCode::InvalidReference))
            .transpose()?,
        client_key: client_key(&body.client_key)?,
    };
    let received = state.counter.stock_in(&clerk.actor(), delivery).await?;
    Ok(HttpResponse::Created()
        .json(ReceivedView { on_hand: received.on_hand, stock_at: kst_rfc3339(received.stock_at) }))
}

#[derive(Debug, Serialize)]
struct StockJson {
    on_hand: i64,
    stock_at: Option<String>,
    remain_stat: &'static str,
    sales_halted: bool,
    sold_today: i64,
}

fn stock_json(view: StockView) -> StockJson {
    StockJson {
        on_hand: view.on_hand,
        stock_at: view.stock_at.map(kst_rfc3339),
        remain_stat: view.remain_stat.as_str(),
        sales_halted: view.sales_halted,
        sold_today: view.sold_today,
    }
}

pub async fn show(state: web::Data<AppState>, clerk: Clerk) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(stock_json(state.counter.stock(clerk.site.id).await?)))
}

/// `{"sales_halted": bool}`: a clerk's halt or resume, and the operator's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub sales_halted: bool,
}

pub async fn set_status(
    state: web::Data<AppState>,
    clerk: Clerk,
    body: web::Json<StatusBody>,
) -> Result<HttpResponse, ApiError> {
    let view = state.counter.set_sales_halted(&clerk.actor(), body.sales_halted).await?;
    Ok(HttpResponse::Ok().json(stock_json(view)))
}
