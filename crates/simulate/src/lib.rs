//! `maskportal-simulate`: replays a launch morning against the real service, started in this
//! process on a fresh database, and measures it, each figure against a baseline run in the same
//! process (the machine is shared and noisy, so only ratios from one run compare).
//!
//! Order of a run: seed the directory and the clerks; start the service (counter port and a
//! dedicated open-API port); the launch morning (clerks, map apps, a publish-lag probe); the
//! counter quiet vs under a read flood; storesByGeo vs a bare handler; sales over HTTP vs
//! straight through the service layer; an integrity audit and peak memory; last, storesByGeo
//! on boards of several sizes (last, so that its 270k board does not count in peak memory).

mod board;
mod clerk;
mod client;
mod cluster;
mod compare;
mod isolation;
mod morning;
mod people;
mod progress;
mod report;
mod scratch;
mod stats;
mod truth;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{DateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

use maskportal::app::Application;
use maskportal::config::{Config, Role};
use maskportal::domain::account::{Password, Username};
use maskportal::domain::calendar::KST;
use maskportal::domain::clock::Clock;
use maskportal::domain::site::{DisplayText, SiteCode};
use maskportal::seed::{directory, registration};
use maskportal::services::integrity::{self, Findings};
use maskportal::services::publishing::StockEvents;
use maskportal::services::users::Membership;
use maskportal::services::{api_keys, passwords, sites, users, Operator};

use self::people::People;
use self::progress::Progress;
use self::stats::SharedSamples;
use self::truth::Truth;

pub use self::report::{Report, HEADLINE};

#[derive(Debug, Clone, clap::Args)]
pub struct Opts {
    /// Sites in the generated national directory.
    #[arg(long, default_value_t = 27_000)]
    pub sites: usize,
    /// Length of the launch morning in seconds; the comparisons after it take as long again.
    #[arg(long, default_value_t = 60.0)]
    pub seconds: f64,
    /// A PostgreSQL URL: a fresh database is made on that server and dropped afterwards.
    /// Without it, a fresh SQLite file in a temporary directory.
    #[arg(long)]
    pub database: Option<String>,
    /// Also write the figures as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Sites with a clerk at the counter (one signed-in terminal each).
    #[arg(long, default_value_t = 100)]
    pub clerks: usize,
    /// Buyers arriving per second, over all clerks (random arrivals).
    #[arg(long, default_value_t = 100.0)]
    pub buyers_per_second: f64,
    /// Map-app reads per second during the launch morning (random arrivals).
    #[arg(long, default_value_t = 500.0)]
    pub reads_per_second: f64,
    /// Connections of the read flood and of the storesByGeo-vs-bare comparison, each sending
    /// its next request as soon as the last is answered.
    #[arg(long, default_value_t = 16)]
    pub read_concurrency: usize,
    /// Clerks selling back to back in the sales-throughput comparison.
    #[arg(long, default_value_t = 8)]
    pub sale_concurrency: usize,
    /// Directory sizes at which storesByGeo is timed on the board alone.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000, 27_000, 270_000])]
    pub board_sizes: Vec<usize>,
    /// Seed of the directory and of every random choice.
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
    /// Serve from two nodes on the one database, a counter node (`--role counter`) and a
    /// public node (`--role public`), instead of one node with a dedicated open-API listener:
    /// clerks sell on one and map apps read the other, so publish lag is the lag across nodes
    /// (PostgreSQL's notifications; on SQLite, the log poll).
    #[arg(long, conflicts_with = "counter_nodes")]
    pub split_nodes: bool,
    /// Start this many counter nodes of the real binary, as separate processes on the
    /// `--database` PostgreSQL server, with `--public-nodes` public ones: clerks sell at the
    /// counter nodes, map apps flood the public nodes, one public node is killed mid-flood, and
    /// the run prints the cross-node lag and the counter's latency quiet, flooded and after the
    /// kill instead of the launch-morning table.
    #[arg(long, default_value_t = 0)]
    pub counter_nodes: usize,
    /// Public nodes for `--counter-nodes` (at least 2: one is killed).
    #[arg(long, default_value_t = 2)]
    pub public_nodes: usize,
    /// The `maskportal` binary the nodes run; by default the one beside this executable.
    #[arg(long)]
    pub maskportal_bin: Option<PathBuf>,
    /// Start the real binary in its default configuration (one `serve` process; with
    /// `--split-nodes`, a counter node and a public node) and time the counter's sales quiet and
    /// under a storesByGeo flood of `--read-concurrency` connections from a separate process at
    /// nice 19 and at normal priority, in alternating rounds over `--seconds`.
    #[arg(long, conflicts_with = "counter_nodes")]
    pub isolation: bool,
    /// Only flood this address's storesByGeo for `--seconds` and print the count (the flood
    /// process of `--isolation`).
    #[arg(long, hide = true, requires = "flood_key")]
    pub flood: Option<SocketAddr>,
    #[arg(long, hide = true)]
    pub flood_key: Option<String>,
}

impl Default for Opts {
    fn default() -> Self {
        Self {
            sites: 27_000,
            seconds: 60.0,
            database: None,
            json: None,
            clerks: 100,
            buyers_per_second: 100.0,
            reads_per_second: 500.0,
            read_concurrency: 16,
            sale_concurrency: 8,
            board_sizes: vec![1_000, 27_000, 270_000],
            seed: 2020,
            split_nodes: false,
            counter_nodes: 0,
            public_nodes: 2,
            maskportal_bin: None,
            isolation: false,
            flood: None,
            flood_key: None,
        }
    }
}

/// Gangnam-gu district office, Seoul: a dense city centre for storesByGeo.
pub const CITY_CENTRE: (f64, f64) = (37.5172, 127.0473);

/// The password every simulated clerk signs in with.
const PASSWORD: &str = "simulate-launch-morning-2020";

/// The launch of the rotation: Wednesday 11 March 2020, 09:00 in Korea.
pub fn launch_morning() -> DateTime<Utc> {
    KST.with_ymd_and_hms(2020, 3, 11, 9, 0, 0).single().map_or_else(Utc::now, |t| t.with_timezone(&Utc))
}

/// Runs the simulation on the process environment's `MASKPORTAL_*` settings, prints the table
/// and writes the JSON; fails when the report finds problems. The environment is parsed here
/// with the simulation's own database, so backend defaults (pool size) follow that database.
pub fn run(opts: &Opts) -> anyhow::Result<()> {
    let vars = std::env::vars().collect();
    if let (Some(addr), Some(key)) = (opts.flood, &opts.flood_key) {
        return isolation::flood_only(addr, key, opts.read_concurrency, opts.seconds);
    }
    if opts.isolation {
        let report = isolation::run(opts, &vars)?;
        return finish(opts, &report.table(), &serde_json::to_string_pretty(&report)?, &report.problems());
    }
    if opts.counter_nodes > 0 {
        let report = cluster::run(opts, &vars)?;
        return finish(opts, &report.table(), &serde_json::to_string_pretty(&report)?, &report.problems());
    }
    let report = simulate(opts, &vars)?;
    finish(opts, &report.table(), &report.to_json(), &report.problems())
}

/// Prints the table, writes the JSON, and fails when the run found problems.
fn finish(opts: &Opts, table: &str, json: &str, problems: &[String]) -> anyhow::Result<()> {
    println!("{table}");
    if let Some(path) = &opts.json {
        std::fs::write(path, json).with_context(|| format!("cannot write {}", path.display()))?;
        println!("figures written to {}", path.display());
    }
    anyhow::ensure!(problems.is_empty(), "the simulation found problems: {}", problems.join("; "));
    Ok(())
}

/// Runs the whole simulation and returns its figures. `vars` are `MASKPORTAL_*` settings such
/// as worker counts; the database, addresses and secrets are the simulation's own.
pub fn simulate(opts: &Opts, vars: &HashMap<String, String>) -> anyhow::Result<Report> {
    anyhow::ensure!(opts.sites >= 10, "--sites must be at least 10");
    anyhow::ensure!(opts.seconds > 0.0 && opts.seconds.is_finite(), "--seconds must be positive");
    anyhow::ensure!(opts.clerks >= 1, "--clerks must be at least 1");
    anyhow::ensure!(
        opts.read_concurrency >= 1 && opts.sale_concurrency >= 1,
        "concurrency must be at least 1"
    );
    anyhow::ensure!(opts.buyers_per_second > 0.0 && opts.reads_per_second > 0.0, "rates must be positive");
    let started = Instant::now();
    let load_before = stats::load_average();
    let plan = Plan::new(opts.seconds);
    let progress = Progress::new(plan.total());

    let scratch = scratch::Scratch::create(opts.database.as_deref())?;
    let config = simulation_config(vars, &scratch)?;
    let clock = Clock::starting_at(launch_morning());

    progress.step(&format!("seeding {} sites and {} clerks", opts.sites, opts.clerks.min(opts.sites / 2)));
    let seeded = seed(&config, &clock, opts)?;
    anyhow::ensure!(
        seeded.clerks.len() >= opts.sale_concurrency.min(opts.clerks),
        "not enough clerk sites for --sale-concurrency"
    );

    progress.step("starting the service");
    let service = Service::start(&config, &clock, opts.split_nodes)?;
    let runtime = load_runtime()?;
    let truth = Truth::new(seeded.clerks.iter().map(|c| c.code.clone()));
    let ctx = Arc::new(Ctx::new(service.main, service.public, &seeded, truth, progress));
    let outcome = runtime.block_on(drive(ctx.clone(), opts, &plan, &seeded, &service, &config, &clock));
    runtime.block_on(service.stop());
    drop(runtime);
    let mut report = outcome?;

    report.elapsed_s = started.elapsed().as_secs_f64();
    report.load_average_start = load_before;
    report.load_average_end = stats::load_average();
    ctx.progress.finish();
    drop(scratch);
    Ok(report)
}

/// The load generator's own runtime: two threads, apart from the service's.
fn load_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("simulate-load")
        .enable_all()
        .build()
        .context("the load generator's runtime")
}

