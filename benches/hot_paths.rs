//! The hot paths, so that regressions show: the rotation and quota decision, a resident number
//! parsed and fingerprinted, the board's geo and address queries at 1k, 27k and 270k sites, and
//! the 2020 JSON of a storesByGeo answer. `cargo bench --bench hot_paths`; figures are
//! criterion's, relative to its own previous run on the same machine.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

use maskportal::domain::address::AreaQuery;
use maskportal::domain::policy::Policy;
use maskportal::domain::quantity::Quantity;
use maskportal::domain::quota;
use maskportal::domain::resident_id::{IdKey, Person, ResidentId};
use maskportal::http::open_api::v1::stores_by_geo_body;
use maskportal::seed;

/// Gangnam, where the generated directory is dense (the simulation's city centre too).
const CENTRE: (f64, f64) = (37.5172, 127.0473);

fn rationing_rules(c: &mut Criterion) {
    let policy = Policy::korea_launch().unwrap();
    let buyer = Person::from(&ResidentId::parse("830515-1000016").unwrap());
    let wednesday = NaiveDate::from_ymd_opt(2020, 3, 11).unwrap();
    let two = Quantity::new(2).unwrap();
    c.bench_function("rotation and quota decision", |b| {
        b.iter(|| quota::may_buy(black_box(&buyer), None, black_box(wednesday), black_box(0), two, &policy))
    });
    let key = IdKey::from_bytes(vec![7; 32]).unwrap();
    c.bench_function("resident number parse and fingerprint", |b| {
        b.iter(|| ResidentId::parse(black_box("830515-1000016")).unwrap().fingerprint(&key))
    });
}

fn board_queries(c: &mut Criterion) {
    let delivered = Utc.with_ymd_and_hms(2020, 3, 11, 0, 0, 0).unwrap();
    let area = AreaQuery::parse("서울특별시 강남구").unwrap();
    let (lat, lng) = CENTRE;
    let mut geo = c.benchmark_group("storesByGeo m=1000");
    let boards: Vec<_> = [1_000, 27_000, 270_000].map(|n| (n, seed::board(n, 20200311, delivered))).into();
    for (sites, board) in &boards {
        geo.bench_with_input(BenchmarkId::new("board query", sites), board, |b, board| {
            b.iter(|| board.near(black_box(lat), black_box(lng), 1000.0).len())
        });
        geo.bench_with_input(BenchmarkId::new("v1 JSON answer", sites), board, |b, board| {
            b.iter(|| stores_by_geo_body(board, black_box(lat), black_box(lng), 1000.0).len())
        });
    }
    geo.finish();
    let mut addr = c.benchmark_group("storesByAddr 서울특별시 강남구");
    for (sites, board) in &boards {
        addr.bench_with_input(BenchmarkId::new("board query", sites), board, |b, board| {
            b.iter(|| board.in_area(black_box(&area)).len())
        });
    }
    addr.finish();
}

criterion_group!(benches, rationing_rules, board_queries);
criterion_main!(benches);
