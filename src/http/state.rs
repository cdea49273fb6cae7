//! What every handler can reach: the use-cases, the public board and the edge's settings.

use std::sync::Arc;

use crate::board::Board;
use crate::domain::clock::Clock;
use crate::domain::sealed_sale::SealingKey;
use crate::services::console::Console;
use crate::services::counter::Counter;
use crate::services::operations::Operations;
use crate::services::sessions::Sessions;

use super::client_address::TrustedProxies;
use super::counter_first::CounterFirst;
use super::docs::AllowedMethods;
use super::rate_limit::{LookupLimits, RateLimits};
use super::server::Shutdown;
use super::telemetry::MetricsToken;

pub struct AppState {
    pub clock: Clock,
    pub sessions: Sessions,
    pub counter: Counter,
    /// The operator's console (the admin API).
    pub console: Console,
    /// Opens the sales a counter page sealed while offline.
    pub sealing_key: SealingKey,
    pub operations: Operations,
    pub board: Arc<Board>,
    pub rate_limits: RateLimits,
    /// Eligibility look-ups per session.
    pub lookup_limits: LookupLimits,
    pub trusted_proxies: TrustedProxies,
    /// What each documented path answers, for 405s.
    pub allowed_methods: AllowedMethods,
    /// `Cache-Control: public, max-age=N` on open-API replies.
    pub public_max_age: u32,
    /// Opens `/metrics`; without it `/metrics` is served only on the metrics listener.
    pub metrics_token: Option<MetricsToken>,
    /// Trips when the service begins to stop; event streams end then.
    pub shutdown: Shutdown,
    /// Holds open-API reads back while counter requests are in flight.
    pub counter_first: CounterFirst,
}
