//! `--counter-nodes N --public-nodes M`: the real `maskportal` binary as separate processes on
//! one PostgreSQL database. Clerks sell at the counter nodes (signed in round robin) while map
//! apps read the public nodes: first quiet, then under a read flood of every public node, then
//! with one public node SIGKILLed in the middle of the flood. A probe sells at a counter node and
//! times how long each live public node's event stream takes to show the sale.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::distr::{Alphanumeric, SampleString};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use tokio::sync::mpsc;

use maskportal::domain::clock::Clock;

use crate::clerk::{self, Session, Terminal};
use crate::client::{Conn, EventStream};
use crate::progress::Progress;
use crate::stats::{Samples, Summary};
use crate::truth::Truth;
use crate::{
    audit, launch_morning, load_runtime, seed, simulation_config, Ctx, Integrity, Label, Opts, CITY_CENTRE,
};

/// Enough stock that no clerk runs out.
const PLENTY: i64 = 500_000;
/// A probe sale not seen on a public node within this counts as seen at it.
const LAG_TIMEOUT: Duration = Duration::from_secs(2);

/// The phases, in order; each runs a third of `--seconds`.
const PHASES: [Label; 3] = [Label::Quiet, Label::Flood, Label::AfterKill];

/// The figures of a multi-node run.
#[derive(Debug, Default, serde::Serialize)]
pub struct ClusterReport {
    pub counter_nodes: usize,
    pub public_nodes: usize,
    pub sites: usize,
    pub seconds_per_phase: f64,
    /// Sale acknowledged at a counter node → the sale on each live public node's SSE stream.
    pub lag: HashMap<&'static str, Option<Summary>>,
    pub lag_all: Option<Summary>,
    pub lag_timeouts: usize,
    /// Counter sale round trips.
    pub sale: HashMap<&'static str, Option<Summary>>,
    /// Open-API reads answered per second, by phase, of the public nodes together.
    pub reads_per_second: HashMap<&'static str, f64>,
    /// What the kill did: reads the killed node failed, and the survivors' reads and failures.
    pub killed_node_failed_reads: u64,
    pub survivor_reads_after_kill: u64,
    pub survivor_failed_reads_after_kill: u64,
    pub server_errors: u64,
    pub integrity: Integrity,
    pub elapsed_s: f64,
}

impl ClusterReport {
    fn ratio(&self, phase: &str) -> Option<f64> {
        let p99 = |name: &str| self.sale.get(name).and_then(|s| s.as_ref()).map(|s| s.p99_ms);
        Some(p99(phase)? / p99("quiet")?)
    }

    pub fn table(&self) -> String {
        let summary = |s: Option<&Summary>| {
            s.map_or("no data".to_owned(), |s| {
                format!("{:.2} / {:.2} / {:.1} ({} samples)", s.p50_ms, s.p99_ms, s.max_ms, s.count)
            })
        };
        let phase = |map: &HashMap<&str, Option<Summary>>, name: &str| {
            summary(map.get(name).and_then(Option::as_ref))
        };
        let ratio = |name| self.ratio(name).map_or("-".to_owned(), |r| format!("{r:.2}×"));
        let reads = |name| self.reads_per_second.get(name).copied().unwrap_or(0.0);
        let i = &self.integrity;
        [
            format!(
                "{} counter node(s), {} public node(s), {} sites, {:.0} s per phase, PostgreSQL",
                self.counter_nodes, self.public_nodes, self.sites, self.seconds_per_phase
            ),
            format!("cross-node lag p50 / p99 / max (ms), all phases: {}", summary(self.lag_all.as_ref())),
            format!("  quiet: {}", phase(&self.lag, "quiet")),
            format!("  flood: {}", phase(&self.lag, "flood")),
            format!("  after the kill: {}", phase(&self.lag, "after_kill")),
            format!("  not seen within 2 s: {}", self.lag_timeouts),
            format!("counter sale p50 / p99 / max (ms), quiet: {}", phase(&self.sale, "quiet")),
            format!("  under the read flood: {} → p99 {}", phase(&self.sale, "flood"), ratio("flood")),
            format!(
                "  after a public node was killed: {} → p99 {}",
                phase(&self.sale, "after_kill"),
                ratio("after_kill")
            ),
            format!(
                "open-API reads/s: quiet {:.0} · flood {:.0} · after the kill {:.0}",
                reads("quiet"),
                reads("flood"),
                reads("after_kill")
            ),
            format!(
                "the kill: the killed node failed {} reads; the survivors served {} and failed {}",
                self.killed_node_failed_reads,
                self.survivor_reads_after_kill,
                self.survivor_failed_reads_after_kill
            ),
            format!(
                "acknowledged = recorded sales · over quota · stock≠ledger · 5xx: {} = {} · {} · {} · {}",
                i.acknowledged_sales,
                i.database.recorded_sales,
                i.database.over_quota,
                i.database.stock_mismatches,
                self.server_errors
            ),
            format!("run time: {:.0} s", self.elapsed_s),
        ]
        .join("\n")
    }

