//! The public snapshot: every store as the open API shows it, with a spatial index and an
//! administrative-area index. Immutable once built; the publisher swaps in a new one.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use rstar::primitives::GeomWithData;
use rstar::{RTree, AABB};

use crate::domain::address::{admin_area_of, canonical_sido, AreaQuery};
use crate::domain::calendar::KST;
use crate::domain::site::SiteKind;
use crate::domain::stock_status::RemainStat;

/// What does not change when stock moves.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteInfo {
    pub code: String,
    pub name: String,
    pub kind: SiteKind,
    pub addr: String,
    pub lat: f64,
    pub lng: f64,
}

/// One store as the public sees it.
#[derive(Debug)]
pub struct Store {
    pub site_id: i64,
    pub info: Arc<SiteInfo>,
    pub on_hand: i64,
    /// The latest delivery; `None` before the first.
    pub stock_at: Option<DateTime<Utc>>,
    pub sales_halted: bool,
    /// When this figure was published (the 2020 API's `created_at`).
    pub published_at: DateTime<Utc>,
    /// This store as a v1 `storesByGeo`/`storesByAddr` item, serialised once per change.
    pub v1_json: Box<str>,
}

impl Store {
    fn new(site_id: i64, info: Arc<SiteInfo>, row: &PublicSite, published_at: DateTime<Utc>) -> Self {
        let mut store = Self {
            site_id,
            info,
            on_hand: row.on_hand,
            stock_at: row.stock_at.map(|t| t.and_utc()),
            sales_halted: row.sales_halted,
            published_at,
            v1_json: Box::from(""),
        };
        store.v1_json = super::v1_json::store_item(&store).into_boxed_str();
        store
    }

    /// `None` before the first delivery (the 2020 API sent null then).
    pub fn remain_stat(&self) -> Option<RemainStat> {
        self.stock_at.map(|_| RemainStat::of(self.on_hand, self.sales_halted))
    }
}

/// A v1 timestamp: `2020/03/11 10:15:00` in Korea time.
pub fn v1_time(instant: DateTime<Utc>) -> String {
    instant.with_timezone(&KST).format("%Y/%m/%d %H:%M:%S").to_string()
}

type GeoEntry = GeomWithData<[f64; 2], u32>;

/// Stores by 시/도 + 시/군/구, and by 시/도 + 시/군/구 + 읍/면/동; positions in code order.
#[derive(Debug, Default)]
struct AreaIndex {
    districts: HashMap<(String, String), Vec<u32>>,
    areas: HashMap<(String, String, String), Vec<u32>>,
}

/// The whole public board at one moment.
#[derive(Debug)]
pub struct Snapshot {
    /// Sorted by code, the 2020 API's stable paging order.
    stores: Vec<Arc<Store>>,
    /// Shared by every snapshot until the set of stores changes, like the indexes.
    position: Arc<HashMap<i64, u32>>,
    geo: Arc<RTree<GeoEntry>>,
    areas: Arc<AreaIndex>,
}

/// Mean Earth radius used for great-circle distances.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

impl Snapshot {
    pub fn empty() -> Self {
        Self::build(Vec::new(), Utc::now())
    }

    /// Builds from every site's row.
    pub fn build(rows: Vec<PublicSite>, now: DateTime<Utc>) -> Self {
        let mut stores: Vec<Arc<Store>> = rows
            .iter()
            .map(|row| Arc::new(Store::new(row.site_id, Arc::new(row.info.clone()), row, now)))
            .collect();
        stores.sort_by(|a, b| a.info.code.cmp(&b.info.code));
        Self::indexed(stores)
    }

    fn indexed(stores: Vec<Arc<Store>>) -> Self {
        let position: HashMap<i64, u32> =
            stores.iter().enumerate().map(|(i, s)| (s.site_id, slot(i))).collect();
        let geo = RTree::bulk_load(
            stores
                .iter()
                .enumerate()
                .map(|(i, s)| GeoEntry::new([s.info.lng, s.info.lat], slot(i)))
                .collect(),
        );
        let mut areas = AreaIndex::default();
        for (i, store) in stores.iter().enumerate() {
            let (sido, sigungu, area) = admin_area_of(&store.info.addr);
            let district = (canonical_sido(sido).to_owned(), sigungu.to_owned());
            if let Some(area) = area {
                let key = (district.0.clone(), district.1.clone(), area.to_owned());
                areas.areas.entry(key).or_default().push(slot(i));
            }
            areas.districts.entry(district).or_default().push(slot(i));
        }
        Self { stores, position: Arc::new(position), geo: Arc::new(geo), areas: Arc::new(areas) }
    }

