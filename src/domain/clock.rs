//! The service's notion of "now": the system clock, or one started at a chosen instant.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

/// How the clock relates to real time, reported by `/healthz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockMode {
    /// Real time.
    System,
    /// Real time shifted to start at a configured instant; it runs on from there.
    Shifted,
}

/// A clock passed to everything that reads time. Clones share one offset, so a test that
/// advances the clock moves the whole service.
#[derive(Debug, Clone)]
pub struct Clock {
    shared: Arc<Shift>,
}

#[derive(Debug)]
struct Shift {
    offset_ms: AtomicI64,
    shifted: AtomicBool,
}

impl Clock {
    pub fn system() -> Self {
        Self { shared: Arc::new(Shift { offset_ms: AtomicI64::new(0), shifted: AtomicBool::new(false) }) }
    }

    /// A clock that reads `start` now and runs at real speed from there.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        let clock = Self::system();
        clock.advance(start - Utc::now());
        clock
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.shared.offset_ms.load(Ordering::Relaxed))
    }

    pub fn mode(&self) -> ClockMode {
        if self.shared.shifted.load(Ordering::Relaxed) {
            ClockMode::Shifted
        } else {
            ClockMode::System
        }
    }

    /// Moves time (forward or back) for every clone: tests, training. The mode becomes shifted.
    pub fn advance(&self, by: Duration) {
        self.shared.offset_ms.fetch_add(by.num_milliseconds(), Ordering::Relaxed);
        self.shared.shifted.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_shifted_clock_starts_at_its_instant_and_runs_on() {
        let start = Utc.with_ymd_and_hms(2020, 3, 11, 0, 0, 0).unwrap();
        let clock = Clock::starting_at(start);
        let now = clock.now();
        assert!(now >= start && now - start < Duration::seconds(5), "{now}");
        assert_eq!(clock.mode(), ClockMode::Shifted);
    }

    #[test]
    fn advancing_a_clone_moves_every_clone() {
        let clock = Clock::system();
        clock.clone().advance(Duration::days(7));
        let ahead = clock.now() - Utc::now();
        assert!(ahead >= Duration::days(7) - Duration::seconds(5), "{ahead}");
        assert_eq!(clock.mode(), ClockMode::Shifted);
    }
}