    pub fn problems(&self) -> Vec<String> {
        let mut problems = self.integrity.problems();
        if self.server_errors > 0 {
            problems.push(format!("{} answers were 5xx", self.server_errors));
        }
        if self.survivor_failed_reads_after_kill > 0 || self.survivor_reads_after_kill == 0 {
            problems.push("the surviving public nodes did not serve every read after the kill".to_owned());
        }
        if self.lag_all.is_none() {
            problems.push("no cross-node lag was measured".to_owned());
        }
        problems
    }
}

/// One `maskportal serve` process.
pub struct Node {
    pub addr: SocketAddr,
    pub child: Child,
}

/// Every node of the run; dropping it kills those still running.
#[derive(Default)]
pub struct Nodes {
    pub counters: Vec<Node>,
    pub publics: Vec<Node>,
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for node in self.counters.iter_mut().chain(&mut self.publics) {
            let _ = node.child.kill();
            let _ = node.child.wait();
        }
    }
}

/// The binary to start: `--maskportal-bin`, else `maskportal` beside this executable (cargo
/// builds both into the same target directory).
fn binary(opts: &Opts) -> anyhow::Result<PathBuf> {
    let path = match &opts.maskportal_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("maskportal"),
    };
    anyhow::ensure!(
        path.is_file(),
        "{} not found: build it (cargo build --release) or pass --maskportal-bin",
        path.display()
    );
    Ok(path)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `maskportal serve` processes on one database with shared secrets and the
/// launch-morning clock, each in its default configuration but for the open API's per-address
/// limit (the simulated map apps all come from loopback).
pub struct Launcher {
    bin: PathBuf,
    database_url: String,
    logs: PathBuf,
    jwt: String,
    id_key: String,
    clock: String,
}

impl Launcher {
    pub fn new(opts: &Opts, database_url: &str, logs: &Path) -> anyhow::Result<Self> {
        let mut rng = rand::rng();
        Ok(Self {
            bin: binary(opts)?,
            database_url: database_url.to_owned(),
            logs: logs.to_owned(),
            jwt: Alphanumeric.sample_string(&mut rng, 48),
            id_key: Alphanumeric.sample_string(&mut rng, 48),
            clock: launch_morning().to_rfc3339(),
        })
    }

    /// Starts node `n` of `role`, logging to the scratch directory, without waiting for it.
    pub fn spawn(&self, role: &str, n: usize) -> anyhow::Result<Node> {
        let port = free_port()?;
        let log = std::fs::File::create(self.logs.join(format!("{role}-{n}.log")))?;
        let mut command = Command::new(&self.bin);
        for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("MASKPORTAL_")) {
            command.env_remove(name);
        }
        let child = command
            .args(["serve", "--role", role])
            .env("DATABASE_URL", &self.database_url)
            .env("MASKPORTAL_BIND", format!("127.0.0.1:{port}"))
            .env("MASKPORTAL_JWT_SECRET", &self.jwt)
            .env("MASKPORTAL_ID_KEY", &self.id_key)
            .env("MASKPORTAL_CLOCK", &self.clock)
            .env("MASKPORTAL_LOOKUPS_PER_MINUTE", "100000")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start {}", self.bin.display()))?;
        Ok(Node { addr: SocketAddr::from(([127, 0, 0, 1], port)), child })
    }

    /// Starts `counters` counter nodes and `publics` public nodes and waits until each is ready.
    pub async fn start(&self, counters: usize, publics: usize) -> anyhow::Result<Nodes> {
        let mut nodes = Nodes::default();
        // The first node records the key check values; the rest start beside it.
        nodes.counters.push(self.spawn("counter", 0)?);
        ready(&nodes.counters[0].addr).await?;
        for n in 1..counters {
            nodes.counters.push(self.spawn("counter", n)?);
        }
        for n in 0..publics {
            nodes.publics.push(self.spawn("public", n)?);
        }
        self.all_ready(&nodes).await?;
        Ok(nodes)
    }

    pub async fn all_ready(&self, nodes: &Nodes) -> anyhow::Result<()> {
        for node in nodes.counters.iter().chain(&nodes.publics) {
            ready(&node.addr)
                .await
                .with_context(|| format!("see the node logs in {}", self.logs.display()))?;
        }
        Ok(())
    }
}