    /// A new snapshot with `rows` applied. Stock changes reuse the indexes; a new or moved
    /// site rebuilds them.
    pub fn with_changes(&self, rows: &[PublicSite], now: DateTime<Utc>) -> Self {
        let mut stores = self.stores.clone();
        let mut reindex = false;
        for row in rows {
            match self.position.get(&row.site_id) {
                Some(&i) => {
                    let old = &stores[index(i)];
                    let same_place = *old.info == row.info;
                    let info = if same_place { old.info.clone() } else { Arc::new(row.info.clone()) };
                    reindex |= !same_place;
                    stores[index(i)] = Arc::new(Store::new(row.site_id, info, row, now));
                }
                None => {
                    reindex = true;
                    stores.push(Arc::new(Store::new(row.site_id, Arc::new(row.info.clone()), row, now)));
                }
            }
        }
        if reindex {
            stores.sort_by(|a, b| a.info.code.cmp(&b.info.code));
            return Self::indexed(stores);
        }
        Self { stores, position: self.position.clone(), geo: self.geo.clone(), areas: self.areas.clone() }
    }

    pub fn len(&self) -> usize {
        self.stores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.stores.is_empty()
    }

    /// All stores in code order.
    pub fn stores(&self) -> &[Arc<Store>] {
        &self.stores
    }

    pub fn by_site(&self, site_id: i64) -> Option<&Arc<Store>> {
        self.position.get(&site_id).map(|&i| &self.stores[index(i)])
    }

    pub fn by_code(&self, code: &str) -> Option<&Arc<Store>> {
        self.stores.binary_search_by(|s| s.info.code.as_str().cmp(code)).ok().map(|i| &self.stores[i])
    }

    /// Stores within `radius_m` metres (great-circle) of a point, nearest first, with distances.
    pub fn near(&self, lat: f64, lng: f64, radius_m: f64) -> Vec<(&Arc<Store>, f64)> {
        // A box a little larger than the circle, then the exact distance.
        let dlat = (radius_m / 111_000.0) * 1.01 + 1e-9;
        let dlng = dlat / lat.to_radians().cos().max(0.01);
        let envelope = AABB::from_corners([lng - dlng, lat - dlat], [lng + dlng, lat + dlat]);
        let mut found: Vec<(&Arc<Store>, f64)> = self
            .geo
            .locate_in_envelope(envelope)
            .filter_map(|entry| {
                let store = &self.stores[index(entry.data)];
                let distance = great_circle_m(lat, lng, store.info.lat, store.info.lng);
                (distance <= radius_m).then_some((store, distance))
            })
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.info.code.cmp(&b.0.info.code)));
        found
    }

    /// Stores in an administrative area, in code order.
    pub fn in_area(&self, query: &AreaQuery) -> Vec<&Arc<Store>> {
        let positions = match &query.area {
            None => self.areas.districts.get(&(query.sido.clone(), query.sigungu.clone())),
            Some(area) => self.areas.areas.get(&(query.sido.clone(), query.sigungu.clone(), area.clone())),
        };
        positions.map_or_else(Vec::new, |p| p.iter().map(|&i| &self.stores[index(i)]).collect())
    }
}

/// A site as the public sees it, the board's input: where it is, what it holds, and whether it
/// sells. Times are UTC.
#[derive(Debug, Clone)]
pub struct PublicSite {
    pub site_id: i64,
    pub info: SiteInfo,
    pub on_hand: i64,
    pub stock_at: Option<NaiveDateTime>,
    pub sales_halted: bool,
    pub updated_at: NaiveDateTime,
}

/// Haversine distance in metres.
pub fn great_circle_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = (lat2 - lat1).to_radians();
    let dlambda = (lng2 - lng1).to_radians();
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Stores are kept by a 32-bit position (the indexes hold millions of them); a board never
/// nears four billion stores.
fn slot(position: usize) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

fn index(slot: u32) -> usize {
    usize::try_from(slot).unwrap_or(usize::MAX)
}

#[cfg(test)]
#[allow(clippy::as_conversions)]
mod tests {
    use super::*;

    fn row(site_id: i64, code: &str, lat: f64, lng: f64, addr: &str, on_hand: i64) -> PublicSite {
        let t = DateTime::from_timestamp(1_583_888_400, 0).unwrap().naive_utc();
        PublicSite {
            site_id,
            info: SiteInfo {
                code: code.into(),
                name: format!("약국{code}"),
                kind: SiteKind::Pharmacy,
                addr: addr.into(),
                lat,
                lng,
            },
            on_hand,
            stock_at: (on_hand > 0).then_some(t),
            sales_halted: false,
            updated_at: t,
        }
    }

    fn board() -> Snapshot {
        Snapshot::build(
            vec![
                row(1, "30000003", 37.5000, 127.0300, "서울특별시 강남구 논현로 1 (논현동)", 120),
                row(2, "30000001", 37.5090, 127.0300, "서울특별시 강남구 역삼로 2 (역삼동)", 40),
                row(3, "30000002", 37.5000, 127.0500, "서울특별시 강남구 논현로 3 (논현동)", 0),
                row(4, "40000001", 35.6474, 128.7349, "경상북도 청도군 화양읍 청화로 45", 7),
            ],
            Utc::now(),
        )
    }

    #[test]
    fn stores_are_in_code_order_and_found_by_code_and_site() {
        let board = board();
        let codes: Vec<&str> = board.stores().iter().map(|s| s.info.code.as_str()).collect();
        assert_eq!(codes, ["30000001", "30000002", "30000003", "40000001"]);
        assert_eq!(board.by_code("30000002").map(|s| s.site_id), Some(3));
        assert_eq!(board.by_site(4).map(|s| s.info.code.as_str()), Some("40000001"));
        assert!(board.by_code("99999999").is_none());
    }