/// How long each timed phase runs, from `--seconds`.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub morning: Duration,
    /// Each of the quiet/flood rounds (three of each, alternating).
    pub flood_round: Duration,
    /// Each of the geo/bare and HTTP/direct rounds (three of each, alternating).
    pub compare_round: Duration,
}

/// Rounds of each kind in an A/B comparison; alternating rounds share the machine's noise.
pub const ROUNDS: usize = 3;

impl Plan {
    fn new(seconds: f64) -> Self {
        let s = Duration::from_secs_f64(seconds);
        Self { morning: s, flood_round: s / 6, compare_round: s / 12 }
    }

    fn total(&self) -> Duration {
        self.morning + self.flood_round * (2 * ROUNDS as u32) + self.compare_round * (4 * ROUNDS as u32)
    }
}

/// The part of a round whose requests are not counted, while connections and caches settle.
pub fn warm_up(round: Duration) -> Duration {
    (round / 5).min(Duration::from_secs(2))
}

/// The service's settings for a simulation: its own database, free loopback ports, a dedicated
/// open-API listener (the deployment the design calls for), and secrets in the scratch
/// directory unless the environment supplies them.
fn simulation_config(vars: &HashMap<String, String>, scratch: &scratch::Scratch) -> anyhow::Result<Config> {
    let mut vars = vars.clone();
    vars.remove("MASKPORTAL_CLOCK");
    for (name, value) in [
        ("DATABASE_URL", scratch.url_text.as_str()),
        ("MASKPORTAL_BIND", "127.0.0.1:0"),
        ("MASKPORTAL_PUBLIC_BIND", "127.0.0.1:0"),
        ("MASKPORTAL_SECRETS_DIR", &scratch.dir.path().to_string_lossy()),
    ] {
        vars.insert(name.to_owned(), value.to_owned());
    }
    Ok(Config::from_vars(&vars)?)
}

