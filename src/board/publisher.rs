//! Keeps the board fresh: woken at once by in-process stock events and by PostgreSQL's
//! notifications of other nodes' commits, and tailing the change log so writes by other
//! processes arrive within a poll interval even without them (SQLite, a dropped listener).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::broadcast::error::RecvError;
use tokio::sync::Notify;

use crate::db::changes::{self, PublicRow};
use crate::db::{self, DbError, Pool};
use crate::domain::clock::Clock;
use crate::domain::site::SiteKind;
use crate::services::publishing::StockChange;

use super::snapshot::{PublicSite, SiteInfo, Snapshot};
use super::{Board, FeedEntry};

/// At most this many log entries are read per pass.
const BATCH: i64 = 10_000;
/// A sequence number that stays missing this long belongs to a rolled-back transaction.
const GAP_GRACE: Duration = Duration::from_secs(5);

/// The publisher's position in the change log.
///
/// PostgreSQL hands out sequence numbers at insert, not at commit, so a later number can
/// become visible before an earlier one. Changes are applied to the snapshot as soon as they
/// are seen, but the feed (whose cursor is the sequence number) only advances over a
/// contiguous prefix, so a client resuming from a cursor never skips a late commit.
#[derive(Debug)]
struct Tail {
    /// Every entry up to here is published.
    cursor: i64,
    /// Entries seen above the cursor, waiting for the gap below them to fill.
    pending: BTreeMap<i64, i64>,
    /// When the current gap was first seen.
    gap_since: Option<Instant>,
}

impl Tail {
    /// Records newly read entries; returns those now publishable in order.
    fn advance(&mut self, read: &[(i64, i64)], now: Instant) -> Vec<FeedEntry> {
        for &(seq, site_id) in read {
            if seq > self.cursor {
                self.pending.insert(seq, site_id);
            }
        }
        let mut ready = Vec::new();
        loop {
            match self.pending.first_key_value() {
                Some((&seq, &site_id)) if seq == self.cursor + 1 => {
                    self.pending.remove(&seq);
                    self.cursor = seq;
                    ready.push(FeedEntry { seq, site_id });
                    self.gap_since = None;
                }
                Some((&seq, _)) => {
                    let since = *self.gap_since.get_or_insert(now);
                    if now.duration_since(since) < GAP_GRACE {
                        break;
                    }
                    // The missing numbers were never committed: step over them.
                    self.cursor = seq - 1;
                    self.gap_since = None;
                }
                None => break,
            }
        }
        ready
    }
}

/// The task that owns the board's writes.
pub struct Publisher {
    board: Arc<Board>,
    pool: Pool,
    clock: Clock,
    tail: Tail,
}

impl Publisher {
    /// Loads every store and positions the tail at the log's end.
    pub async fn load(board: Arc<Board>, pool: Pool, clock: Clock) -> Result<Self, DbError> {
        let (cursor, rows) = db::run(&pool, |conn| {
            // The cursor first: anything committed after it is tailed (and reapplied harmlessly).
            let cursor = changes::latest(conn)?;
            Ok::<_, DbError>((cursor, changes::all_public(conn)?))
        })
        .await?;
        board.publish(Snapshot::build(rows.into_iter().map(public_site).collect(), clock.now()));
        board.start_feed_at(cursor);
        Ok(Self { board, pool, clock, tail: Tail { cursor, pending: BTreeMap::new(), gap_since: None } })
    }

    /// Runs until the event channel closes: a pass on every event, on every notice from the
    /// database that another node committed (`remote`, PostgreSQL only), and at least every
    /// `poll`.
    pub async fn run(
        mut self,
        mut events: tokio::sync::broadcast::Receiver<StockChange>,
        remote: Option<Arc<Notify>>,
        poll: Duration,
    ) {
        loop {
            let woken = async {
                match &remote {
                    Some(remote) => tokio::select! {
                        event = events.recv() => event.map(drop),
                        () = remote.notified() => Ok(()),
                    },
                    None => events.recv().await.map(drop),
                }
            };
            match tokio::time::timeout(poll, woken).await {
                Ok(Err(RecvError::Closed)) => return,
                // An event, a notice, a burst we fell behind on, or a quiet interval: read the
                // log either way.
                Ok(Ok(())) | Ok(Err(RecvError::Lagged(_))) | Err(_) => {}
            }
            // Coalesce a burst of events into one pass.
            while events.try_recv().is_ok() {}
            if let Err(error) = self.pass().await {
                tracing::warn!(%error, "publishing failed; retrying at the next pass");
            }
        }
    }

