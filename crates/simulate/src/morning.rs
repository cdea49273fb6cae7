//! The launch morning: every clerk site gets its delivery and serves buyers arriving at random,
//! some sites get a second delivery, map apps read the open API at a steady rate and each of
//! their answers is judged against the true stock, and a probe measures how long a sale takes
//! to show on storesByGeo and on the SSE stream.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::clerk::{self, Session, Terminal};
use crate::client::{Conn, EventStream};
use crate::report::{Morning, Report};
use crate::stats::{Samples, Summary};
use crate::truth::Verdicts;
use crate::{Ctx, Label, Opts, Plan};

/// Connections the map apps' steady reads are spread over.
const READERS: usize = 8;
/// A probe that sees nothing for this long records the timeout as its lag.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn run(
    ctx: &Arc<Ctx>,
    opts: &Opts,
    plan: &Plan,
    clerks: &[Session],
    probe: &Session,
    report: &mut Report,
) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(opts.seed ^ 0x6d6f_726e);
    let per_site = opts.buyers_per_second / clerks.len() as f64;
    // About 1.5 masks leave per buyer; deliveries range from a third to twice the morning's
    // expected demand, so that some sites sell out and most pass through every status.
    let demand = per_site * plan.morning.as_secs_f64() * 1.5;
    let mut terminals = Vec::with_capacity(clerks.len());
    for session in clerks {
        let mut terminal = Terminal::new(session.clone());
        let quantity = (demand * rng.random_range(0.33..2.0)).round().max(2.0) as i64;
        terminal.deliver(ctx, quantity).await?;
        terminals.push(terminal);
    }
    let mut probe_terminal = Terminal::probe(probe.clone());
    probe_terminal.deliver(ctx, 100).await?;

    let start = Instant::now();
    let until = start + plan.morning;
    ctx.set_label(Label::Morning);
    let workers: Vec<_> = terminals
        .into_iter()
        .enumerate()
        .map(|(i, terminal)| {
            // Half the sites get a second delivery during the morning.
            let restock = rng.random_bool(0.5).then(|| {
                let at = start + plan.morning.mul_f64(rng.random_range(0.3..0.8));
                (at, (demand * rng.random_range(0.2..1.0)).round().max(2.0) as i64)
            });
            tokio::spawn(clerk::work(ctx.clone(), terminal, per_site, until, restock, opts.seed + i as u64))
        })
        .collect();
    let readers: Vec<_> = (0..READERS)
        .map(|i| {
            let targets = Targets::new(clerks);
            let rate = opts.reads_per_second / READERS as f64;
            tokio::spawn(read(ctx.clone(), targets, rate, until, opts.seed.wrapping_mul(31) + i as u64))
        })
        .collect();
    let prober = tokio::spawn(probe_lag(ctx.clone(), probe_terminal, until, opts.seed ^ 0x7072));

    for worker in workers {
        worker.await?;
    }
    let mut verdicts = Verdicts::default();
    let mut reads = Samples::default();
    let mut read_count = 0;
    for reader in readers {
        let (v, samples, count) = reader.await?;
        verdicts.add(v);
        reads.extend(samples);
        read_count += count;
    }
    let lag = prober.await??;
    ctx.set_label(Label::None);

    let outcomes = ctx.take_outcomes();
    let mut sales = ctx.take_sale_latency(Label::Morning);
    report.morning = Morning {
        seconds: start.elapsed().as_secs_f64(),
        clerks: clerks.len(),
        buyers_per_second: opts.buyers_per_second,
        reads_per_second: opts.reads_per_second,
        sales: outcomes.get("sold").copied().unwrap_or(0),
        outcomes,
        sale: Summary::of(&mut sales),
        reads: read_count,
        read: Summary::of(&mut reads),
        stale_claims: verdicts.claims,
        stale_strict: verdicts.stale_strict,
        stale_upper: verdicts.stale_upper,
    };
    report.lag = lag;
    Ok(())
}

/// Where map-app users are: near clerk sites (so their answers include stores whose true
/// stock is known), their districts, and pages of the whole list.
#[derive(Clone)]
pub struct Targets {
    points: Vec<(f64, f64)>,
    districts: Vec<String>,
}

impl Targets {
    pub fn new(clerks: &[Session]) -> Self {
        Self {
            points: clerks.iter().map(|c| (c.site.lat, c.site.lng)).collect(),
            districts: crate::districts(clerks),
        }
    }

