//! `/v2`: the same data in a cleaner shape: exact counts, ISO-8601 times, strict parameters,
//! and a change feed.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::board::snapshot::Store;
use crate::domain::address::AreaQuery;
use crate::domain::site::GeoPoint;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::views::kst_rfc3339;

use super::{coordinate, integer, json_reply, number, to_json, Params};

const MAX_RADIUS_M: f64 = 5000.0;
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// A store in the v2 shape.
#[derive(Debug, Serialize)]
pub struct StoreV2<'a> {
    code: &'a str,
    name: &'a str,
    addr: &'a str,
    kind: &'static str,
    lat: f64,
    lng: f64,
    remain_stat: Option<&'static str>,
    /// The exact count; null before the first delivery.
    remaining: Option<i64>,
    stock_at: Option<String>,
    updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<u32>,
}

impl<'a> StoreV2<'a> {
    pub fn of(store: &'a Store) -> Self {
        Self {
            code: &store.info.code,
            name: &store.info.name,
            addr: &store.info.addr,
            kind: store.info.kind.as_str(),
            lat: store.info.lat,
            lng: store.info.lng,
            remain_stat: store.remain_stat().map(|r| r.as_str()),
            remaining: store.stock_at.map(|_| store.on_hand),
            stock_at: store.stock_at.map(kst_rfc3339),
            updated_at: kst_rfc3339(store.published_at),
            distance_m: None,
        }
    }
}

#[derive(Serialize)]
struct StoreList<'a> {
    count: usize,
    stores: Vec<StoreV2<'a>>,
}

fn limit(params: &Params) -> Result<usize, ApiError> {
    match number::<usize>(params, "limit")? {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid_query("limit", format!("limit must be 1 to {MAX_LIMIT}"))),
    }
}

/// `GET /v2/stores?lat&lng&m&limit` (nearest first) or `GET /v2/stores?address=`.
#[expect(clippy::as_conversions, reason = "a rounded distance in metres within the radius cap fits u32")]
pub async fn stores(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    reject_empty(&params)?;
    let limit = limit(&params)?;
    let radius: f64 = number(&params, "m")?.unwrap_or(1000.0);
    if !(0.0..=MAX_RADIUS_M).contains(&radius) {
        return Err(ApiError::invalid_query("m", format!("m must be 0 to {MAX_RADIUS_M} metres")));
    }
    let point = if params.contains_key("lat") || params.contains_key("lng") {
        Some((coordinate(&params, "lat", GeoPoint::LAT)?, coordinate(&params, "lng", GeoPoint::LNG)?))
    } else {
        None
    };
    let board = state.board.snapshot();
    let stores: Vec<StoreV2> = match (params.get("address"), point) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_query("address", "give a point (lat, lng) or an address, not both"))
        }
        (Some(address), None) => {
            let query =
                AreaQuery::parse(address).map_err(|e| ApiError::invalid_query("address", e.to_string()))?;
            board.in_area(&query).into_iter().take(limit).map(|s| StoreV2::of(s)).collect()
        }
        (None, Some((lat, lng))) => board
            .near(lat, lng, radius)
            .into_iter()
            .take(limit)
            .map(|(s, distance)| StoreV2 { distance_m: Some(distance.round() as u32), ..StoreV2::of(s) })
            .collect(),
        (None, None) => board.stores().iter().take(limit).map(|s| StoreV2::of(s)).collect(),
    };
    Ok(json_reply(&req, to_json(&StoreList { count: stores.len(), stores }), state.public_max_age))
}

/// v2 is strict: a parameter sent empty is an error, not an absence (v1 keeps 2020's tolerance).
pub(super) fn reject_empty(params: &Params) -> Result<(), ApiError> {
    match params.iter().find(|(_, value)| value.trim().is_empty()) {
        Some((name, _)) => Err(ApiError::invalid_query(name.as_str(), format!("{name} is empty"))),
        None => Ok(()),
    }
}

/// `GET /v2/stores/{code}`.
pub async fn store(
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let board = state.board.snapshot();
    let store = board.by_code(&code).ok_or_else(|| ApiError::not_found("store"))?;
    Ok(json_reply(&req, to_json(&StoreV2::of(store)), state.public_max_age))
}

#[derive(Serialize)]
struct ChangesView<'a> {
    cursor: i64,
    full_resync: bool,
    changes: Vec<StoreV2<'a>>,
}

/// `GET /v2/changes?since=CURSOR&limit=N`: the stores changed after a cursor, each once in its
/// latest state, and the cursor to ask with next.
pub async fn changes(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    reject_empty(&params)?;
    let since = integer(&params, "since")?.unwrap_or(0);
    let limit = limit(&params)?;
    let changes = state.board.changes_since(since, limit);
    let board = state.board.snapshot();
    let stores =
        changes.site_ids.iter().filter_map(|id| board.by_site(*id)).map(|s| StoreV2::of(s)).collect();
    let view = ChangesView { cursor: changes.cursor, full_resync: changes.full_resync, changes: stores };
    Ok(json_reply(&req, to_json(&view), state.public_max_age))
}