    /// Reads new log entries, reloads the sites they name, swaps the snapshot, extends the feed.
    pub async fn pass(&mut self) -> Result<(), DbError> {
        let from = self.tail.cursor;
        // One trip to the blocking pool and one connection for both reads: each trip is a
        // wait for a thread and a connection, which is most of the lag under load.
        let (read, rows) = db::run(&self.pool, move |conn| {
            let read = changes::after(conn, from, BATCH)?;
            if read.is_empty() {
                return Ok::<_, DbError>((read, Vec::new()));
            }
            let mut site_ids: Vec<i64> = read.iter().map(|&(_, site_id, _)| site_id).collect();
            site_ids.sort_unstable();
            site_ids.dedup();
            let rows = changes::public_rows(conn, &site_ids)?;
            Ok((read, rows))
        })
        .await?;
        if read.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let sites: Vec<PublicSite> = rows.into_iter().map(public_site).collect();
        let next = self.board.snapshot().with_changes(&sites, now);
        self.board.publish(next);
        let entries: Vec<(i64, i64)> = read.iter().map(|&(seq, site_id, _)| (seq, site_id)).collect();
        let ready = self.tail.advance(&entries, Instant::now());
        let changed_at: std::collections::HashMap<i64, chrono::NaiveDateTime> =
            read.iter().map(|&(seq, _, at)| (seq, at)).collect();
        for entry in &ready {
            if let Some(at) = changed_at.get(&entry.seq) {
                let lag = (now.naive_utc() - *at).to_std().unwrap_or_default();
                metrics::histogram!("maskportal_publish_lag_seconds").record(lag.as_secs_f64());
            }
        }
        self.board.append_feed(&ready);
        Ok(())
    }
}

/// A stored site as the board's own type; a kind the board does not know shows as a pharmacy
/// (the schema's CHECK admits none).
fn public_site(row: PublicRow) -> PublicSite {
    PublicSite {
        site_id: row.site_id,
        info: SiteInfo {
            kind: row.kind.parse().unwrap_or(SiteKind::Pharmacy),
            code: row.code,
            name: row.name,
            addr: row.addr,
            lat: row.lat,
            lng: row.lng,
        },
        on_hand: row.on_hand,
        stock_at: row.stock_at,
        sales_halted: row.sales_halted,
        updated_at: row.updated_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(cursor: i64) -> Tail {
        Tail { cursor, pending: BTreeMap::new(), gap_since: None }
    }

    fn seqs(entries: &[FeedEntry]) -> Vec<i64> {
        entries.iter().map(|e| e.seq).collect()
    }

    #[test]
    fn contiguous_entries_publish_in_order() {
        let mut tail = tail(10);
        assert_eq!(seqs(&tail.advance(&[(11, 1), (12, 2)], Instant::now())), [11, 12]);
        assert_eq!(tail.cursor, 12);
    }

    #[test]
    fn an_entry_behind_a_gap_waits_until_the_gap_fills() {
        let mut tail = tail(10);
        let start = Instant::now();
        assert!(tail.advance(&[(12, 2)], start).is_empty());
        assert_eq!(tail.cursor, 10);
        // The late commit arrives; the re-read also returns 12 again.
        assert_eq!(seqs(&tail.advance(&[(11, 1), (12, 2)], start)), [11, 12]);
    }

    #[test]
    fn a_gap_that_never_fills_is_stepped_over_after_the_grace() {
        let mut tail = tail(10);
        let start = Instant::now();
        assert!(tail.advance(&[(12, 2), (13, 3)], start).is_empty());
        assert!(tail.advance(&[(12, 2), (13, 3)], start + GAP_GRACE / 2).is_empty());
        assert_eq!(seqs(&tail.advance(&[(12, 2), (13, 3)], start + GAP_GRACE)), [12, 13]);
        assert_eq!(tail.cursor, 13);
    }
}
