//! The figures of one run: the table printed at the end, and the JSON written with `--json`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{json, Map, Value};

use maskportal::db::Backend;

use crate::board::BoardFigure;
use crate::morning::Lag;
use crate::stats::Summary;
use crate::{Integrity, Opts, Seeded};

/// The numeric figures every run must produce (the list).
pub const HEADLINE: [&str; 9] = [
    "counter_p99_ms_quiet",
    "counter_p99_ms_flood",
    "geo_rps",
    "bare_rps",
    "sales_rps_http",
    "sales_rps_direct",
    "publish_lag_ms_p99",
    "stale_status_rate",
    "peak_rss_mb",
];

/// Rates of two alternating sides of a comparison, one entry per round.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Ab {
    pub a: Vec<f64>,
    pub b: Vec<f64>,
}

impl Ab {
    pub fn mean_a(&self) -> f64 {
        mean(&self.a)
    }

    pub fn mean_b(&self) -> f64 {
        mean(&self.b)
    }

    /// A over B across all rounds (the rounds are equally long).
    pub fn ratio(&self) -> f64 {
        self.mean_a() / self.mean_b()
    }

    /// The lowest and highest ratio of a round to the round after it: how noisy the machine was.
    pub fn spread(&self) -> (f64, f64) {
        let ratios: Vec<f64> = self.a.iter().zip(&self.b).map(|(a, b)| a / b).collect();
        (
            ratios.iter().copied().fold(f64::INFINITY, f64::min),
            ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The launch morning's own figures.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Morning {
    pub seconds: f64,
    pub clerks: usize,
    pub buyers_per_second: f64,
    pub reads_per_second: f64,
    pub sales: u64,
    /// Counter answers by outcome: `sold`, refusal codes, `resident_id_checksum` (mistyped)…
    pub outcomes: BTreeMap<String, u64>,
    pub sale: Summary,
    pub reads: u64,
    pub read: Summary,
    pub stale_claims: u64,
    pub stale_strict: u64,
    pub stale_upper: u64,
}

impl Default for Summary {
    fn default() -> Self {
        Self { count: 0, p50_ms: f64::NAN, p99_ms: f64::NAN, max_ms: f64::NAN }
    }
}

#[derive(Debug, Clone)]
pub struct Report {
    pub backend: Backend,
    pub sites: usize,
    pub seconds: f64,
    pub workers: usize,
    pub public_workers: usize,
    /// A counter node and a public node (`--split-nodes`) rather than one node.
    pub split_nodes: bool,
    pub db_pool_size: u32,
    pub morning: Morning,
    pub lag: Lag,
    pub counter_quiet: Summary,
    pub counter_flood: Summary,
    pub flood_rps: f64,
    pub flood_concurrency: usize,
    /// storesByGeo (a) vs the bare handler (b), requests per second.
    pub geo_vs_bare: Ab,
    pub geo_body_bytes: usize,
    pub geo_stores: u64,
    pub read_concurrency: usize,
    /// Sales per second over HTTP (a) vs straight through the service layer (b).
    pub sales: Ab,
    pub sale_concurrency: usize,
    pub sales_failed: u64,
    pub board: Vec<BoardFigure>,
    pub peak_rss_mb: f64,
    pub rss_mb: f64,
    pub integrity: Integrity,
    pub server_errors: u64,
    pub transport_errors: u64,
    pub elapsed_s: f64,
    pub load_average_start: f64,
    pub load_average_end: f64,
}

impl Report {
    pub fn new(opts: &Opts, backend: Backend, seeded: &Seeded, config: &maskportal::config::Config) -> Self {
        Self {
            backend,
            sites: seeded.directory_len,
            seconds: opts.seconds,
            workers: config.workers,
            public_workers: config.public.workers,
            split_nodes: opts.split_nodes,
            db_pool_size: config.db_pool_size,
            morning: Morning::default(),
            lag: Lag::default(),
            counter_quiet: Summary::default(),
            counter_flood: Summary::default(),
            flood_rps: f64::NAN,
            flood_concurrency: opts.read_concurrency,
            geo_vs_bare: Ab::default(),
            geo_body_bytes: 0,
            geo_stores: 0,
            read_concurrency: opts.read_concurrency,
            sales: Ab::default(),
            sale_concurrency: opts.sale_concurrency,
            sales_failed: 0,
            board: Vec::new(),
            peak_rss_mb: f64::NAN,
            rss_mb: f64::NAN,
            integrity: Integrity::default(),
            server_errors: 0,
            transport_errors: 0,
            elapsed_s: f64::NAN,
            load_average_start: f64::NAN,
            load_average_end: f64::NAN,
        }
    }

    pub fn counter_ratio(&self) -> f64 {
        self.counter_flood.p99_ms / self.counter_quiet.p99_ms
    }

    pub fn stale_rate(&self) -> f64 {
        self.morning.stale_strict as f64 / self.morning.stale_claims as f64
    }

    pub fn stale_rate_upper(&self) -> f64 {
        self.morning.stale_upper as f64 / self.morning.stale_claims as f64
    }

    fn lag_figure(summary: &Option<Summary>, pick: fn(&Summary) -> f64) -> f64 {
        summary.as_ref().map_or(f64::NAN, pick)
    }

    /// The figures as JSON: the headline keys at the top level, details beside them.
    pub fn to_json(&self) -> String {
        let by_sites = |pick: fn(&BoardFigure) -> Value| -> Map<String, Value> {
            self.board.iter().map(|f| (f.sites.to_string(), pick(f))).collect()
        };
        let lag = &self.lag;
        let pairs: Vec<(&str, Value)> = vec![
            ("backend", json!(self.backend)),
            ("counter_p50_ms_quiet", json!(self.counter_quiet.p50_ms)),
            ("counter_p99_ms_quiet", json!(self.counter_quiet.p99_ms)),
            ("counter_p50_ms_flood", json!(self.counter_flood.p50_ms)),
            ("counter_p99_ms_flood", json!(self.counter_flood.p99_ms)),
            ("counter_p99_flood_over_quiet", json!(self.counter_ratio())),
            ("counter_samples_quiet", json!(self.counter_quiet.count)),
            ("counter_samples_flood", json!(self.counter_flood.count)),
            ("flood_rps", json!(self.flood_rps)),
            ("flood_concurrency", json!(self.flood_concurrency)),
            ("geo_rps", json!(self.geo_vs_bare.mean_a())),
            ("bare_rps", json!(self.geo_vs_bare.mean_b())),
            ("geo_over_bare", json!(self.geo_vs_bare.ratio())),
            ("geo_rps_rounds", json!(self.geo_vs_bare.a)),
            ("bare_rps_rounds", json!(self.geo_vs_bare.b)),
            ("geo_body_bytes", json!(self.geo_body_bytes)),
            ("geo_stores", json!(self.geo_stores)),
            ("read_concurrency", json!(self.read_concurrency)),
            ("sales_rps_http", json!(self.sales.mean_a())),
            ("sales_rps_direct", json!(self.sales.mean_b())),
            ("sales_http_over_direct", json!(self.sales.ratio())),
            ("sales_rps_http_rounds", json!(self.sales.a)),
            ("sales_rps_direct_rounds", json!(self.sales.b)),
            ("sale_concurrency", json!(self.sale_concurrency)),
            ("sales_failed", json!(self.sales_failed)),
            ("publish_lag_ms_p50", json!(Self::lag_figure(&lag.geo, |s| s.p50_ms))),
            ("publish_lag_ms_p99", json!(Self::lag_figure(&lag.geo, |s| s.p99_ms))),
            ("publish_lag_ms_max", json!(Self::lag_figure(&lag.geo, |s| s.max_ms))),
            ("publish_lag_ms_p99_from_ack", json!(Self::lag_figure(&lag.geo_from_ack, |s| s.p99_ms))),
            ("sse_lag_ms_p50", json!(Self::lag_figure(&lag.sse, |s| s.p50_ms))),
            ("sse_lag_ms_p99", json!(Self::lag_figure(&lag.sse, |s| s.p99_ms))),
            ("sse_lag_ms_max", json!(Self::lag_figure(&lag.sse, |s| s.max_ms))),
            ("sse_lag_ms_p99_from_ack", json!(Self::lag_figure(&lag.sse_from_ack, |s| s.p99_ms))),
            ("publish_lag_samples", json!(lag.samples)),
            ("publish_lag_timeouts", json!(lag.geo_timeouts + lag.sse_timeouts)),
            ("stale_status_rate", json!(self.stale_rate())),
            ("stale_status_rate_upper", json!(self.stale_rate_upper())),
            ("stale_status_claims", json!(self.morning.stale_claims)),
            ("geo_us_p50_by_sites", json!(by_sites(|f| json!(f.p50_us_m1000)))),
            ("geo_stores_by_sites", json!(by_sites(|f| json!(f.stores_m1000)))),
            ("geo_us_p50_same_answer_by_sites", json!(by_sites(|f| json!(f.p50_us_same_answer)))),
            ("geo_stores_same_answer_by_sites", json!(by_sites(|f| json!(f.stores_same_answer)))),
            ("peak_rss_mb", json!(self.peak_rss_mb)),
            ("rss_mb", json!(self.rss_mb)),
            ("morning", json!(self.morning)),
            ("publish_lag", json!(lag)),
            ("integrity", json!(self.integrity)),
            ("server_errors", json!(self.server_errors)),
            ("transport_errors", json!(self.transport_errors)),
            ("sites", json!(self.sites)),
            ("seconds", json!(self.seconds)),
            ("workers", json!(self.workers)),
            ("public_workers", json!(self.public_workers)),
            ("db_pool_size", json!(self.db_pool_size)),
            ("elapsed_s", json!(self.elapsed_s)),
            ("load_average_start", json!(self.load_average_start)),
            ("load_average_end", json!(self.load_average_end)),
        ];
        let value: Map<String, Value> = pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    /// What went wrong, as opposed to what was slow: lost or unaccounted writes, broken rules,
    /// server errors, failed requests, or a figure without data. `maskportal-simulate` exits
    /// non-zero when there is any, so a short run in CI guards correctness without timing anything.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let (acknowledged, i) = (self.integrity.acknowledged_sales, &self.integrity.database);
        if acknowledged as i64 != i.recorded_sales {
            problems.push(format!("{} sales acknowledged but {} recorded", acknowledged, i.recorded_sales));
        }
        if i.over_quota > 0 {
            problems.push(format!("{} person-weeks over the quota", i.over_quota));
        }
        if i.stock_mismatches > 0 {
            problems.push(format!("{} sites whose stock differs from their ledger", i.stock_mismatches));
        }
        if self.server_errors > 0 {
            problems.push(format!("{} server errors (5xx)", self.server_errors));
        }
        if self.transport_errors > 0 {
            problems.push(format!("{} requests failed in transport", self.transport_errors));
        }
        if self.sales_failed > 0 {
            problems.push(format!("{} sales failed in the throughput comparison", self.sales_failed));
        }
        let json: Value = serde_json::from_str(&self.to_json()).unwrap_or(Value::Null);
        for key in HEADLINE {
            if !json[key].as_f64().is_some_and(f64::is_finite) {
                problems.push(format!("no figure for {key}"));
            }
        }
        problems
    }

    /// The table printed at the end of a run.
    pub fn table(&self) -> String {
        let mut rows: Vec<[String; 5]> = Vec::new();
        let mut row = |figure: &str, value: String, baseline: String, ratio: String, bar: String| {
            rows.push([figure.to_owned(), value, baseline, ratio, bar]);
        };
        let (quiet, flood) = (&self.counter_quiet, &self.counter_flood);
        row(
            "counter sale p50 / p99, no public load",
            format!("{} / {} ms", ms(quiet.p50_ms), ms(quiet.p99_ms)),
            format!("n={}", quiet.count),
            String::new(),
            String::new(),
        );
        row(
            &format!("  … under a read flood (c={}, {:.0} req/s)", self.flood_concurrency, self.flood_rps),
            format!("{} / {} ms", ms(flood.p50_ms), ms(flood.p99_ms)),
            format!("n={}", flood.count),
            format!("p99 {:.2}×", self.counter_ratio()),
            verdict(self.counter_ratio(), 2.0, 1.5, Better::Lower, "≤2× (goal 1.5×)"),
        );
        let geo = &self.geo_vs_bare;
        row(
            &format!(
                "storesByGeo m=1000, city centre ({} stores, {:.1} KB, c={})",
                self.geo_stores,
                self.geo_body_bytes as f64 / 1024.0,
                self.read_concurrency
            ),
            format!("{:.0} req/s", geo.mean_a()),
            format!("bare handler {:.0} req/s", geo.mean_b()),
            ratio_with_spread(geo),
            verdict(geo.ratio(), 0.3, 0.7, Better::Higher, "≥0.3× (goal 0.7×)"),
        );
        let sales = &self.sales;
        row(
            &format!("sales over HTTP (c={})", self.sale_concurrency),
            format!("{:.0} sales/s", sales.mean_a()),
            format!("service layer {:.0} sales/s", sales.mean_b()),
            ratio_with_spread(sales),
            verdict(sales.ratio(), 0.5, 0.7, Better::Higher, "≥0.5× (goal 0.7×)"),
        );
        let across = if self.split_nodes { ", counter node → public node" } else { "" };
        for (name, upper, lower) in [
            ("publish lag sale → storesByGeo p50/p99/max", &self.lag.geo, &self.lag.geo_from_ack),
            ("publish lag sale → SSE stream p50/p99/max", &self.lag.sse, &self.lag.sse_from_ack),
        ] {
            let name = format!("{name}{across}");
            let p99 = upper.as_ref().map_or(f64::NAN, |s| s.p99_ms);
            row(
                &name,
                upper.as_ref().map_or("—".into(), |s| {
                    format!("{} / {} / {} ms", ms(s.p50_ms), ms(s.p99_ms), ms(s.max_ms))
                }),
                format!("p99 from ack {} ms", ms(lower.as_ref().map_or(f64::NAN, |s| s.p99_ms))),
                format!("n={}", self.lag.samples),
                verdict(p99, 1000.0, 10.0, Better::Lower, "p99 ≤1 s (goal 10 ms)"),
            );
        }
        row(
            "stale status (claims plenty/some/few at 0–1)",
            format!("{:.3} %", self.stale_rate() * 100.0),
            format!("upper bound {:.3} %", self.stale_rate_upper() * 100.0),
            format!("{} of {}", self.morning.stale_strict, self.morning.stale_claims),
            verdict(self.stale_rate(), 0.01, 0.001, Better::Lower, "≤1 % (goal 0.1 %)"),
        );
        if let (Some(first), Some(last)) = (self.board.first(), self.board.last()) {
            let list = |pick: fn(&BoardFigure) -> (f64, usize)| {
                self.board
                    .iter()
                    .map(|f| {
                        let (us, stores) = pick(f);
                        format!("{}: {us:.1} µs ({stores})", thousands(f.sites))
                    })
                    .collect::<Vec<_>>()
                    .join(" · ")
            };
            let growth = last.p50_us_m1000 / first.p50_us_m1000;
            row(
                "storesByGeo p50, board alone, m=1000 (stores)",
                list(|f| (f.p50_us_m1000, f.stores_m1000)),
                String::new(),
                format!("{growth:.1}×"),
                verdict(growth, 2.0, 2.0, Better::Lower, "≤2× from 1k to 270k"),
            );
            let growth = last.p50_us_same_answer / first.p50_us_same_answer;
            row(
                "  … same answer size, radius adjusted",
                list(|f| (f.p50_us_same_answer, f.stores_same_answer)),
                String::new(),
                format!("{growth:.1}×"),
                verdict(growth, 2.0, 2.0, Better::Lower, "≤2×"),
            );
        }
        row(
            &format!("peak RSS, {} sites loaded (whole process)", thousands(self.sites)),
            format!("{:.0} MB", self.peak_rss_mb),
            format!("now {:.0} MB", self.rss_mb),
            String::new(),
            verdict(self.peak_rss_mb, 150.0, 150.0, Better::Lower, "≤150 MB"),
        );
        let m = &self.morning;
        let refusals: Vec<String> = m
            .outcomes
            .iter()
            .filter(|(name, _)| name.as_str() != "sold")
            .map(|(name, count)| format!("{name} {count}"))
            .collect();
        row(
            &format!(
                "launch morning: {} clerks, {:.0} buyers/s, {:.0} reads/s",
                m.clerks, m.buyers_per_second, m.reads_per_second
            ),
            format!("{} sales", m.sales),
            format!("sale p50/p99 {} / {} ms", ms(m.sale.p50_ms), ms(m.sale.p99_ms)),
            format!("{} reads, p99 {} ms", m.reads, ms(m.read.p99_ms)),
            String::new(),
        );
        row("  … other answers", refusals.join(", "), String::new(), String::new(), String::new());
        let (acknowledged, i) = (self.integrity.acknowledged_sales, &self.integrity.database);
        let clean = acknowledged as i64 == i.recorded_sales
            && i.over_quota == 0
            && i.stock_mismatches == 0
            && self.server_errors == 0;
        row(
            "integrity: acknowledged = recorded sales",
            format!("{} = {}", acknowledged, i.recorded_sales),
            format!("over quota {}, stock ≠ ledger {}", i.over_quota, i.stock_mismatches),
            format!("5xx {}, transport errors {}", self.server_errors, self.transport_errors),
            if clean { "✓ all zero".into() } else { "✗ MISSED".into() },
        );

        let widths: Vec<usize> =
            (0..5).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nmaskportal-simulate · {} · {} sites · {:.0} s morning · {} · pool {} · load {:.2} → {:.2} · {:.0} s",
            match self.backend {
                Backend::Sqlite => "SQLite",
                Backend::Postgres => "PostgreSQL",
            },
            thousands(self.sites),
            self.seconds,
            if self.split_nodes {
                format!("a counter node and a public node, {} workers each", self.workers)
            } else {
                format!("workers {} + {} public", self.workers, self.public_workers)
            },
            self.db_pool_size,
            self.load_average_start,
            self.load_average_end,
            self.elapsed_s,
        );
        let header = ["figure", "measured", "baseline / detail", "ratio", "bar (goal)"];
        let line = |out: &mut String, cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
                .collect();
            let _ = writeln!(out, "{}", padded.join(" │ ").trim_end());
        };
        line(&mut out, &header.map(String::from));
        let _ = writeln!(out, "{}", widths.iter().map(|w| "─".repeat(*w)).collect::<Vec<_>>().join("─┼─"));
        for r in &rows {
            line(&mut out, r);
        }
        out
    }
}

