//! The clerk-facing portal API under `/portal/v1`.

pub mod sessions;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::calendar::KST;

/// Portal times are shown in Korea time, with their offset.
pub fn kst_rfc3339(instant: DateTime<Utc>) -> String {
    instant.with_timezone(&KST).to_rfc3339_opts(SecondsFormat::Secs, false)
}