async fn ready(addr: &SocketAddr) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut conn = Conn::new(*addr);
    while Instant::now() < deadline {
        if matches!(conn.get("/readyz", &[]).await, Ok(reply) if reply.status == 200) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the node at {addr} was not ready within 30 s")
}

fn phase_name(label: Label) -> &'static str {
    match label {
        Label::Flood => "flood",
        Label::AfterKill => "after_kill",
        _ => "quiet",
    }
}

/// Reads answered and failed, per public node and phase.
#[derive(Default)]
struct ReadCounts {
    ok: Mutex<HashMap<(usize, &'static str), u64>>,
    failed: Mutex<HashMap<(usize, &'static str), u64>>,
}

impl ReadCounts {
    fn add(map: &Mutex<HashMap<(usize, &'static str), u64>>, node: usize, label: Label) {
        *map.lock().unwrap_or_else(|p| p.into_inner()).entry((node, phase_name(label))).or_default() += 1;
    }

    fn sum(map: &Mutex<HashMap<(usize, &'static str), u64>>, keep: impl Fn(usize, &str) -> bool) -> u64 {
        map.lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|((n, p), _)| keep(*n, p))
            .map(|(_, v)| v)
            .sum()
    }
}

/// A map app reading storesByGeo around the city centre back to back, during the flood phases.
async fn flood(
    ctx: Arc<Ctx>,
    node: usize,
    addr: SocketAddr,
    counts: Arc<ReadCounts>,
    until: Instant,
    seed: u64,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut conn = Conn::new(addr);
    while Instant::now() < until {
        let label = ctx.label();
        if !matches!(label, Label::Flood | Label::AfterKill) {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        match conn.get(&city_centre_query(&mut rng), &ctx.key_header()).await {
            Ok(reply) => {
                ctx.status(reply.status);
                ReadCounts::add(&counts.ok, node, label);
            }
            Err(_) => {
                ReadCounts::add(&counts.failed, node, label);
                conn = Conn::new(addr);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// A map app's storesByGeo around the city centre (1 km, ~345 stores at 27k sites).
pub fn city_centre_query(rng: &mut impl Rng) -> String {
    let (lat, lng) = CITY_CENTRE;
    format!(
        "/corona19-masks/v1/storesByGeo/json?lat={:.6}&lng={:.6}&m=1000",
        lat + rng.random_range(-0.01..0.01),
        lng + rng.random_range(-0.01..0.01)
    )
}

#[derive(Deserialize)]
struct StreamedStore {
    code: String,
    remaining: Option<i64>,
}

/// Follows one public node's event stream, passing on the probe site's `remaining` values.
async fn follow(
    addr: SocketAddr,
    node: usize,
    code: String,
    key: String,
    seen: mpsc::UnboundedSender<(usize, Instant, i64)>,
) {
    let Ok(mut stream) = EventStream::open(addr, "/v2/stream", &[("x-api-key", key.as_str())]).await else {
        return;
    };
    let needle = format!("\"code\":\"{code}\"");
    while let Ok(Some(event)) = stream.next_event().await {
        let at = Instant::now();
        if !event.data.contains(&needle) {
            continue;
        }
        if let Ok(StreamedStore { code: c, remaining: Some(remaining) }) = serde_json::from_str(&event.data) {
            if c == code && seen.send((node, at, remaining)).is_err() {
                return;
            }
        }
    }
}

/// Cross-node lag samples by phase, and the probe sales never seen in time.
#[derive(Default)]
struct LagSamples {
    by_phase: HashMap<&'static str, Samples>,
    timeouts: usize,
}

/// The probe: sells one mask at a counter node, then waits until every live public node's
/// stream shows it; delivers it back, waits for that too, and pauses 20–80 ms.
async fn probe(
    ctx: Arc<Ctx>,
    mut terminal: Terminal,
    publics: Vec<SocketAddr>,
    live: Arc<AtomicU8>,
    until: Instant,
) -> LagSamples {
    let (tx, mut seen) = mpsc::unbounded_channel();
    let followers: Vec<_> = publics
        .iter()
        .enumerate()
        .map(|(n, addr)| {
            tokio::spawn(follow(
                *addr,
                n,
                terminal.session.site.code.clone(),
                ctx.api_key.clone(),
                tx.clone(),
            ))
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(7);
    let mut lag = LagSamples::default();
    // Nodes below `live` have been killed.
    let is_live = |n: usize| n >= usize::from(live.load(Ordering::Relaxed));
    while Instant::now() + Duration::from_millis(100) < until {
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..80))).await;
        while seen.try_recv().is_ok() {}
        let label = ctx.label();
        let Some(acked) = terminal.sell(&ctx, &ctx.people.new_buyer(), 1, None).await else { continue };
        let target = terminal.on_hand;
        let mut waiting: Vec<usize> = (0..publics.len()).filter(|&n| is_live(n)).collect();
        let deadline = acked + LAG_TIMEOUT;
        while !waiting.is_empty() {
            match tokio::time::timeout_at(deadline.into(), seen.recv()).await {
                Ok(Some((node, at, remaining))) if remaining == target => {
                    if let Some(i) = waiting.iter().position(|&n| n == node) {
                        waiting.remove(i);
                        if label == ctx.label() && label != Label::None {
                            lag.by_phase
                                .entry(phase_name(label))
                                .or_default()
                                .push(at.saturating_duration_since(acked));
                        }
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => {
                    lag.timeouts += waiting.iter().filter(|&&n| is_live(n)).count();
                    break;
                }
            }
        }
        if terminal.deliver(&ctx, 1).await.is_err() {
            tracing::warn!("the probe's delivery failed");
        }
    }
    for follower in followers {
        follower.abort();
    }
    lag
}

/// Runs the multi-node simulation and returns its figures.
pub fn run(opts: &Opts, vars: &HashMap<String, String>) -> anyhow::Result<ClusterReport> {
    anyhow::ensure!(
        opts.database.is_some(),
        "--counter-nodes needs --database postgres://… (nodes share one database)"
    );
    anyhow::ensure!(
        opts.public_nodes >= 2,
        "--public-nodes must be at least 2: one is killed, the others serve on"
    );
    let started = Instant::now();
    let scratch = crate::scratch::Scratch::create(opts.database.as_deref())?;
    anyhow::ensure!(scratch.url_text.starts_with("postgres"), "--counter-nodes runs on PostgreSQL only");
    let config = simulation_config(vars, &scratch)?;
    let clock = Clock::starting_at(launch_morning());
    let phase = Duration::from_secs_f64(opts.seconds / 3.0);
    let progress = Progress::new(phase * 3);
    progress.step(&format!("seeding {} sites and {} clerks", opts.sites, opts.clerks.min(opts.sites / 2)));
    let seeded = seed(&config, &clock, opts)?;
    let runtime = load_runtime()?;
    let report = runtime.block_on(async {
        progress
            .step(&format!("starting {} counter and {} public nodes", opts.counter_nodes, opts.public_nodes));
        let launcher = Launcher::new(opts, &scratch.url_text, scratch.dir.path())?;
        let mut nodes = launcher.start(opts.counter_nodes, opts.public_nodes).await?;
        let counters: Vec<SocketAddr> = nodes.counters.iter().map(|n| n.addr).collect();
        let publics: Vec<SocketAddr> = nodes.publics.iter().map(|n| n.addr).collect();
        let ctx =
            Arc::new(Ctx::new(counters[0], publics[0], &seeded, Truth::new(std::iter::empty()), progress));
        ctx.progress.step(&format!("signing in {} clerks", seeded.clerks.len() + 1));
        let clerks: Vec<Session> = clerk::sign_in_all(&seeded.clerks, &counters).await?;
        let probe_session =
            clerk::sign_in_all(std::slice::from_ref(&seeded.probe), &counters).await?.remove(0);
        let until = Instant::now() + phase * 3 + Duration::from_secs(1);
        let workers =
            clerk::open_counters(&ctx, &clerks, PLENTY, opts.buyers_per_second, until, opts.seed).await?;
        let counts = Arc::new(ReadCounts::default());
        let per_node = opts.read_concurrency.div_ceil(publics.len()).max(1);
        let mut readers = Vec::new();
        for (n, addr) in publics.iter().enumerate() {
            for c in 0..per_node {
                readers.push(tokio::spawn(flood(
                    ctx.clone(),
                    n,
                    *addr,
                    counts.clone(),
                    until,
                    opts.seed ^ ((n * 64 + c) as u64),
                )));
            }
        }
        let mut probe_terminal = Terminal::probe(probe_session.clone());
        probe_terminal.deliver(&ctx, 100).await?;
        let live = Arc::new(AtomicU8::new(0));
        let prober = tokio::spawn(probe(ctx.clone(), probe_terminal, publics.clone(), live.clone(), until));

        for (i, label) in PHASES.into_iter().enumerate() {
            if label == Label::AfterKill {
                // Public node 0 dies at once, mid-flood, as a machine would.
                nodes.publics[0].child.kill().context("SIGKILL a public node")?;
                live.store(1, Ordering::Relaxed);
            }
            ctx.progress.phase(phase_name(label), phase * u32::try_from(i).unwrap_or(0), phase);
            ctx.set_label(label);
            tokio::time::sleep(phase).await;
        }
        ctx.set_label(Label::None);
        let lag = prober.await?;
        for task in workers {
            task.await?;
        }
        for reader in readers {
            reader.await?;
        }
        ctx.progress.step("auditing the database");
        let integrity = audit(
            &config,
            clerks.iter().chain([&probe_session]),
            ctx.acknowledged_sales.load(Ordering::Relaxed),
        )
        .await?;
        drop(nodes);

        let mut report = ClusterReport {
            counter_nodes: opts.counter_nodes,
            public_nodes: opts.public_nodes,
            sites: seeded.directory_len,
            seconds_per_phase: phase.as_secs_f64(),
            lag_timeouts: lag.timeouts,
            killed_node_failed_reads: ReadCounts::sum(&counts.failed, |n, p| n == 0 && p == "after_kill"),
            survivor_reads_after_kill: ReadCounts::sum(&counts.ok, |n, p| n > 0 && p == "after_kill"),
            survivor_failed_reads_after_kill: ReadCounts::sum(&counts.failed, |n, p| {
                n > 0 && p == "after_kill"
            }),
            server_errors: ctx.server_errors.load(Ordering::Relaxed),
            integrity,
            ..ClusterReport::default()
        };
        let mut all = Samples::default();
        for label in PHASES {
            let name = phase_name(label);
            let mut samples = lag.by_phase.get(name).cloned().unwrap_or_default();
            all.extend(samples.clone());
            report.lag.insert(name, (!samples.is_empty()).then(|| Summary::of(&mut samples)));
            let mut sales = ctx.take_sale_latency(label);
            report.sale.insert(name, (!sales.is_empty()).then(|| Summary::of(&mut sales)));
            let reads = ReadCounts::sum(&counts.ok, |_, p| p == name);
            report.reads_per_second.insert(name, reads as f64 / phase.as_secs_f64());
        }
        report.lag_all = (!all.is_empty()).then(|| Summary::of(&mut all));
        ctx.progress.finish();
        Ok::<_, anyhow::Error>(report)
    });
    drop(runtime);
    let mut report = report?;
    report.elapsed_s = started.elapsed().as_secs_f64();
    Ok(report)
}
