//! When a sale may say it happened: masks that left the counter during an outage are entered
//! later, within a window; no sale is dated ahead of the service clock beyond a little skew.

use chrono::{DateTime, Duration, Utc};

/// How far ahead of the service clock a device's clock may run.
const FUTURE_SKEW: Duration = Duration::minutes(2);

/// How old a sale entered now may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackdateWindow {
    hours: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SoldAtRefusal {
    #[error("sold_at is more than 2 minutes ahead of the service clock")]
    InTheFuture,
    #[error("sold_at is more than {hours} hours ago: older sales can no longer be entered")]
    TooOld { hours: u32 },
}

impl BackdateWindow {
    pub const fn hours(hours: u32) -> Self {
        Self { hours }
    }

    /// Whether a sale entered at `now` may say it was made at `sold_at`; both ends admitted.
    pub fn admits(self, sold_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), SoldAtRefusal> {
        if sold_at > now + FUTURE_SKEW {
            return Err(SoldAtRefusal::InTheFuture);
        }
        if sold_at < now - Duration::hours(i64::from(self.hours)) {
            return Err(SoldAtRefusal::TooOld { hours: self.hours });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2020, 3, 12, 1, 0, 0).unwrap()
    }

    #[test]
    fn a_sale_up_to_two_minutes_ahead_of_the_clock_is_admitted_and_not_a_second_more() {
        let window = BackdateWindow::hours(72);
        assert_eq!(window.admits(now(), now()), Ok(()));
        assert_eq!(window.admits(now() + Duration::minutes(2), now()), Ok(()));
        assert_eq!(
            window.admits(now() + Duration::minutes(2) + Duration::seconds(1), now()),
            Err(SoldAtRefusal::InTheFuture)
        );
    }

    #[test]
    fn a_sale_as_old_as_the_window_is_admitted_and_not_a_second_older() {
        for hours in [1, 72, 24 * 14] {
            let window = BackdateWindow::hours(hours);
            let edge = now() - Duration::hours(i64::from(hours));
            assert_eq!(window.admits(edge, now()), Ok(()), "{hours} h");
            assert_eq!(
                window.admits(edge - Duration::seconds(1), now()),
                Err(SoldAtRefusal::TooOld { hours }),
                "{hours} h"
            );
        }
    }

    #[test]
    fn a_window_of_zero_hours_admits_only_the_present_and_the_skew() {
        let window = BackdateWindow::hours(0);
        assert_eq!(window.admits(now(), now()), Ok(()));
        assert_eq!(
            window.admits(now() - Duration::seconds(1), now()),
            Err(SoldAtRefusal::TooOld { hours: 0 })
        );
    }
}
