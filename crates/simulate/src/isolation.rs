//! `--isolation`: how much a saturating open-API read flood slows the counter on one machine,
//! with the real binary in its default configuration: one `maskportal serve` process, or with
//! `--split-nodes` a counter node and a public node side by side. Clerks serve buyers at the
//! counter throughout; in alternating rounds nothing else happens (quiet), or a separate flood
//! process reads storesByGeo back to back on `--read-concurrency` connections, either at the
//! lowest CPU priority (nice 19, as if it ran on another machine) or at normal priority.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use maskportal::domain::clock::Clock;

use crate::clerk::{self, Session};
use crate::client::Conn;
use crate::cluster::{city_centre_query, Launcher, Nodes};
use crate::progress::Progress;
use crate::stats::{self, Summary};
use crate::truth::Truth;
use crate::{
    audit, launch_morning, load_runtime, seed, simulation_config, warm_up, Ctx, Integrity, Label, Opts,
    ROUNDS,
};

/// Enough stock that no clerk runs out.
const PLENTY: i64 = 500_000;

/// The kinds of round, in the order they alternate: the flood client's niceness, if any.
const KINDS: [(Label, Option<i32>); 3] =
    [(Label::Quiet, None), (Label::Flood, Some(19)), (Label::FloodAtNormalPriority, Some(0))];

fn kind_name(label: Label) -> &'static str {
    match label {
        Label::Flood => "flood_client_nice_19",
        Label::FloodAtNormalPriority => "flood_client_normal_priority",
        _ => "quiet",
    }
}

/// The figures of an isolation run.
#[derive(Debug, Default, Serialize)]
pub struct IsolationReport {
    /// What served: one `serve` process, or a counter node and a public node (`--split-nodes`).
    pub service: &'static str,
    pub backend: &'static str,
    pub sites: usize,
    pub clerks: usize,
    pub buyers_per_second: f64,
    pub flood_connections: usize,
    pub round_seconds: f64,
    pub rounds_of_each: usize,
    /// Counter sale round trips, by kind of round.
    pub sale: BTreeMap<&'static str, Option<Summary>>,
    /// storesByGeo answers per second in the flood rounds.
    pub reads_per_second: BTreeMap<&'static str, f64>,
    /// The mean storesByGeo answer.
    pub flood_answer_bytes: u64,
    /// Flood answers other than 200 and 5xx.
    pub refused_reads: u64,
    pub server_errors: u64,
    pub integrity: Integrity,
    pub load_average_start: f64,
    pub load_average_end: f64,
    pub elapsed_s: f64,
}

impl IsolationReport {
    fn p99(&self, kind: &str) -> Option<f64> {
        self.sale.get(kind).and_then(Option::as_ref).map(|s| s.p99_ms)
    }

    pub fn table(&self) -> String {
        let line = |label: Label| {
            let kind = kind_name(label);
            let summary = self.sale.get(kind).and_then(Option::as_ref).map_or("no data".to_owned(), |s| {
                format!("{:.2} / {:.2} / {:.1} ({} samples)", s.p50_ms, s.p99_ms, s.max_ms, s.count)
            });
            let ratio = match (self.p99(kind), self.p99("quiet")) {
                (Some(flood), Some(quiet)) if label != Label::Quiet => {
                    format!(" → p99 {:.2}× quiet", flood / quiet)
                }
                _ => String::new(),
            };
            let reads =
                self.reads_per_second.get(kind).map_or(String::new(), |r| format!(", {r:.0} reads/s"));
            format!("  {}: {summary}{ratio}{reads}", kind.replace('_', " "))
        };
        let i = &self.integrity;
        [
            format!(
                "{} in its default configuration, {}: {} sites, {} clerks at {:.0} buyers/s, a flood of {} \
                 connections ({} B answers); {} rounds of each kind, {:.0} s each",
                self.service,
                self.backend,
                self.sites,
                self.clerks,
                self.buyers_per_second,
                self.flood_connections,
                self.flood_answer_bytes,
                self.rounds_of_each,
                self.round_seconds
            ),
            "counter sale p50 / p99 / max (ms):".to_owned(),
            line(Label::Quiet),
            line(Label::Flood),
            line(Label::FloodAtNormalPriority),
            format!(
                "acknowledged = recorded sales · over quota · stock≠ledger · 5xx: {} = {} · {} · {} · {}",
                i.acknowledged_sales,
                i.database.recorded_sales,
                i.database.over_quota,
                i.database.stock_mismatches,
                self.server_errors
            ),
            format!(
                "load average {:.1} → {:.1}; run time {:.0} s",
                self.load_average_start, self.load_average_end, self.elapsed_s
            ),
        ]
        .join("\n")
    }

    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.integrity.problems();
        if self.server_errors > 0 {
            problems.push(format!("{} answers were 5xx", self.server_errors));
        }
        if self.refused_reads > 0 {
            problems.push(format!("{} flood reads were refused", self.refused_reads));
        }
        for (label, _) in KINDS {
            if self.p99(kind_name(label)).is_none() {
                problems.push(format!("no sale was timed in the {} rounds", kind_name(label)));
            }
        }
        problems
    }
}

