//! The public board: an in-memory snapshot of every store that the open API reads without
//! touching the database, kept fresh by a publisher that tails the change log, and the change
//! feed (cursor + live stream) that lets apps stop polling.

pub mod listener;
mod publisher;
pub mod snapshot;
mod v1_json;

use std::collections::VecDeque;
use std::sync::{Arc, RwLock};

use arc_swap::ArcSwap;
use tokio::sync::broadcast;

pub use self::publisher::Publisher;
pub use self::snapshot::PublicSite;
use self::snapshot::Snapshot;

/// One entry of the change feed: a change-log sequence number (the v2 cursor) and its site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedEntry {
    pub seq: i64,
    pub site_id: i64,
}

/// How many recent changes the feed remembers for `/v2/changes` and stream resumption.
const FEED_MEMORY: usize = 100_000;

/// The shared board: readers load the current snapshot without waiting; the publisher swaps.
pub struct Board {
    snapshot: ArcSwap<Snapshot>,
    feed: RwLock<Feed>,
    live: broadcast::Sender<FeedEntry>,
}

#[derive(Debug, Default)]
struct Feed {
    entries: VecDeque<FeedEntry>,
    /// The newest sequence published (the cursor of an up-to-date client).
    cursor: i64,
}

/// What `/v2/changes` answers: the sites changed after a cursor, and the cursor to ask next.
#[derive(Debug, PartialEq, Eq)]
pub struct Changes {
    pub cursor: i64,
    /// Sites in the order of their first change in the range; each appears once.
    pub site_ids: Vec<i64>,
    /// The cursor was older than the feed remembers: every site is included.
    pub full_resync: bool,
}

impl Default for Board {
    fn default() -> Self {
        Self {
            snapshot: ArcSwap::from_pointee(Snapshot::empty()),
            feed: RwLock::new(Feed::default()),
            live: broadcast::channel(4096).0,
        }
    }
}

impl Board {
    /// The current snapshot; never blocks.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    pub(crate) fn publish(&self, snapshot: Snapshot) {
        self.snapshot.store(Arc::new(snapshot));
    }

    /// Appends changes in cursor order and tells live subscribers.
    pub(crate) fn append_feed(&self, entries: &[FeedEntry]) {
        let Some(last) = entries.last() else { return };
        {
            let mut feed = self.feed.write().unwrap_or_else(|p| p.into_inner());
            feed.entries.extend(entries.iter().copied());
            let excess = feed.entries.len().saturating_sub(FEED_MEMORY);
            feed.entries.drain(..excess);
            feed.cursor = last.seq;
        }
        for entry in entries {
            // No subscriber is fine.
            let _ = self.live.send(*entry);
        }
    }

    /// Starts the feed at `cursor` (the log's newest entry when the board was loaded).
    pub(crate) fn start_feed_at(&self, cursor: i64) {
        self.feed.write().unwrap_or_else(|p| p.into_inner()).cursor = cursor;
    }

    pub fn cursor(&self) -> i64 {
        self.feed.read().unwrap_or_else(|p| p.into_inner()).cursor
    }

    /// Sites changed after `since`, at most `limit` of them, merged per site.
    pub fn changes_since(&self, since: i64, limit: usize) -> Changes {
        let feed = self.feed.read().unwrap_or_else(|p| p.into_inner());
        let remembered_from = feed.entries.front().map_or(feed.cursor, |e| e.seq - 1);
        if since < remembered_from {
            let snapshot = self.snapshot();
            return Changes {
                cursor: feed.cursor,
                site_ids: snapshot.stores().iter().map(|s| s.site_id).collect(),
                full_resync: true,
            };
        }
        let start = feed.entries.partition_point(|e| e.seq <= since);
        let mut site_ids = Vec::new();
        let mut seen = std::collections::HashSet::new();
        // Up to date unless the limit stops the walk early.
        let mut cursor = feed.cursor;
        for entry in feed.entries.range(start..) {
            if !seen.contains(&entry.site_id) {
                if site_ids.len() == limit {
                    break;
                }
                seen.insert(entry.site_id);
                site_ids.push(entry.site_id);
            }
            cursor = entry.seq;
        }
        Changes { cursor, site_ids, full_resync: false }
    }

    /// The feed entries after `since`, or `None` when the feed no longer remembers that far.
    pub fn entries_since(&self, since: i64) -> Option<Vec<FeedEntry>> {
        let feed = self.feed.read().unwrap_or_else(|p| p.into_inner());
        let remembered_from = feed.entries.front().map_or(feed.cursor, |e| e.seq - 1);
        if since < remembered_from {
            return None;
        }
        let start = feed.entries.partition_point(|e| e.seq <= since);
        Some(feed.entries.range(start..).copied().collect())
    }

    /// Live feed entries from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<FeedEntry> {
        self.live.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(pairs: &[(i64, i64)]) -> Vec<FeedEntry> {
        pairs.iter().map(|&(seq, site_id)| FeedEntry { seq, site_id }).collect()
    }

    #[test]
    fn changes_since_a_cursor_merge_per_site_and_respect_the_limit() {
        let board = Board::default();
        board.start_feed_at(10);
        board.append_feed(&entries(&[(11, 1), (12, 2), (13, 1), (14, 3)]));
        assert_eq!(
            board.changes_since(10, 10),
            Changes { cursor: 14, site_ids: vec![1, 2, 3], full_resync: false }
        );
        assert_eq!(
            board.changes_since(12, 10),
            Changes { cursor: 14, site_ids: vec![1, 3], full_resync: false }
        );
        assert_eq!(
            board.changes_since(10, 2),
            Changes { cursor: 13, site_ids: vec![1, 2], full_resync: false }
        );
        assert_eq!(board.changes_since(14, 10), Changes { cursor: 14, site_ids: vec![], full_resync: false });
        assert!(board.changes_since(3, 10).full_resync, "older than the feed remembers");
    }
}
