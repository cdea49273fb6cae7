//! storesByGeo on the board alone, at several directory sizes: the snapshot is built from
//! generated rows (no database, no HTTP) and the handler's work past query parsing
//! (`stores_by_geo_body`: R*-tree lookup, exact distances, ordering, the body) is timed.

use std::time::{Duration, Instant};

use maskportal::board::snapshot::Snapshot;
use maskportal::http::open_api::v1::stores_by_geo_body;
use maskportal::seed;

use crate::stats::Samples;
use crate::CITY_CENTRE;

/// storesByGeo at one directory size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BoardFigure {
    pub sites: usize,
    /// m=1000 at the city centre: stores in the answer and the median time.
    pub stores_m1000: usize,
    pub p50_us_m1000: f64,
    /// A radius chosen so the answer holds about as many stores as at the reference size with
    /// m=1000: the cost of the index itself, the answer's size held constant.
    pub radius_m_same_answer: f64,
    pub stores_same_answer: usize,
    pub p50_us_same_answer: f64,
}

/// Times storesByGeo on boards of `sizes` sites; the answer size of the middle size (27,000 by
/// default) with m=1000 is the reference for the constant-answer figure.
pub fn scaling(sizes: &[usize], seed: u64) -> Vec<BoardFigure> {
    let (lat, lng) = CITY_CENTRE;
    let boards: Vec<(usize, Snapshot)> =
        sizes.iter().map(|&n| (n, seed::board(n, seed, crate::launch_morning()))).collect();
    let reference =
        boards.get(boards.len() / 2).map_or(100, |(_, board)| board.near(lat, lng, 1000.0).len().max(1));
    let figures = boards
        .iter()
        .map(|(sites, board)| {
            let stores_m1000 = board.near(lat, lng, 1000.0).len();
            let p50_us_m1000 = median_us(|| stores_by_geo_body(board, lat, lng, 1000.0).len());
            let radius = radius_for(board, reference);
            let stores_same_answer = board.near(lat, lng, radius).len();
            let p50_us_same_answer = median_us(|| stores_by_geo_body(board, lat, lng, radius).len());
            BoardFigure {
                sites: *sites,
                stores_m1000,
                p50_us_m1000,
                radius_m_same_answer: radius.round(),
                stores_same_answer,
                p50_us_same_answer,
            }
        })
        .collect();
    drop(boards);
    figures
}

/// The smallest radius (to a metre) whose answer at the city centre holds `stores` stores.
fn radius_for(board: &Snapshot, stores: usize) -> f64 {
    let (lat, lng) = CITY_CENTRE;
    let (mut low, mut high) = (0.0_f64, 400_000.0_f64);
    while high - low > 1.0 {
        let mid = (low + high) / 2.0;
        if board.near(lat, lng, mid).len() >= stores {
            high = mid;
        } else {
            low = mid;
        }
    }
    high
}

/// The median of timed calls: a short warm-up, then calls until 300 ms or 5,000 calls.
fn median_us(mut call: impl FnMut() -> usize) -> f64 {
    let mut sink = 0;
    for _ in 0..50 {
        sink += call();
    }
    let mut samples = Samples::default();
    let started = Instant::now();
    while samples.len() < 5_000 && (started.elapsed() < Duration::from_millis(300) || samples.len() < 50) {
        let t = Instant::now();
        sink += call();
        samples.push(t.elapsed());
    }
    std::hint::black_box(sink);
    samples.percentile_us(50.0)
}
