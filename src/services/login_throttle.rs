//! Counts failed sign-ins per client IP and per unknown username, in memory, so guessing is cut
//! off whether or not the username exists (known accounts keep theirs in the database, by the
//! same rule: `FailedSignIns`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::domain::account::{AfterFailure, FailedSignIns};

/// What failures are counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    Ip(IpAddr),
    Username(String),
}

/// A key's failures in its current window, and its lock.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    failures: Option<FailedSignIns>,
    locked_until: Option<DateTime<Utc>>,
}

/// Past this many tracked keys, entries whose window has passed are swept out.
const SWEEP_AT: usize = 10_000;

#[derive(Debug)]
pub struct LoginThrottle {
    window: Duration,
    entries: Mutex<HashMap<ThrottleKey, Entry>>,
}

impl LoginThrottle {
    /// Failures are counted within `window`; a lock also lasts `window`.
    pub fn new(window: std::time::Duration) -> Self {
        Self {
            window: Duration::from_std(window).unwrap_or(Duration::minutes(15)),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// When `key` is locked at `now`, the instant the lock ends.
    pub fn locked_until(&self, key: &ThrottleKey, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.get(key).and_then(|e| e.locked_until).filter(|until| *until > now)
    }

    /// Counts a failure; returns the lock's end when this failure reached `max`.
    pub fn fail(&self, key: ThrottleKey, max: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.len() >= SWEEP_AT {
            let window = self.window;
            entries.retain(|_, e| {
                e.locked_until.is_some_and(|u| u > now) || e.failures.is_some_and(|f| now - f.since < window)
            });
        }
        let entry = entries.entry(key).or_default();
        match FailedSignIns::after(entry.failures, now, self.window, max) {
            AfterFailure::Counted(failures) => {
                entry.failures = Some(failures);
                None
            }
            AfterFailure::Locked { until } => {
                *entry = Entry { failures: None, locked_until: Some(until) };
                Some(until)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_583_884_800, 0).unwrap() + Duration::minutes(minutes)
    }

    fn ip() -> ThrottleKey {
        ThrottleKey::Ip("10.0.0.7".parse().unwrap())
    }

    #[test]
    fn the_fifth_failure_locks_for_the_window_and_the_lock_then_lifts() {
        let throttle = LoginThrottle::new(std::time::Duration::from_secs(15 * 60));
        for _ in 0..4 {
            assert_eq!(throttle.fail(ip(), 5, at(0)), None);
        }
        assert_eq!(throttle.fail(ip(), 5, at(1)), Some(at(16)));
        assert_eq!(throttle.locked_until(&ip(), at(15)), Some(at(16)));
        assert_eq!(throttle.locked_until(&ip(), at(16)), None);
        assert_eq!(throttle.fail(ip(), 5, at(17)), None, "a fresh count after the lock");
    }

    #[test]
    fn failures_spread_wider_than_the_window_never_lock() {
        let throttle = LoginThrottle::new(std::time::Duration::from_secs(15 * 60));
        for minute in (0..100).step_by(4) {
            assert_eq!(throttle.fail(ip(), 5, at(minute)), None, "minute {minute}");
        }
    }

    #[test]
    fn keys_are_counted_apart() {
        let throttle = LoginThrottle::new(std::time::Duration::from_secs(60));
        for _ in 0..4 {
            throttle.fail(ip(), 5, at(0));
        }
        let name = ThrottleKey::Username("nobody".into());
        assert_eq!(throttle.fail(name.clone(), 5, at(0)), None);
        assert_eq!(throttle.locked_until(&name, at(0)), None);
    }
}
