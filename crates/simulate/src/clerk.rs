//! A clerk at the counter: signs in on one terminal, records deliveries, checks each buyer's
//! eligibility and records the sale, one request at a time as a person at a terminal would.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::json;

use crate::client::Conn;
use crate::people::Visit;
use crate::{ClerkSite, Ctx};

/// A signed-in clerk.
#[derive(Debug, Clone)]
pub struct Session {
    pub site: ClerkSite,
    /// The counter node it signed in at, and sells on.
    pub node: SocketAddr,
    pub session_id: String,
    pub device_id: String,
    /// `Bearer …`
    pub authorization: String,
}

#[derive(Deserialize)]
struct SignedIn {
    token: String,
    session_id: String,
}

/// Signs every clerk in over HTTP, a few at a time (password checks are deliberately slow),
/// each at the next of `nodes` in turn.
pub async fn sign_in_all(sites: &[ClerkSite], nodes: &[SocketAddr]) -> anyhow::Result<Vec<Session>> {
    anyhow::ensure!(!nodes.is_empty(), "no counter node to sign in at");
    let mut sessions = Vec::with_capacity(sites.len());
    for (n, batch) in sites.chunks(4).enumerate() {
        let tasks: Vec<_> = batch
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, site)| {
                let node = nodes[(n * 4 + i) % nodes.len()];
                tokio::spawn(sign_in(site, node))
            })
            .collect();
        for task in tasks {
            sessions.push(task.await??);
        }
    }
    Ok(sessions)
}

async fn sign_in(site: ClerkSite, node: SocketAddr) -> anyhow::Result<Session> {
    let device_id = format!("terminal-{}", site.code);
    let body = json!({
        "username": site.username,
        "password": crate::PASSWORD,
        "device_id": device_id,
        "device_name": "카운터 1",
    });
    let mut conn = Conn::new(node);
    let reply = conn.post_json("/portal/v1/sessions", &[], body.to_string().as_bytes()).await?;
    anyhow::ensure!(
        reply.status == 201,
        "sign-in of {} answered {}: {}",
        site.username,
        reply.status,
        String::from_utf8_lossy(reply.body)
    );
    let signed_in: SignedIn = serde_json::from_slice(reply.body).context("the sign-in answer")?;
    Ok(Session {
        site,
        node,
        session_id: signed_in.session_id,
        device_id,
        authorization: format!("Bearer {}", signed_in.token),
    })
}

#[derive(Deserialize)]
struct Received {
    on_hand: i64,
}

#[derive(Deserialize)]
struct Receipt {
    on_hand: i64,
}

#[derive(Deserialize)]
struct Checked {
    eligible: bool,
    refusal: Option<Refusal>,
}

#[derive(Deserialize)]
struct Refusal {
    code: String,
}

#[derive(Deserialize)]
struct ErrorReply {
    error: Refusal,
}

fn error_code(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<ErrorReply>(body).ok().map(|e| e.error.code)
}

/// One clerk's terminal: a connection and what the clerk knows of the site's stock.
pub struct Terminal {
    pub session: Session,
    conn: Conn,
    pub on_hand: i64,
    /// A measuring instrument rather than a clerk: its sales count in the audit only.
    probe: bool,
}

impl Terminal {
    pub fn new(session: Session) -> Self {
        Self { conn: Conn::new(session.node), session, on_hand: 0, probe: false }
    }

    /// The publish-lag probe's terminal.
    pub fn probe(session: Session) -> Self {
        Self { probe: true, ..Self::new(session) }
    }

    /// Records a delivery; the truth learns of it when it is sent and when it is acknowledged.
    pub async fn deliver(&mut self, ctx: &Ctx, quantity: i64) -> anyhow::Result<i64> {
        let code = &self.session.site.code;
        let body = json!({ "quantity": quantity, "client_key": uuid::Uuid::new_v4().to_string() });
        let sent = Instant::now();
        ctx.truth.delivery_sent(code, sent);
        let headers = [("authorization", self.session.authorization.as_str())];
        let reply =
            match self.conn.post_json("/portal/v1/stock-in", &headers, body.to_string().as_bytes()).await {
                Ok(reply) => reply,
                Err(error) => {
                    ctx.truth.delivery_failed(code);
                    return Err(error.into());
                }
            };
        let acked = Instant::now();
        ctx.status(reply.status);
        if reply.status != 201 {
            ctx.truth.delivery_failed(code);
            anyhow::bail!("stock-in answered {}: {}", reply.status, String::from_utf8_lossy(reply.body));
        }
        let received: Received = serde_json::from_slice(reply.body)?;
        ctx.truth.acknowledged(code, sent, acked, received.on_hand, true);
        self.on_hand = received.on_hand;
        Ok(received.on_hand)
    }