/// A clerk account made by the seeding, and once signed in, its session.
#[derive(Debug, Clone)]
pub struct ClerkSite {
    pub code: String,
    pub site_id: i64,
    pub user_id: i64,
    pub username: String,
    pub addr: String,
    pub lat: f64,
    pub lng: f64,
}

#[derive(Debug)]
pub struct Seeded {
    pub clerks: Vec<ClerkSite>,
    /// A site of its own for the publish-lag probe, alone at its coordinates.
    pub probe: ClerkSite,
    pub api_key: String,
    pub directory_len: usize,
}

/// Seeds the directory, one clerk at each of `clerks` random sites plus the probe's site, and
/// an open-API key with a limit no load here can reach.
fn seed(config: &Config, clock: &Clock, opts: &Opts) -> anyhow::Result<Seeded> {
    let (mut conn, _) = maskportal::cli::connect(config)?;
    anyhow::ensure!(
        sites::count(&mut conn)? == 0,
        "the database already has sites: simulate only fills a new database"
    );
    let directory = directory::generate(opts.sites, opts.seed);
    let registrations = directory.iter().cloned().map(registration).collect::<anyhow::Result<Vec<_>>>()?;
    sites::register_all(&mut conn, clock, &registrations)?;

    let mut order: Vec<usize> = (0..directory.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(opts.seed));
    let mut points: std::collections::HashMap<(u64, u64), usize> = std::collections::HashMap::new();
    for site in &directory {
        *points.entry((site.lat.to_bits(), site.lng.to_bits())).or_default() += 1;
    }
    let probe_index = order
        .iter()
        .copied()
        .find(|&i| points[&(directory[i].lat.to_bits(), directory[i].lng.to_bits())] == 1)
        .context("no site stands alone at its coordinates")?;
    let clerk_count = opts.clerks.min(directory.len() / 2);
    let chosen: Vec<usize> = order.iter().copied().filter(|&i| i != probe_index).take(clerk_count).collect();

    let hash = passwords::hash(&Password::new_secret(PASSWORD.to_owned())?, &config.sessions.hashing)?;
    let mut account = |i: usize, username: String| -> anyhow::Result<ClerkSite> {
        let site = &directory[i];
        let code = SiteCode::parse(&site.code)?;
        let user = users::create(
            &mut conn,
            clock,
            &Operator::Cli,
            &Username::parse(&username)?,
            &Membership::Clerk(code),
            &hash,
        )?;
        Ok(ClerkSite {
            code: site.code.clone(),
            site_id: user.site_id.context("a clerk has a site")?,
            user_id: user.id,
            username,
            addr: site.addr.clone(),
            lat: site.lat,
            lng: site.lng,
        })
    };
    let clerks = chosen
        .iter()
        .enumerate()
        .map(|(n, &i)| account(i, format!("sim-clerk-{n}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let probe = account(probe_index, "sim-probe".to_owned())?;
    let unlimited = NonZeroU32::new(1_000_000).unwrap_or(NonZeroU32::MAX);
    let key = api_keys::issue(
        &mut conn,
        clock,
        &Operator::Cli,
        &DisplayText::parse("simulated map apps")?,
        unlimited,
        unlimited,
    )?;
    Ok(Seeded { clerks, probe, api_key: key.key, directory_len: directory.len() })
}

/// The service: one node with a dedicated open-API listener, or a counter node and a public
/// node on the one database (`--split-nodes`).
struct Service {
    /// Where clerks sell.
    main: SocketAddr,
    /// Where map apps read.
    public: SocketAddr,
    /// The counter node's in-process stock events.
    events: StockEvents,
    nodes: Vec<Node>,
}

impl Service {
    fn start(config: &Config, clock: &Clock, split: bool) -> anyhow::Result<Self> {
        if !split {
            let node = Node::start(config.clone(), clock.clone())?;
            let public = node.public.context("the open-API listener did not start")?;
            return Ok(Self { main: node.main, public, events: node.events.clone(), nodes: vec![node] });
        }
        let node_of = |role: Role| {
            let mut config = config.clone();
            config.role = role;
            config.public.bind = None;
            Node::start(config, clock.clone())
        };
        let counter = node_of(Role::Counter)?;
        let public = node_of(Role::Public)?;
        Ok(Self {
            main: counter.main,
            public: public.main,
            events: counter.events.clone(),
            nodes: vec![counter, public],
        })
    }

    async fn stop(self) {
        for node in self.nodes {
            node.stop().await;
        }
    }
}

/// One node, running on a thread of its own (its own async runtime and HTTP workers), so the
/// load generator's tasks never share a scheduler with the service's publisher.
struct Node {
    main: SocketAddr,
    /// The dedicated open-API listener, when configured.
    public: Option<SocketAddr>,
    events: StockEvents,
    handles: Vec<actix_web::dev::ServerHandle>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Node {
    fn start(config: Config, clock: Clock) -> anyhow::Result<Self> {
        let (ready, started) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new().name("service".into()).spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = match Application::build(config, clock).await {
                    Ok(app) => app,
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                let _ = ready.send(Ok((app.port(), app.public_port(), app.stock_events(), app.handles())));
                if let Err(error) = app.run_until_stopped().await {
                    tracing::warn!(%error, "the simulated service stopped with an error");
                }
            });
        })?;
        let (port, public_port, events, handles) =
            started.recv().context("the service thread ended before it started")??;
        let loopback = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        Ok(Self {
            main: loopback(port),
            public: public_port.map(loopback),
            events,
            handles,
            thread: Some(thread),
        })
    }

    async fn stop(mut self) {
        for handle in &self.handles {
            handle.stop(false).await;
        }
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// What a sale latency sample counts towards, by the phase it was sent and answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Label {
    /// Between rounds or warming up: not counted.
    None = 0,
    Morning = 1,
    Quiet = 2,
    Flood = 3,
    /// Under the flood, after a public node was killed (`--counter-nodes`).
    AfterKill = 4,
    /// Under a flood whose client runs at normal priority (`--isolation`; `Flood` is then the
    /// flood from a client at the lowest priority).
    FloodAtNormalPriority = 5,
}

/// What every load task shares.
pub struct Ctx {
    /// The counter's port.
    pub counter: SocketAddr,
    /// The dedicated open-API port.
    pub public: SocketAddr,
    pub api_key: String,
    /// Sites in the directory.
    pub sites: usize,
    pub truth: Truth,
    pub people: People,
    label: AtomicU8,
    /// Sale round trips by label.
    sale_latency: [SharedSamples; 6],
    /// Counter answers by outcome (`sold`, refusal codes, `http_400`…).
    outcomes: Mutex<BTreeMap<String, u64>>,
    pub server_errors: AtomicU64,
    pub transport_errors: AtomicU64,
    /// Sales the service acknowledged, over HTTP or directly.
    pub acknowledged_sales: AtomicU64,
    pub progress: Progress,
}

impl Ctx {
    /// Clerks sell at `counter` and map apps read at `public`, with the seeded API key.
    fn new(
        counter: SocketAddr,
        public: SocketAddr,
        seeded: &Seeded,
        truth: Truth,
        progress: Progress,
    ) -> Self {
        Self {
            counter,
            public,
            api_key: seeded.api_key.clone(),
            sites: seeded.directory_len,
            truth,
            people: People::default(),
            label: AtomicU8::new(Label::None as u8),
            sale_latency: Default::default(),
            outcomes: Mutex::new(BTreeMap::new()),
            server_errors: AtomicU64::new(0),
            transport_errors: AtomicU64::new(0),
            acknowledged_sales: AtomicU64::new(0),
            progress,
        }
    }

    pub fn label(&self) -> Label {
        match self.label.load(Ordering::Relaxed) {
            1 => Label::Morning,
            2 => Label::Quiet,
            3 => Label::Flood,
            4 => Label::AfterKill,
            5 => Label::FloodAtNormalPriority,
            _ => Label::None,
        }
    }

    pub fn set_label(&self, label: Label) {
        self.label.store(label as u8, Ordering::Relaxed);
    }

    /// Records a sale's round trip if the same phase held when it was sent and answered.
    pub fn sale_latency(&self, sent_under: Label, elapsed: Duration) {
        let now = self.label();
        if now == sent_under && now != Label::None {
            self.sale_latency[now as usize].push(elapsed);
        }
    }

    pub fn take_sale_latency(&self, label: Label) -> stats::Samples {
        self.sale_latency[label as usize].take()
    }

    pub fn outcome(&self, name: &str) {
        *self.outcomes.lock().unwrap_or_else(|p| p.into_inner()).entry(name.to_owned()).or_default() += 1;
    }

    pub fn take_outcomes(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.outcomes.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Counts a reply's status: a 5xx is a server error, whatever was sent.
    pub fn status(&self, status: u16) {
        if status >= 500 {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn transport_error(&self, error: &std::io::Error) {
        if self.transport_errors.fetch_add(1, Ordering::Relaxed) < 3 {
            tracing::warn!(%error, "a simulated request failed in transport");
        }
    }

    pub fn key_header(&self) -> [(&str, &str); 1] {
        [("x-api-key", self.api_key.as_str())]
    }
}

/// The timed phases, in order; see the module doc.
async fn drive(
    ctx: Arc<Ctx>,
    opts: &Opts,
    plan: &Plan,
    seeded: &Seeded,
    service: &Service,
    config: &Config,
    clock: &Clock,
) -> anyhow::Result<Report> {
    let mut report = Report::new(opts, config.database_url.backend(), seeded, config);

    ctx.progress.step(&format!("signing in {} clerks", seeded.clerks.len() + 1));
    let clerks = clerk::sign_in_all(&seeded.clerks, &[ctx.counter]).await?;
    let probe = clerk::sign_in_all(std::slice::from_ref(&seeded.probe), &[ctx.counter]).await?.remove(0);

    ctx.progress.phase("launch morning", Duration::ZERO, plan.morning);
    morning::run(&ctx, opts, plan, &clerks, &probe, &mut report).await?;

    let offset = plan.morning;
    ctx.progress.phase("counter: quiet vs read flood", offset, plan.flood_round * (2 * ROUNDS as u32));
    compare::counter_under_flood(&ctx, opts, plan, &clerks, &mut report).await?;

    let offset = offset + plan.flood_round * (2 * ROUNDS as u32);
    ctx.progress.phase("storesByGeo vs bare handler", offset, plan.compare_round * (2 * ROUNDS as u32));
    compare::geo_vs_bare(&ctx, opts, plan, config, &mut report).await?;

    // Peak memory now: the service has served the morning, the flood and the throughput
    // rounds; the next comparison opens a second connection pool a server would not have.
    let (peak, now) = stats::memory_mb();
    report.peak_rss_mb = peak;
    report.rss_mb = now;

    let offset = offset + plan.compare_round * (2 * ROUNDS as u32);
    ctx.progress.phase("sales: HTTP vs service layer", offset, plan.compare_round * (2 * ROUNDS as u32));
    compare::sales_http_vs_direct(
        &ctx,
        opts,
        plan,
        &clerks,
        config,
        clock,
        service.events.clone(),
        &mut report,
    )
    .await?;

    ctx.progress.step("auditing the database");
    report.server_errors = ctx.server_errors.load(Ordering::Relaxed);
    report.transport_errors = ctx.transport_errors.load(Ordering::Relaxed);
    report.integrity =
        audit(config, clerks.iter().chain([&probe]), ctx.acknowledged_sales.load(Ordering::Relaxed)).await?;

    ctx.progress.step("timing storesByGeo on boards of several sizes");
    let sizes = opts.board_sizes.clone();
    let seed = opts.seed;
    report.board = tokio::task::spawn_blocking(move || board::scaling(&sizes, seed)).await?;
    Ok(report)
}

/// The weekly quota the audit holds every person to.
const WEEKLY_QUOTA: i32 = 2;

/// What the database says after the run.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Integrity {
    /// Sales acknowledged to a clerk (or to the direct caller) during the run; equal to the
    /// recorded sales unless an acknowledged write was lost.
    pub acknowledged_sales: u64,
    /// The audit of the clerk sites and of every person's quota ([`WEEKLY_QUOTA`]).
    #[serde(flatten)]
    pub database: Findings,
}

impl Integrity {
    /// Lost writes and broken invariants, in words.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let recorded = u64::try_from(self.database.recorded_sales).unwrap_or(0);
        if recorded != self.acknowledged_sales {
            problems.push(format!("{} sales acknowledged, {recorded} recorded", self.acknowledged_sales));
        }
        if self.database.over_quota > 0 {
            problems.push(format!("{} person-weeks over the quota", self.database.over_quota));
        }
        if self.database.stock_mismatches > 0 {
            problems.push(format!(
                "{} sites whose stock differs from the ledger",
                self.database.stock_mismatches
            ));
        }
        problems
    }
}

/// Audits the sites of `sessions` and every person's quota.
async fn audit<'a>(
    config: &Config,
    sessions: impl IntoIterator<Item = &'a clerk::Session>,
    acknowledged_sales: u64,
) -> anyhow::Result<Integrity> {
    let config = config.clone();
    let site_ids: Vec<i64> = sessions.into_iter().map(|c| c.site.site_id).collect();
    tokio::task::spawn_blocking(move || {
        let (mut conn, _) = maskportal::cli::connect(&config)?;
        let database = integrity::audit(&mut conn, &site_ids, WEEKLY_QUOTA)?;
        Ok(Integrity { acknowledged_sales, database })
    })
    .await?
}

/// The distinct 시/도 + 시/군/구 of the clerk sites, for storesByAddr queries.
pub fn districts(clerks: &[clerk::Session]) -> Vec<String> {
    let mut seen = HashSet::new();
    clerks
        .iter()
        .filter_map(|c| {
            let (sido, sigungu, _) = maskportal::domain::address::admin_area_of(&c.site.addr);
            let district = format!("{sido} {sigungu}");
            (!sigungu.is_empty() && seen.insert(district.clone())).then_some(district)
        })
        .collect()
}

/// Percent-encodes a query value (Hangul addresses).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
