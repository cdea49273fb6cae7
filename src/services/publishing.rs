//! In-process notice of stock changes, sent after each write commits, so the public board can
//! refresh at once instead of waiting for its next look at the change log.

use tokio::sync::broadcast;

/// A site whose public figures changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockChange {
    pub site_id: i64,
}

/// The sending side; cheap to clone.
#[derive(Debug, Clone)]
pub struct StockEvents {
    sender: broadcast::Sender<StockChange>,
}

impl Default for StockEvents {
    fn default() -> Self {
        // A subscriber that falls this far behind is told it lagged and re-reads the change
        // log, so nothing is lost by bounding the buffer.
        Self { sender: broadcast::channel(4096).0 }
    }
}

impl StockEvents {
    pub fn publish(&self, site_id: i64) {
        // No subscriber yet is fine: the change log in the database has it too.
        let _ = self.sender.send(StockChange { site_id });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StockChange> {
        self.sender.subscribe()
    }
}