    /// A 2020-style read: 70% storesByGeo within 1 km of someone standing up to ~300 m from a
    /// store, 20% storesByAddr for a district, 10% a page of sales/json.
    pub fn path(&self, rng: &mut impl Rng, total_sites: usize) -> String {
        let roll: f64 = rng.random();
        if roll < 0.7 || self.districts.is_empty() {
            let (lat, lng) = self.points[rng.random_range(0..self.points.len())];
            let lat = lat + rng.random_range(-0.0027..0.0027);
            let lng = lng + rng.random_range(-0.0034..0.0034);
            format!("/corona19-masks/v1/storesByGeo/json?lat={lat:.6}&lng={lng:.6}&m=1000")
        } else if roll < 0.9 {
            let district = &self.districts[rng.random_range(0..self.districts.len())];
            format!("/corona19-masks/v1/storesByAddr/json?address={}", crate::encode(district))
        } else {
            let pages = total_sites.div_ceil(500).max(1);
            format!("/corona19-masks/v1/sales/json?page={}&perPage=500", rng.random_range(1..=pages))
        }
    }
}

/// An open-API answer as the judge needs it: each store's code and claimed status.
#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(borrow, default)]
    stores: Vec<Claim<'a>>,
    #[serde(borrow, default)]
    sales: Vec<Claim<'a>>,
}

#[derive(Deserialize)]
struct Claim<'a> {
    code: &'a str,
    remain_stat: Option<&'a str>,
}

/// A map app reading at random times (`rate` per second) until `until`; returns the verdicts
/// on its answers, its read latencies and how many reads it made.
async fn read(
    ctx: Arc<Ctx>,
    targets: Targets,
    rate: f64,
    until: Instant,
    seed: u64,
) -> (Verdicts, Samples, u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut conn = Conn::new(ctx.public);
    let mut verdicts = Verdicts::default();
    let mut latency = Samples::default();
    let mut count = 0;
    let mut next = Instant::now() + clerk::arrival_gap(&mut rng, rate);
    while next < until {
        tokio::time::sleep_until(next.into()).await;
        next += clerk::arrival_gap(&mut rng, rate);
        let path = targets.path(&mut rng, ctx.sites);
        let sent = Instant::now();
        let reply = match conn.get(&path, &ctx.key_header()).await {
            Ok(reply) => reply,
            Err(error) => {
                ctx.transport_error(&error);
                continue;
            }
        };
        let received = Instant::now();
        ctx.status(reply.status);
        latency.push(received - sent);
        count += 1;
        if reply.status != 200 {
            ctx.outcome(&format!("read_{}", reply.status));
            continue;
        }
        let Ok(answer) = serde_json::from_slice::<Answer>(reply.body) else {
            ctx.outcome("read_unreadable");
            continue;
        };
        for claim in answer.stores.iter().chain(&answer.sales) {
            if ctx.truth.tracks(claim.code) {
                verdicts.add(ctx.truth.judge(claim.code, claim.remain_stat, sent, received));
            }
        }
    }
    (verdicts, latency, count)
}

/// Publish-lag figures: from the probe's sale request being sent (an upper bound on
/// commit → visible) and from its acknowledgement (a lower bound, 0 when the board was
/// faster than the reply).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Lag {
    pub samples: usize,
    pub geo: Option<Summary>,
    pub geo_from_ack: Option<Summary>,
    pub sse: Option<Summary>,
    pub sse_from_ack: Option<Summary>,
    /// Probe sales not seen within the timeout (counted at the timeout).
    pub geo_timeouts: usize,
    pub sse_timeouts: usize,
    /// The probe's own sale round trips.
    pub sale: Option<Summary>,
}

#[derive(Deserialize)]
struct StreamedStore {
    code: String,
    remaining: Option<i64>,
}