    #[test]
    fn near_uses_great_circle_distance_nearest_first_and_includes_the_point_itself() {
        let board = board();
        let at_point = board.near(37.5, 127.03, 0.0);
        assert_eq!(at_point.iter().map(|(s, _)| s.site_id).collect::<Vec<_>>(), [1]);
        let within_1km: Vec<i64> = board.near(37.5, 127.03, 1000.0).iter().map(|(s, _)| s.site_id).collect();
        assert_eq!(within_1km, [1], "0.009° north is ~1000.8 m, just outside");
        let within_2km: Vec<(i64, u32)> =
            board.near(37.5, 127.03, 2000.0).iter().map(|(s, d)| (s.site_id, d.round() as u32)).collect();
        assert_eq!(within_2km, [(1, 0), (2, 1001), (3, 1764)]);
    }

    #[test]
    fn areas_match_district_and_dong_including_rural_eup() {
        let board = board();
        let query = |raw: &str| {
            board.in_area(&AreaQuery::parse(raw).unwrap()).iter().map(|s| s.site_id).collect::<Vec<_>>()
        };
        assert_eq!(query("서울특별시 강남구"), [2, 3, 1]);
        assert_eq!(query("서울 강남구 논현동"), [3, 1]);
        assert_eq!(query("경상북도 청도군 화양읍"), [4]);
        assert!(query("서울특별시 마포구").is_empty());
    }

    #[test]
    fn areas_index_lot_numbers_trailing_junk_short_and_renamed_province_names() {
        let board = Snapshot::build(
            vec![
                row(1, "50000001", 37.51, 127.03, "서울특별시 강남구 논현동 200-1", 0),
                row(2, "50000002", 35.72, 128.26, "경북 고령군 대가야읍 대가야로 608 ", 0),
                row(3, "50000003", 37.51, 127.04, "서울특별시 강남구 논현동 12-1,", 0),
                row(4, "50000004", 37.88, 127.73, "강원특별자치도 춘천시 중앙로 1 (옥천동)", 0),
                row(5, "50000005", 37.87, 127.72, "강원도 춘천시 옥천동 50", 0),
                row(6, "50000006", 35.82, 127.15, "전북특별자치도 전주시 완산구 팔달로 1 (중앙동3가)", 0),
                row(7, "50000007", 35.81, 127.14, "전라북도 전주시 완산구 전라감영로 2 (중앙동3가)", 0),
            ],
            Utc::now(),
        );
        let query = |raw: &str| {
            board.in_area(&AreaQuery::parse(raw).unwrap()).iter().map(|s| s.site_id).collect::<Vec<_>>()
        };
        assert_eq!(query("서울특별시 강남구 논현동"), [1, 3]);
        assert_eq!(query("경상북도 고령군"), [2]);
        assert_eq!(query("경북 고령군 대가야읍"), [2]);
        for province in ["강원특별자치도", "강원도", "강원"] {
            assert_eq!(query(&format!("{province} 춘천시")), [4, 5], "{province}");
            assert_eq!(query(&format!("{province} 춘천시 옥천동")), [4, 5], "{province}");
        }
        for province in ["전북특별자치도", "전라북도", "전북"] {
            assert_eq!(query(&format!("{province} 전주시 완산구 중앙동3가")), [6, 7], "{province}");
        }
    }

    #[test]
    fn a_stock_change_keeps_the_indexes_and_a_new_site_rebuilds_them() {
        let board = board();
        let changed = board.with_changes(
            &[row(2, "30000001", 37.5090, 127.0300, "서울특별시 강남구 역삼로 2 (역삼동)", 1)],
            Utc::now(),
        );
        assert!(Arc::ptr_eq(&board.geo, &changed.geo));
        assert_eq!(changed.by_site(2).map(|s| s.on_hand), Some(1));
        assert_eq!(board.by_site(2).map(|s| s.on_hand), Some(40), "the old snapshot is untouched");

        let grown = changed.with_changes(
            &[row(5, "30000000", 37.5, 127.03, "서울특별시 강남구 논현로 9 (논현동)", 0)],
            Utc::now(),
        );
        assert_eq!(grown.len(), 5);
        assert_eq!(grown.stores()[0].site_id, 5);
        assert_eq!(grown.near(37.5, 127.03, 0.0).len(), 2);
    }

    #[test]
    fn a_never_delivered_store_has_no_status() {
        let board = board();
        assert_eq!(board.by_site(3).and_then(|s| s.remain_stat()), None);
        assert_eq!(board.by_site(1).and_then(|s| s.remain_stat()), Some(RemainStat::Plenty));
    }

    #[test]
    fn v1_times_are_korea_time_with_slashes() {
        let t = DateTime::from_timestamp(1_583_888_400, 0).unwrap(); // 2020-03-11 01:00 UTC
        assert_eq!(v1_time(t), "2020/03/11 10:00:00");
    }
}