/// What a flood process reports on its standard output when it ends.
#[derive(Debug, Serialize, Deserialize)]
struct FloodCount {
    /// 200s after the warm-up, and the seconds they took.
    reads: u64,
    /// Their bodies.
    bytes: u64,
    seconds: f64,
    /// Answers neither 200 nor 5xx (a 429 would mean the flood was not a flood of reads).
    refused: u64,
    server_errors: u64,
}

/// The flood process (`--flood ADDR`): reads storesByGeo back to back on `connections`
/// connections for `seconds`, then prints what it counted as JSON.
pub fn flood_only(addr: SocketAddr, key: &str, connections: usize, seconds: f64) -> anyhow::Result<()> {
    let round = Duration::from_secs_f64(seconds);
    let runtime = load_runtime()?;
    let count = runtime.block_on(async {
        let started = Instant::now();
        let (measure_from, until) = (started + warm_up(round), started + round);
        let tasks: Vec<_> = (0..connections)
            .map(|c| {
                let key = key.to_owned();
                tokio::spawn(async move {
                    let mut rng = StdRng::seed_from_u64(c as u64);
                    let mut conn = Conn::new(addr);
                    let (mut reads, mut bytes, mut refused, mut server_errors) = (0, 0, 0, 0);
                    while Instant::now() < until {
                        match conn.get(&city_centre_query(&mut rng), &[("x-api-key", key.as_str())]).await {
                            Ok(reply) if reply.status >= 500 => server_errors += 1,
                            Ok(reply) if reply.status != 200 => refused += 1,
                            Ok(reply) if Instant::now() >= measure_from => {
                                reads += 1;
                                bytes += reply.body.len() as u64;
                            }
                            Ok(_) => {}
                            Err(_) => {
                                conn = Conn::new(addr);
                                tokio::time::sleep(Duration::from_millis(10)).await;
                            }
                        }
                    }
                    (reads, bytes, refused, server_errors)
                })
            })
            .collect();
        let seconds = (until - measure_from).as_secs_f64();
        let mut count = FloodCount { reads: 0, bytes: 0, seconds, refused: 0, server_errors: 0 };
        for task in tasks {
            let (reads, bytes, refused, server_errors) = task.await?;
            count.reads += reads;
            count.bytes += bytes;
            count.refused += refused;
            count.server_errors += server_errors;
        }
        Ok::<_, anyhow::Error>(count)
    })?;
    println!("{}", serde_json::to_string(&count)?);
    Ok(())
}

/// Starts this executable as a flood process at niceness `nice` for one round.
fn start_flood(ctx: &Ctx, opts: &Opts, nice: i32, round: Duration) -> anyhow::Result<std::process::Child> {
    let exe = std::env::current_exe()?;
    Command::new("nice")
        .arg("-n")
        .arg(nice.to_string())
        .arg(exe)
        .arg("--flood")
        .arg(ctx.public.to_string())
        .arg("--flood-key")
        .arg(&ctx.api_key)
        .arg("--read-concurrency")
        .arg(opts.read_concurrency.to_string())
        .arg("--seconds")
        .arg(round.as_secs_f64().to_string())
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot start the flood process (is `nice` on the PATH?)")
}

async fn flood_count(child: std::process::Child) -> anyhow::Result<FloodCount> {
    let output = tokio::task::spawn_blocking(move || child.wait_with_output()).await??;
    anyhow::ensure!(output.status.success(), "the flood process failed: {}", output.status);
    serde_json::from_slice(&output.stdout).context("the flood process's count")
}

