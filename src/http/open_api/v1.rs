//! `/corona19-masks/v1`: the 2020 public mask API, field for field, so existing apps work by
//! changing the base URL.

use std::fmt::Write;
use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::board::snapshot::{v1_time, Snapshot, Store};
use crate::domain::address::AreaQuery;
use crate::domain::site::GeoPoint;
use crate::http::error::ApiError;
use crate::http::state::AppState;

use super::{coordinate, integer, json_reply, number, to_json, Params};

const DEFAULT_PER_PAGE: usize = 500;
const MAX_PER_PAGE: usize = 5000;
const DEFAULT_RADIUS_M: f64 = 1000.0;
/// Apps sent 10000 and map-viewport radii; serving the largest allowed radius beats a 400.
const MAX_RADIUS_M: f64 = 5000.0;

/// `page`/`perPage` as the 2020 API took them: defaults 1 and 500, `perPage` clamped to 5000.
struct Paging {
    page: usize,
    per_page: usize,
}

impl Paging {
    fn from(params: &Params) -> Result<Self, ApiError> {
        let page = integer(params, "page")?.unwrap_or(1);
        let per_page =
            integer(params, "perPage")?.unwrap_or(i64::try_from(DEFAULT_PER_PAGE).unwrap_or(i64::MAX));
        if page < 1 || per_page < 1 {
            let field = if page < 1 { "page" } else { "perPage" };
            return Err(ApiError::invalid_query(field, format!("{field} must be at least 1")));
        }
        Ok(Self {
            page: usize::try_from(page).unwrap_or(usize::MAX),
            per_page: usize::try_from(per_page).unwrap_or(MAX_PER_PAGE).min(MAX_PER_PAGE),
        })
    }

    fn slice<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        let start = (self.page - 1).saturating_mul(self.per_page).min(all.len());
        let end = start.saturating_add(self.per_page).min(all.len());
        &all[start..end]
    }

    /// `"count":…,"page":"…"` then the list under `key`, then the totals: keys in 2020 order.
    /// `page` is a string of digits, as the 2020 server sent it (2020 clients decode it as a
    /// string and fail on a number); the counts are numbers.
    fn envelope(&self, key: &str, total: usize, items: &[String]) -> String {
        let mut body = String::with_capacity(items.iter().map(|i| i.len() + 1).sum::<usize>() + 96);
        let _ = write!(body, "{{\"count\":{},\"page\":\"{}\",\"{key}\":[", items.len(), self.page);
        push_joined(&mut body, items.iter().map(String::as_str));
        let _ = write!(body, "],\"totalCount\":{total},\"totalPages\":{}}}", total.div_ceil(self.per_page));
        body
    }
}

fn push_joined<'a>(body: &mut String, items: impl Iterator<Item = &'a str>) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
}

#[derive(Serialize)]
struct StoreInfo<'a> {
    addr: &'a str,
    code: &'a str,
    lat: f64,
    lng: f64,
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Sale<'a> {
    code: &'a str,
    created_at: Option<String>,
    remain_stat: Option<&'static str>,
    stock_at: Option<String>,
}

/// One page of every store in code order, each item made by `item`, under the list key `key`.
fn page_of(
    state: &AppState,
    req: &HttpRequest,
    params: &Params,
    key: &str,
    item: impl Fn(&Store) -> String,
) -> Result<HttpResponse, ApiError> {
    let paging = Paging::from(params)?;
    let board = state.board.snapshot();
    let items: Vec<String> = paging.slice(board.stores()).iter().map(|s| item(s)).collect();
    Ok(json_reply(req, paging.envelope(key, board.len(), &items), state.public_max_age))
}

/// `GET stores/json?page&perPage`: the directory, in code order.
pub async fn stores(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    page_of(&state, &req, &params, "storeInfos", |s| {
        to_json(&StoreInfo {
            addr: &s.info.addr,
            code: &s.info.code,
            lat: s.info.lat,
            lng: s.info.lng,
            name: &s.info.name,
            kind: s.info.kind.open_api_code(),
        })
    })
}

/// `GET sales/json?page&perPage`: every store's stock status, in code order.
pub async fn sales(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    page_of(&state, &req, &params, "sales", |s| {
        let delivered = s.stock_at.is_some();
        to_json(&Sale {
            code: &s.info.code,
            created_at: delivered.then(|| v1_time(s.published_at)),
            remain_stat: s.remain_stat().map(|r| r.as_str()),
            stock_at: s.stock_at.map(v1_time),
        })
    })
}

fn stores_body(prefix: &str, stores: &[&Arc<Store>]) -> String {
    let mut body = String::with_capacity(stores.iter().map(|s| s.v1_json.len() + 1).sum::<usize>() + 64);
    let _ = write!(body, "{{{prefix}\"count\":{},\"stores\":[", stores.len());
    push_joined(&mut body, stores.iter().map(|s| &*s.v1_json));
    body.push_str("]}");
    body
}

/// `GET storesByGeo/json?lat&lng&m`: stores within `m` metres, nearest first.
pub async fn stores_by_geo(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    let lat = coordinate(&params, "lat", GeoPoint::LAT)?;
    let lng = coordinate(&params, "lng", GeoPoint::LNG)?;
    let radius: f64 = number(&params, "m")?.unwrap_or(DEFAULT_RADIUS_M);
    if radius.is_nan() || radius < 0.0 {
        return Err(ApiError::invalid_query("m", "m must be a distance in metres, 0 or more"));
    }
    let body = stores_by_geo_body(&state.board.snapshot(), lat, lng, radius.min(MAX_RADIUS_M));
    Ok(json_reply(&req, body, state.public_max_age))
}

/// The `storesByGeo` body: stores within `radius_m` metres of a point, nearest first. This is
/// the handler's work once the query is parsed (`maskportal-simulate` times it on boards of
/// several sizes).
pub fn stores_by_geo_body(board: &Snapshot, lat: f64, lng: f64, radius_m: f64) -> String {
    let near = board.near(lat, lng, radius_m);
    let stores: Vec<&Arc<Store>> = near.iter().map(|(s, _)| *s).collect();
    stores_body("", &stores)
}

/// `GET storesByAddr/json?address`: stores in a 시/군/구, or in one of its 읍/면/동.
pub async fn stores_by_addr(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    let address = params.get("address").map(String::as_str).unwrap_or_default();
    let query = AreaQuery::parse(address).map_err(|e| ApiError::invalid_query("address", e.to_string()))?;
    let board = state.board.snapshot();
    let prefix = format!("\"address\":{},", to_json(&address));
    Ok(json_reply(&req, stores_body(&prefix, &board.in_area(&query)), state.public_max_age))
}
