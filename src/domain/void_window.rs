//! How long after a sale it may still be voided, and the rule that decides it.

use chrono::{DateTime, Duration, Utc};

use super::calendar::kst_date;

/// How long after a sale it may still be voided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoidWindow {
    /// Until midnight KST of the day of the sale.
    SameDay,
    Hours(u32),
}

impl VoidWindow {
    /// Whether a sale made at `sold_at` may still be voided at `now`.
    pub fn allows(self, sold_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        match self {
            Self::SameDay => kst_date(sold_at) == kst_date(now),
            Self::Hours(hours) => now - sold_at <= Duration::hours(i64::from(hours)),
        }
    }
}

impl std::str::FromStr for VoidWindow {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw {
            "same_day" => Ok(Self::SameDay),
            hours => hours
                .strip_suffix('h')
                .and_then(|h| h.parse().ok())
                .map(Self::Hours)
                .ok_or_else(|| format!("`{raw}` is neither same_day nor a number of hours like 24h")),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::calendar::KST;

    fn kst(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        KST.with_ymd_and_hms(2020, 3, day, hour, minute, 0).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn same_day_ends_at_midnight_korea_time() {
        let sold = kst(11, 23, 50);
        assert!(VoidWindow::SameDay.allows(sold, kst(11, 23, 59)));
        assert!(!VoidWindow::SameDay.allows(sold, kst(12, 0, 1)));
    }

    #[test]
    fn hours_count_from_the_sale() {
        let sold = kst(11, 9, 0);
        assert!(VoidWindow::Hours(24).allows(sold, kst(12, 9, 0)));
        assert!(!VoidWindow::Hours(24).allows(sold, kst(12, 9, 1)));
    }

    #[test]
    fn windows_parse_from_settings() {
        assert_eq!("same_day".parse(), Ok(VoidWindow::SameDay));
        assert_eq!("36h".parse(), Ok(VoidWindow::Hours(36)));
        assert!("tomorrow".parse::<VoidWindow>().is_err());
        assert!("h".parse::<VoidWindow>().is_err());
    }
}