/// Runs the isolation benchmark and returns its figures.
pub fn run(opts: &Opts, vars: &std::collections::HashMap<String, String>) -> anyhow::Result<IsolationReport> {
    anyhow::ensure!(opts.read_concurrency >= 1, "--read-concurrency must be at least 1");
    let started = Instant::now();
    let load_average_start = stats::load_average();
    let scratch = crate::scratch::Scratch::create(opts.database.as_deref())?;
    let postgres = scratch.url_text.starts_with("postgres");
    let config = simulation_config(vars, &scratch)?;
    let clock = Clock::starting_at(launch_morning());
    let round = Duration::from_secs_f64(opts.seconds / (KINDS.len() * ROUNDS) as f64);
    let progress = Progress::new(round * (KINDS.len() * ROUNDS) as u32);
    progress.step(&format!("seeding {} sites and {} clerks", opts.sites, opts.clerks.min(opts.sites / 2)));
    let seeded = seed(&config, &clock, opts)?;
    let runtime = load_runtime()?;
    let mut report = runtime.block_on(async {
        let launcher = Launcher::new(opts, &scratch.url_text, scratch.dir.path())?;
        let (nodes, service) = if opts.split_nodes {
            (launcher.start(1, 1).await?, "a counter node and a public node")
        } else {
            progress.step("starting maskportal serve");
            let nodes = Nodes { counters: vec![launcher.spawn("all", 0)?], publics: Vec::new() };
            launcher.all_ready(&nodes).await?;
            (nodes, "one maskportal serve process")
        };
        let counter = nodes.counters[0].addr;
        let public = nodes.publics.first().map_or(counter, |node| node.addr);
        let ctx = Arc::new(Ctx::new(counter, public, &seeded, Truth::new(std::iter::empty()), progress));
        ctx.progress.step(&format!("signing in {} clerks", seeded.clerks.len()));
        let clerks: Vec<Session> = clerk::sign_in_all(&seeded.clerks, &[counter]).await?;
        let until = Instant::now() + round * (KINDS.len() * ROUNDS) as u32 + Duration::from_secs(1);
        let workers =
            clerk::open_counters(&ctx, &clerks, PLENTY, opts.buyers_per_second, until, opts.seed).await?;

        let mut report = IsolationReport {
            service,
            backend: if postgres { "PostgreSQL" } else { "SQLite" },
            sites: seeded.directory_len,
            clerks: clerks.len(),
            buyers_per_second: opts.buyers_per_second,
            flood_connections: opts.read_concurrency,
            round_seconds: round.as_secs_f64(),
            rounds_of_each: ROUNDS,
            ..IsolationReport::default()
        };
        let mut reads: BTreeMap<&str, (u64, f64)> = BTreeMap::new();
        for n in 0..KINDS.len() * ROUNDS {
            let (label, nice) = KINDS[n % KINDS.len()];
            ctx.progress.phase(kind_name(label), round * u32::try_from(n).unwrap_or(0), round);
            let flood = nice.map(|nice| start_flood(&ctx, opts, nice, round)).transpose()?;
            let round_end = Instant::now() + round;
            tokio::time::sleep(warm_up(round)).await;
            ctx.set_label(label);
            tokio::time::sleep_until(round_end.into()).await;
            ctx.set_label(Label::None);
            if let Some(child) = flood {
                let count = flood_count(child).await?;
                let entry = reads.entry(kind_name(label)).or_default();
                entry.0 += count.reads;
                entry.1 += count.seconds;
                report.flood_answer_bytes = count.bytes / count.reads.max(1);
                report.server_errors += count.server_errors;
                report.refused_reads += count.refused;
            }
        }
        for worker in workers {
            worker.await?;
        }
        ctx.progress.step("auditing the database");
        report.integrity = audit(&config, &clerks, ctx.acknowledged_sales.load(Ordering::Relaxed)).await?;
        report.server_errors += ctx.server_errors.load(Ordering::Relaxed);
        drop(nodes);
        for (label, _) in KINDS {
            let mut sales = ctx.take_sale_latency(label);
            report.sale.insert(kind_name(label), (!sales.is_empty()).then(|| Summary::of(&mut sales)));
        }
        for (kind, (count, seconds)) in reads {
            report.reads_per_second.insert(kind, count as f64 / seconds);
        }
        ctx.progress.finish();
        Ok::<_, anyhow::Error>(report)
    })?;
    drop(runtime);
    report.load_average_start = load_average_start;
    report.load_average_end = stats::load_average();
    report.elapsed_s = started.elapsed().as_secs_f64();
    Ok(report)
}
