//! `maskportal-simulate` end to end on a tiny directory: it runs to completion, reports every
//! figure as a finite number, and finds nothing wrong. Nothing is timed here: the figures are
//! measurements for the README, not pass/fail bars.

use std::collections::HashMap;

use maskportal_simulate::{simulate, Opts, HEADLINE};

fn tiny(database: Option<String>) -> Opts {
    Opts {
        sites: 300,
        seconds: 1.5,
        clerks: 6,
        buyers_per_second: 60.0,
        reads_per_second: 200.0,
        read_concurrency: 4,
        sale_concurrency: 3,
        board_sizes: vec![300, 1_000, 3_000],
        database,
        ..Opts::default()
    }
}

fn run_and_check(opts: Opts, backend: &str) {
    let report = simulate(&opts, &HashMap::new()).expect("the simulation runs");
    assert!(report.problems().is_empty(), "{:?}", report.problems());

    let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("JSON");
    assert_eq!(json["backend"], backend);
    for key in HEADLINE {
        assert!(json[key].as_f64().is_some_and(f64::is_finite), "{key}: {}", json[key]);
    }
    let by_sites = json["geo_us_p50_by_sites"].as_object().expect("an object of site count → µs");
    assert_eq!(by_sites.keys().collect::<Vec<_>>(), ["1000", "300", "3000"]);
    assert!(by_sites.values().all(|v| v.as_f64().is_some_and(f64::is_finite)), "{by_sites:?}");
    assert!(json["morning"]["sales"].as_u64().unwrap_or(0) > 0, "clerks sold nothing");
    assert!(report.table().contains("storesByGeo"));
}

#[test]
fn a_short_simulation_on_sqlite_reports_every_figure() {
    run_and_check(tiny(None), "sqlite");
}

/// The PostgreSQL server of `TEST_DATABASE_URL`; `None` (skip) locally without it, a failure in CI.
fn postgres() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL").ok().filter(|url| !url.trim().is_empty()) {
        Some(url) => Some(url),
        None if std::env::var_os("CI").is_some() => panic!("CI must run the PostgreSQL simulation"),
        None => {
            eprintln!("skipping the PostgreSQL simulation: TEST_DATABASE_URL is not set");
            None
        }
    }
}

#[test]
fn a_short_simulation_on_postgres_reports_every_figure() {
    if let Some(url) = postgres() {
        run_and_check(tiny(Some(url)), "postgres");
    }
}

#[test]
fn a_short_simulation_on_a_counter_node_and_a_public_node_reports_every_figure() {
    if let Some(url) = postgres() {
        let report_opts = Opts { split_nodes: true, ..tiny(Some(url)) };
        run_and_check(report_opts, "postgres");
    }
}