    /// Serves one visitor: the eligibility check, then the sale if the buyer may buy.
    pub async fn serve(&mut self, ctx: &Ctx, visit: Visit) {
        let headers = [("authorization", self.session.authorization.as_str())];
        let proxy = match &visit {
            Visit::Proxy { child, .. } => Some(json!({ "resident_id": child })),
            _ => None,
        };
        let check = json!({ "resident_id": visit.resident_id(), "proxy_for": proxy });
        let reply =
            match self.conn.post_json("/portal/v1/eligibility", &headers, check.to_string().as_bytes()).await
            {
                Ok(reply) => reply,
                Err(error) => return ctx.transport_error(&error),
            };
        ctx.status(reply.status);
        if reply.status != 200 {
            ctx.outcome(&error_code(reply.body).unwrap_or_else(|| format!("eligibility_{}", reply.status)));
            return;
        }
        match serde_json::from_slice::<Checked>(reply.body) {
            Ok(Checked { eligible: true, .. }) => {}
            Ok(Checked { refusal, .. }) => {
                ctx.outcome(&refusal.map_or_else(|| "refused".to_owned(), |r| r.code));
                return;
            }
            Err(_) => return ctx.outcome("eligibility_unreadable"),
        }
        let quantity = match &visit {
            Visit::Buyer { quantity, .. } | Visit::Proxy { quantity, .. } => *quantity,
            _ => 1,
        };
        if self.sell(ctx, visit.resident_id(), quantity, proxy).await.is_some() {
            if let Visit::Buyer { resident_id, quantity: 2 } = visit {
                ctx.people.spent(resident_id);
            }
        }
    }

    /// Records a sale; the instant it was acknowledged, or `None` when it was not.
    pub async fn sell(
        &mut self,
        ctx: &Ctx,
        resident_id: &str,
        quantity: u32,
        proxy: Option<serde_json::Value>,
    ) -> Option<Instant> {
        let headers = [("authorization", self.session.authorization.as_str())];
        let mut sale = json!({
            "resident_id": resident_id,
            "quantity": quantity,
            "client_key": uuid::Uuid::new_v4().to_string(),
        });
        if let Some(proxy) = proxy {
            sale["proxy_for"] = proxy;
        }
        let body = sale.to_string();
        let label = ctx.label();
        let sent = Instant::now();
        let reply = match self.conn.post_json("/portal/v1/sales", &headers, body.as_bytes()).await {
            Ok(reply) => reply,
            Err(error) => {
                ctx.transport_error(&error);
                return None;
            }
        };
        let acked = Instant::now();
        ctx.status(reply.status);
        if reply.status != 201 {
            if !self.probe {
                ctx.sale_latency(label, acked - sent);
                ctx.outcome(&error_code(reply.body).unwrap_or_else(|| format!("sale_{}", reply.status)));
            }
            return None;
        }
        ctx.acknowledged_sales.fetch_add(1, Ordering::Relaxed);
        if !self.probe {
            ctx.sale_latency(label, acked - sent);
            ctx.outcome("sold");
        }
        if let Ok(receipt) = serde_json::from_slice::<Receipt>(reply.body) {
            ctx.truth.acknowledged(&self.session.site.code, sent, acked, receipt.on_hand, false);
            self.on_hand = receipt.on_hand;
        }
        Some(acked)
    }
}

/// Stocks every clerk's site with `stock` masks, then sets each clerk serving buyers (`rate`
/// per second over all of them) until `until`.
pub async fn open_counters(
    ctx: &Arc<Ctx>,
    sessions: &[Session],
    stock: i64,
    rate: f64,
    until: Instant,
    seed: u64,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<Terminal>>> {
    let per_site = rate / sessions.len() as f64;
    let mut workers = Vec::with_capacity(sessions.len());
    for (i, session) in sessions.iter().enumerate() {
        let mut terminal = Terminal::new(session.clone());
        terminal.deliver(ctx, stock).await?;
        workers.push(tokio::spawn(work(
            ctx.clone(),
            terminal,
            per_site,
            until,
            None,
            seed ^ (i as u64) << 8,
        )));
    }
    Ok(workers)
}

/// A clerk's morning: buyers arrive at random (a Poisson process of `rate` per second) until
/// `until`; a sold-out site turns them away until a delivery, which comes at `restock` if any.
pub async fn work(
    ctx: Arc<Ctx>,
    mut terminal: Terminal,
    rate: f64,
    until: Instant,
    mut restock: Option<(Instant, i64)>,
    seed: u64,
) -> Terminal {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut next = Instant::now() + arrival_gap(&mut rng, rate);
    while next < until {
        tokio::time::sleep_until(next.into()).await;
        next += arrival_gap(&mut rng, rate);
        if let Some((at, quantity)) = restock {
            if Instant::now() >= at {
                restock = None;
                if let Err(error) = terminal.deliver(&ctx, quantity).await {
                    tracing::warn!(%error, "a simulated delivery failed");
                }
            }
        }
        if terminal.on_hand == 0 {
            ctx.outcome("turned_away_sold_out");
            continue;
        }
        let visit = ctx.people.visit(&mut rng);
        terminal.serve(&ctx, visit).await;
    }
    terminal
}

/// The time to the next arrival of a Poisson process.
pub fn arrival_gap(rng: &mut impl Rng, rate: f64) -> Duration {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    Duration::from_secs_f64(-u.ln() / rate)
}