#[derive(Clone, Copy)]
enum Better {
    Lower,
    Higher,
}

/// `✓ goal`, `✓ bar` or `✗ MISSED`, then the bar's text.
fn verdict(value: f64, bar: f64, goal: f64, better: Better, text: &str) -> String {
    let within = |limit: f64| match better {
        Better::Lower => value <= limit,
        Better::Higher => value >= limit,
    };
    let mark = if value.is_nan() {
        "? no data"
    } else if within(goal) {
        "✓ goal"
    } else if within(bar) {
        "✓ bar"
    } else {
        "✗ MISSED"
    };
    format!("{mark}: {text}")
}

fn ratio_with_spread(ab: &Ab) -> String {
    let (low, high) = ab.spread();
    format!("{:.2}× ({low:.2}–{high:.2})", ab.ratio())
}

fn ms(value: f64) -> String {
    if value.is_nan() {
        "—".into()
    } else if value < 10.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.0}")
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_compare_with_the_bar_and_the_goal() {
        assert!(verdict(1.2, 2.0, 1.5, Better::Lower, "").starts_with("✓ goal"));
        assert!(verdict(1.8, 2.0, 1.5, Better::Lower, "").starts_with("✓ bar"));
        assert!(verdict(2.5, 2.0, 1.5, Better::Lower, "").starts_with("✗"));
        assert!(verdict(0.4, 0.3, 0.7, Better::Higher, "").starts_with("✓ bar"));
        assert!(verdict(f64::NAN, 0.3, 0.7, Better::Higher, "").starts_with("?"));
    }

    #[test]
    fn numbers_read_easily() {
        assert_eq!(thousands(270_000), "270,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(ms(4.567), "4.57");
        assert_eq!(ms(123.4), "123");
    }

    #[test]
    fn ratios_use_every_round() {
        let ab = Ab { a: vec![10.0, 30.0], b: vec![20.0, 20.0] };
        assert_eq!(ab.ratio(), 1.0);
        assert_eq!(ab.spread(), (0.5, 1.5));
    }
}
