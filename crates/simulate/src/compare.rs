//! The A/B comparisons, each in alternating rounds so both sides share the machine's noise:
//! the counter quiet vs under a read flood, storesByGeo vs a bare actix handler, and sales over
//! HTTP vs the same transactions straight through the service layer.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context;
use rand::rngs::StdRng;
use rand::SeedableRng;

use maskportal::config::Config;
use maskportal::domain::client_key::ClientKey;
use maskportal::domain::clock::Clock;
use maskportal::domain::quantity::Quantity;
use maskportal::domain::resident_id::ResidentId;
use maskportal::services::counter::{Actor, Counter};
use maskportal::services::publishing::StockEvents;
use maskportal::services::sales::SaleRequest;

use crate::clerk::{self, Session, Terminal};
use crate::client::Conn;
use crate::morning::Targets;
use crate::report::{Ab, Report};
use crate::stats::Summary;
use crate::{warm_up, Ctx, Label, Opts, Plan, CITY_CENTRE, ROUNDS};

/// Enough stock that no comparison runs out.
const PLENTY: i64 = 500_000;

/// Counter sale latency with no public load, then with `read_concurrency` connections reading
/// the open API back to back (on its dedicated listener), in alternating rounds, while the
/// clerks keep serving buyers at the morning's rate.
pub async fn counter_under_flood(
    ctx: &Arc<Ctx>,
    opts: &Opts,
    plan: &Plan,
    clerks: &[Session],
    report: &mut Report,
) -> anyhow::Result<()> {
    let total = plan.flood_round * (2 * ROUNDS as u32);
    let until = Instant::now() + total + Duration::from_secs(1);
    let workers = clerk::open_counters(ctx, clerks, PLENTY, opts.buyers_per_second, until, opts.seed).await?;
    let targets = Targets::new(clerks);
    let flood_requests = Arc::new(AtomicU64::new(0));
    let mut flood_time = Duration::ZERO;
    for round in 0..2 * ROUNDS {
        let flood = round % 2 == 1;
        let round_end = Instant::now() + plan.flood_round;
        let measure_from = Instant::now() + warm_up(plan.flood_round);
        let readers: Vec<_> = if flood {
            (0..opts.read_concurrency)
                .map(|i| {
                    let (ctx, targets, counted) = (ctx.clone(), targets.clone(), flood_requests.clone());
                    let seed = opts.seed.wrapping_add((round * 1000 + i) as u64);
                    tokio::spawn(async move {
                        let mut rng = StdRng::seed_from_u64(seed);
                        let mut conn = Conn::new(ctx.public);
                        while Instant::now() < round_end {
                            let path = targets.path(&mut rng, ctx.sites);
                            match conn.get(&path, &ctx.key_header()).await {
                                Ok(reply) => {
                                    ctx.status(reply.status);
                                    if Instant::now() >= measure_from && Instant::now() < round_end {
                                        counted.fetch_add(1, Ordering::Relaxed);
                                    }
                                }
                                Err(error) => ctx.transport_error(&error),
                            }
                        }
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        tokio::time::sleep_until(measure_from.into()).await;
        ctx.set_label(if flood { Label::Flood } else { Label::Quiet });
        tokio::time::sleep_until(round_end.into()).await;
        ctx.set_label(Label::None);
        if flood {
            flood_time += round_end - measure_from;
        }
        for reader in readers {
            reader.await?;
        }
    }
    for worker in workers {
        worker.await?;
    }
    ctx.take_outcomes();
    let mut quiet = ctx.take_sale_latency(Label::Quiet);
    let mut flood = ctx.take_sale_latency(Label::Flood);
    report.counter_quiet = Summary::of(&mut quiet);
    report.counter_flood = Summary::of(&mut flood);
    report.flood_rps = flood_requests.load(Ordering::Relaxed) as f64 / flood_time.as_secs_f64();
    report.flood_concurrency = opts.read_concurrency;
    Ok(())
}

/// Requests answered 200 within the measured part of a round, from `concurrency` connections
/// each sending its next request as soon as the last is answered.
async fn hammer(ctx: &Arc<Ctx>, addr: SocketAddr, path: &str, concurrency: usize, round: Duration) -> f64 {
    let round_end = Instant::now() + round;
    let measure_from = Instant::now() + warm_up(round);
    let counted = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (ctx, counted, path) = (ctx.clone(), counted.clone(), path.to_owned());
            tokio::spawn(async move {
                let mut conn = Conn::new(addr);
                while Instant::now() < round_end {
                    match conn.get(&path, &ctx.key_header()).await {
                        Ok(reply) => {
                            ctx.status(reply.status);
                            let now = Instant::now();
                            if reply.status == 200 && now >= measure_from && now < round_end {
                                counted.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(error) => ctx.transport_error(&error),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    counted.load(Ordering::Relaxed) as f64 / (round_end - measure_from).as_secs_f64()
}

/// storesByGeo (m=1000 at the city centre) against a bare actix handler returning a
/// pre-serialised body of the same size, on as many worker threads as the open-API listener.
pub async fn geo_vs_bare(
    ctx: &Arc<Ctx>,
    opts: &Opts,
    plan: &Plan,
    config: &Config,
    report: &mut Report,
) -> anyhow::Result<()> {
    let (lat, lng) = CITY_CENTRE;
    let geo_path = format!("/corona19-masks/v1/storesByGeo/json?lat={lat}&lng={lng}&m=1000");
    let mut conn = Conn::new(ctx.public);
    let reply = conn.get(&geo_path, &ctx.key_header()).await?;
    anyhow::ensure!(reply.status == 200, "storesByGeo answered {}", reply.status);
    let body = web::Bytes::copy_from_slice(reply.body);
    let stores = serde_json::from_slice::<serde_json::Value>(&body)?["count"].as_u64().unwrap_or(0);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("the bare handler's port")?;
    let bare_addr = listener.local_addr()?;
    let bare_body = body.clone();
    let server = HttpServer::new(move || {
        let body = bare_body.clone();
        App::new().route(
            "/bare",
            web::get().to(move || {
                let body = body.clone();
                async move { HttpResponse::Ok().content_type("application/json; charset=utf-8").body(body) }
            }),
        )
    })
    .workers(config.public.workers)
    .listen(listener)?
    .run();
    let handle = server.handle();
    let running = tokio::spawn(server);

    let mut ab = Ab::default();
    for round in 0..2 * ROUNDS {
        if round % 2 == 0 {
            ab.a.push(hammer(ctx, ctx.public, &geo_path, opts.read_concurrency, plan.compare_round).await);
        } else {
            ab.b.push(hammer(ctx, bare_addr, "/bare", opts.read_concurrency, plan.compare_round).await);
        }
    }
    handle.stop(false).await;
    let _ = running.await;
    report.geo_body_bytes = body.len();
    report.geo_stores = stores;
    report.geo_vs_bare = ab;
    report.read_concurrency = opts.read_concurrency;
    Ok(())
}

/// Back-to-back sales from `sale_concurrency` clerks over HTTP (sign-in token, JSON, the whole
/// stack), against the same sales issued by the same clerks straight to the service layer
/// (`Counter::sell`: the same transaction, no HTTP), in alternating rounds.
#[allow(clippy::too_many_arguments)]
pub async fn sales_http_vs_direct(
    ctx: &Arc<Ctx>,
    opts: &Opts,
    plan: &Plan,
    clerks: &[Session],
    config: &Config,
    clock: &Clock,
    events: StockEvents,
    report: &mut Report,
) -> anyhow::Result<()> {
    let chosen = &clerks[..opts.sale_concurrency.min(clerks.len())];
    let counter = Arc::new(direct_counter(config, clock, events).await?);
    let mut ab = Ab::default();
    for round in 0..2 * ROUNDS {
        let round_end = Instant::now() + plan.compare_round;
        let measure_from = Instant::now() + warm_up(plan.compare_round);
        let counted = Arc::new(AtomicU64::new(0));
        let over_http = round % 2 == 0;
        let tasks: Vec<_> = chosen
            .iter()
            .map(|session| {
                let (ctx, counted, counter) = (ctx.clone(), counted.clone(), counter.clone());
                let mut terminal = Terminal::new(session.clone());
                let actor = Actor {
                    user_id: session.site.user_id,
                    site_id: session.site.site_id,
                    session_id: session.session_id.clone(),
                    device_id: session.device_id.clone(),
                };
                tokio::spawn(async move {
                    while Instant::now() < round_end {
                        let buyer = ctx.people.new_buyer();
                        let sold = if over_http {
                            terminal.sell(&ctx, &buyer, 2, None).await.is_some()
                        } else {
                            sell_direct(&ctx, &counter, &actor, &buyer).await
                        };
                        let now = Instant::now();
                        if sold && now >= measure_from && now < round_end {
                            counted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await?;
        }
        let rate = counted.load(Ordering::Relaxed) as f64 / (round_end - measure_from).as_secs_f64();
        if over_http {
            ab.a.push(rate);
        } else {
            ab.b.push(rate);
        }
    }
    let outcomes = ctx.take_outcomes();
    report.sales_failed = outcomes.iter().filter(|(name, _)| name.as_str() != "sold").map(|(_, n)| n).sum();
    report.sales = ab;
    report.sale_concurrency = chosen.len();
    Ok(())
}

/// The service layer as the HTTP handlers use it, on a pool of its own of the same size.
async fn direct_counter(config: &Config, clock: &Clock, events: StockEvents) -> anyhow::Result<Counter> {
    let secrets = maskportal::secrets::Secrets::load(config)?;
    let policy = Arc::new(maskportal::app::load_policy(config)?);
    let pool = maskportal::app::open_database(config).await?;
    Ok(Counter::new(
        pool,
        clock.clone(),
        policy,
        secrets.id_key,
        config.void_window,
        config.backdate_window,
        events,
    ))
}

static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// One sale through `Counter::sell`, parsing the buyer's number and the key as a handler would.
async fn sell_direct(ctx: &Ctx, counter: &Counter, actor: &Actor, buyer: &str) -> bool {
    let request = match (
        ResidentId::parse(buyer),
        Quantity::new(2),
        ClientKey::parse(&uuid::Uuid::new_v4().to_string()),
    ) {
        (Ok(buyer), Ok(quantity), Ok(client_key)) => {
            SaleRequest { buyer, proxy_for: None, quantity, client_key, sold_at: None, offline: false }
        }
        _ => return false,
    };
    match counter.sell(actor, request).await {
        Ok(_) => {
            ctx.acknowledged_sales.fetch_add(1, Ordering::Relaxed);
            true
        }
        Err(error) => {
            ctx.outcome("direct_sale_failed");
            if !WARNED.swap(true, Ordering::Relaxed) {
                tracing::warn!(%error, "a direct sale failed");
            }
            false
        }
    }
}