/// The probe: a site of its own at a point no other store shares, its stock moving between
/// 100 (plenty) and 99 (some). Each sale of one mask flips the status; the probe times how
/// long the flip takes to show on storesByGeo (polled back to back at that point) and on the
/// SSE stream, then delivers one mask back, waits for that too, and pauses 20–80 ms.
async fn probe_lag(ctx: Arc<Ctx>, mut terminal: Terminal, until: Instant, seed: u64) -> anyhow::Result<Lag> {
    let mut rng = StdRng::seed_from_u64(seed);
    let site = terminal.session.site.clone();
    let geo_path = format!("/corona19-masks/v1/storesByGeo/json?lat={}&lng={}&m=0", site.lat, site.lng);
    let mut geo = Conn::new(ctx.public);

    let (events_tx, mut events) = mpsc::unbounded_channel::<(Instant, i64)>();
    let mut stream = EventStream::open(ctx.public, "/v2/stream", &ctx.key_header()).await?;
    let code = site.code.clone();
    let needle = format!("\"code\":\"{code}\"");
    let listener = tokio::spawn(async move {
        while let Ok(Some(event)) = stream.next_event().await {
            let at = Instant::now();
            // Most events are other stores': skip them before parsing.
            if !event.data.contains(&needle) {
                continue;
            }
            let Ok(store) = serde_json::from_str::<StreamedStore>(&event.data) else { continue };
            if let (true, Some(remaining)) = (store.code == code, store.remaining) {
                if events_tx.send((at, remaining)).is_err() {
                    return;
                }
            }
        }
    });

    // Start from a published "plenty".
    wait_geo(&ctx, &mut geo, &geo_path, "plenty", Instant::now() + PROBE_TIMEOUT).await;
    let (mut from_send, mut from_ack, mut sse_send, mut sse_ack, mut sale) =
        (Samples::default(), Samples::default(), Samples::default(), Samples::default(), Samples::default());
    let (mut geo_timeouts, mut sse_timeouts) = (0, 0);
    while Instant::now() + Duration::from_millis(100) < until {
        tokio::time::sleep(Duration::from_millis(rng.random_range(20..80))).await;
        while events.try_recv().is_ok() {}
        let buyer = ctx.people.new_buyer();
        let sent = Instant::now();
        let deadline = sent + PROBE_TIMEOUT;
        let sale_request = terminal.sell(&ctx, &buyer, 1, None);
        let seen_geo = wait_geo(&ctx, &mut geo, &geo_path, "some", deadline);
        let seen_sse = wait_sse(&mut events, 99, deadline);
        let (acked, seen_geo, seen_sse) = tokio::join!(sale_request, seen_geo, seen_sse);
        let Some(acked) = acked else {
            // The sale failed; put the stock back to 100 and try again.
            restore(&ctx, &mut terminal).await;
            continue;
        };
        sale.push(acked - sent);
        for (seen, upper, lower, timeouts) in [
            (seen_geo, &mut from_send, &mut from_ack, &mut geo_timeouts),
            (seen_sse, &mut sse_send, &mut sse_ack, &mut sse_timeouts),
        ] {
            let at = seen.unwrap_or_else(|| {
                *timeouts += 1;
                deadline
            });
            upper.push(at - sent);
            lower.push(at.saturating_duration_since(acked));
        }
        restore(&ctx, &mut terminal).await;
        let back = Instant::now() + PROBE_TIMEOUT;
        let (_, _) = tokio::join!(
            wait_geo(&ctx, &mut geo, &geo_path, "plenty", back),
            wait_sse(&mut events, 100, back)
        );
    }
    listener.abort();
    let summary = |s: &mut Samples| (!s.is_empty()).then(|| Summary::of(s));
    Ok(Lag {
        samples: from_send.len(),
        geo: summary(&mut from_send),
        geo_from_ack: summary(&mut from_ack),
        sse: summary(&mut sse_send),
        sse_from_ack: summary(&mut sse_ack),
        geo_timeouts,
        sse_timeouts,
        sale: summary(&mut sale),
    })
}

/// Delivers masks to bring the probe site back to 100.
async fn restore(ctx: &Ctx, terminal: &mut Terminal) {
    let missing = 100 - terminal.on_hand;
    if missing > 0 {
        if let Err(error) = terminal.deliver(ctx, missing).await {
            tracing::warn!(%error, "the probe's delivery failed");
        }
    }
}

/// Polls storesByGeo at the probe's point until it shows `status`; when it did, or `None`.
async fn wait_geo(
    ctx: &Ctx,
    conn: &mut Conn,
    path: &str,
    status: &str,
    deadline: Instant,
) -> Option<Instant> {
    let needle = format!("\"remain_stat\":\"{status}\"");
    while Instant::now() < deadline {
        match conn.get(path, &ctx.key_header()).await {
            Ok(reply) => {
                let at = Instant::now();
                ctx.status(reply.status);
                if reply.status == 200 && memmem(reply.body, needle.as_bytes()) {
                    return Some(at);
                }
            }
            Err(error) => {
                ctx.transport_error(&error);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    None
}

/// Waits for a stream event showing the probe site with `remaining`.
async fn wait_sse(
    events: &mut mpsc::UnboundedReceiver<(Instant, i64)>,
    remaining: i64,
    deadline: Instant,
) -> Option<Instant> {
    loop {
        match tokio::time::timeout_at(deadline.into(), events.recv()).await {
            Ok(Some((at, value))) if value == remaining => return Some(at),
            Ok(Some(_)) => continue,
            Ok(None) | Err(_) => return None,
        }
    }
}

fn memmem(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
