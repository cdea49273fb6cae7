//! `GET /v2/stream`: Server-Sent Events, one per store change, the change-log cursor as the
//! event id; `Last-Event-ID` (or `?since=`) resumes with exactly the changes missed. A stream
//! ends when the service begins to stop.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::{header, Method};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use crate::board::snapshot::Snapshot;
use crate::board::{Board, FeedEntry};
use crate::http::error::ApiError;
use crate::http::server::Shutdown;
use crate::http::state::AppState;

use super::v2::StoreV2;
use super::{integer, Params};

/// A comment line this often keeps idle connections open through proxies.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub async fn stream(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<Params>,
) -> Result<HttpResponse, ApiError> {
    super::v2::reject_empty(&params)?;
    let header_id = req.headers().get("last-event-id").and_then(|v| v.to_str().ok()).map(str::trim);
    let resume_from = match header_id.filter(|v| !v.is_empty()) {
        Some(raw) => Some(raw.parse::<i64>().map_err(|_| {
            ApiError::invalid_query("Last-Event-ID", "Last-Event-ID must be a cursor from this stream")
        })?),
        None => integer(&params, "since")?,
    };
    let mut reply = HttpResponse::Ok();
    reply
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"));
    if req.method() == Method::HEAD {
        // A stream never ends by itself; HEAD gets its headers only.
        return Ok(reply.finish());
    }
    // Subscribe before reading the backlog, so nothing falls between the two.
    let live = state.board.subscribe();
    let board = state.board.clone();
    let (backlog, last_sent) = match resume_from {
        Some(since) => backlog(&board, since),
        None => (Vec::new(), board.cursor()),
    };
    let first = Bytes::from(format!("retry: 2000\n\n{}", backlog.concat()));
    let shutdown = state.shutdown.clone();
    let events = futures_util::stream::unfold(
        (Some(first), Sse { board, live, last_sent, shutdown }),
        |(pending, mut sse)| async move {
            let chunk = match pending {
                Some(chunk) => chunk,
                None => sse.next_chunk().await?,
            };
            Some((Ok::<_, actix_web::Error>(chunk), (None, sse)))
        },
    );
    Ok(reply.streaming(events))
}

struct Sse {
    board: Arc<Board>,
    live: Receiver<FeedEntry>,
    last_sent: i64,
    shutdown: Shutdown,
}

impl Sse {
    /// The next bytes to send: a change, a catch-up after falling behind, or a keep-alive; none
    /// once the service begins to stop (clients resume with `Last-Event-ID`).
    async fn next_chunk(&mut self) -> Option<Bytes> {
        loop {
            let received = tokio::select! {
                () = self.shutdown.begun() => return None,
                received = tokio::time::timeout(KEEP_ALIVE, self.live.recv()) => received,
            };
            match received {
                Err(_) => return Some(Bytes::from_static(b": keep-alive\n\n")),
                Ok(Err(RecvError::Closed)) => return None,
                Ok(Err(RecvError::Lagged(_))) => {
                    let (events, last) = backlog(&self.board, self.last_sent);
                    self.last_sent = last;
                    return Some(Bytes::from(events.concat()));
                }
                Ok(Ok(entry)) if entry.seq <= self.last_sent => continue,
                Ok(Ok(entry)) => {
                    self.last_sent = entry.seq;
                    if let Some(event) = event(&self.board.snapshot(), entry.site_id, entry.seq) {
                        return Some(Bytes::from(event));
                    }
                }
            }
        }
    }
}

/// The changes after `since`, one event per store at its last change, in cursor order; when the
/// feed no longer remembers `since`, every store at the current cursor.
fn backlog(board: &Board, since: i64) -> (Vec<String>, i64) {
    match board.entries_since(since) {
        Some(entries) => {
            let mut last_change: HashMap<i64, i64> = HashMap::new();
            for entry in &entries {
                last_change.insert(entry.site_id, entry.seq);
            }
            let mut latest: Vec<(i64, i64)> =
                last_change.into_iter().map(|(site, seq)| (seq, site)).collect();
            latest.sort_unstable();
            let last = latest.last().map_or(since, |&(seq, _)| seq);
            let snapshot = board.snapshot();
            (latest.into_iter().filter_map(|(seq, site)| event(&snapshot, site, seq)).collect(), last)
        }
        None => {
            let cursor = board.cursor();
            let snapshot = board.snapshot();
            (snapshot.stores().iter().filter_map(|s| event(&snapshot, s.site_id, cursor)).collect(), cursor)
        }
    }
}

fn event(snapshot: &Snapshot, site_id: i64, seq: i64) -> Option<String> {
    let store = snapshot.by_site(site_id)?;
    let data = serde_json::to_string(&StoreV2::of(store)).ok()?;
    Some(format!("id: {seq}\nevent: store\ndata: {data}\n\n"))
}
