//! The 2020 wire format of a store, serialised once per change and cached in the snapshot,
//! because map apps read the same stores thousands of times a second.

use serde::Serialize;

use super::snapshot::{v1_time, Store};

/// Keys in alphabetical order, as the 2020 API sent them; `lat`/`lng` are always written with a
/// fraction (`36.0`), which 2020 apps decoding floats need.
#[derive(Serialize)]
struct V1Store<'a> {
    addr: &'a str,
    code: &'a str,
    created_at: Option<String>,
    lat: f64,
    lng: f64,
    name: &'a str,
    remain_stat: Option<&'static str>,
    stock_at: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A `storesByGeo` / `storesByAddr` item.
pub fn store_item(store: &Store) -> String {
    let delivered = store.stock_at.is_some();
    let item = V1Store {
        addr: &store.info.addr,
        code: &store.info.code,
        created_at: delivered.then(|| v1_time(store.published_at)),
        lat: store.info.lat,
        lng: store.info.lng,
        name: &store.info.name,
        remain_stat: store.remain_stat().map(|s| s.as_str()),
        stock_at: store.stock_at.map(v1_time),
        kind: store.info.kind.open_api_code(),
    };
    // Serialising plain strings and finite floats cannot fail.
    serde_json::to_string(&item).unwrap_or_default()
}
