//! What the counter's use-cases share: the database, the clock, the rules, the ID key, and
//! the channel that tells the public board about changes.

use std::sync::Arc;

use crate::db::Pool;
use crate::domain::backdating::BackdateWindow;
use crate::domain::clock::{Clock, ClockMode};
use crate::domain::policy::Policy;
use crate::domain::resident_id::IdKey;
use crate::domain::void_window::VoidWindow;

use super::lookups::Lookups;
use super::publishing::StockEvents;

/// The counter's dependencies; `stock` and `sales` add its use-cases.
pub struct Counter {
    pub(super) pool: Pool,
    pub(super) clock: Clock,
    pub(super) policy: Arc<Policy>,
    pub(super) id_key: IdKey,
    pub(super) void_window: VoidWindow,
    pub(super) backdate_window: BackdateWindow,
    pub(super) events: StockEvents,
    /// Each session's latest look-up, until its sale.
    pub(super) lookups: Lookups,
}

impl Counter {
    pub fn new(
        pool: Pool,
        clock: Clock,
        policy: Arc<Policy>,
        id_key: IdKey,
        void_window: VoidWindow,
        backdate_window: BackdateWindow,
        events: StockEvents,
    ) -> Self {
        Self {
            pool,
            clock,
            policy,
            id_key,
            void_window,
            backdate_window,
            events,
            lookups: Lookups::default(),
        }
    }

    /// The rules the counter sells by, with the service clock's reading: what a page needs to
    /// check sales while it cannot reach the server.
    pub fn rules(&self) -> (&Policy, chrono::DateTime<chrono::Utc>, ClockMode) {
        (&self.policy, self.clock.now(), self.clock.mode())
    }
}

/// Who is writing: recorded on every ledger row, sale and audit entry.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub site_id: i64,
    pub session_id: String,
    pub device_id: String,
}
